import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ERRORS } from './errors.js';
import { renderErrorsDoc } from './errors-doc.js';

const docPath = path.resolve(import.meta.dirname, '../../../docs/ERRORS.md');

test('docs/ERRORS.md is current with the ERRORS catalogue (regenerate: node --import tsx server/scripts/gen-errors-doc.ts)', () => {
  assert.ok(fs.existsSync(docPath), 'docs/ERRORS.md exists');
  assert.equal(fs.readFileSync(docPath, 'utf8'), renderErrorsDoc());
});

test('the document lists every code with its status and both messages', () => {
  const doc = renderErrorsDoc();
  for (const [code, e] of Object.entries(ERRORS)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    assert.ok(row, code);
    assert.ok(row.includes(` ${e.status} `) && row.includes(e.zh) && row.includes(e.en), row);
  }
});

test('the catalogue itself is sound: statuses are 4xx/5xx and every message is given in both languages', () => {
  for (const [code, e] of Object.entries(ERRORS)) {
    assert.match(code, /^[A-Z][A-Z0-9_]*$/);
    assert.ok(e.status >= 400 && e.status <= 599, code);
    assert.match(e.zh, /[\u4e00-\u9fff]/, `${code} zh`);
    assert.match(e.en, /^[A-Z]/, `${code} en`);
  }
});
