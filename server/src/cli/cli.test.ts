import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const bin = path.resolve(import.meta.dirname, '../../bin/tongban.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('`tongban id normalize` prints the normalised ID, birth date, sex and area as JSON', () => {
  const r = run('id', 'normalize', '３７１００２ 850312 123');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { id: '371002198503121239', birthDate: '1985-03-12', sex: 'M', area: '371002', upgraded: true });
  const lower = run('id', 'normalize', '11010519491231002x');
  assert.equal(JSON.parse(lower.stdout).id, '11010519491231002X');
  assert.equal(JSON.parse(lower.stdout).sex, 'F');
});

test('`tongban id normalize` exits 1 with the reason for a bad ID', () => {
  const r = run('id', 'normalize', '371002198503121230');
  assert.equal(r.status, 1);
  assert.equal(JSON.parse(r.stdout).reason, 'check_digit');
  const date = run('id', 'normalize', '371002198502301234');
  assert.equal(date.status, 1);
  assert.equal(JSON.parse(date.stdout).reason, 'bad_birth_date');
});

test('`tongban --help` lists the commands', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  for (const c of ['serve', 'migrate', 'seed', 'import', 'audit', 'id']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
});
