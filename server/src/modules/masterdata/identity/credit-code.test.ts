import assert from 'node:assert/strict';
import { test } from 'node:test';
import { creditCodeCheckChar, makeCreditCode, parseCreditCode } from './credit-code.js';

test('a published credit code checks out (91350100M000100Y43)', () => {
  const r = parseCreditCode('91350100M000100Y43');
  assert.ok(r.ok);
  assert.equal(creditCodeCheckChar('91350100M000100Y4'), '3');
});

test('credit codes: lower case and full-width are normalised; bad ones rejected with their reason', () => {
  const code = makeCreditCode('91371002MA3C12345');
  assert.ok(parseCreditCode(code.toLowerCase()).ok);
  assert.ok(parseCreditCode(code.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))).ok);
  const wrong = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
  const cases: [string, string][] = [
    ['', 'empty'],
    ['91371002MA3C1234', 'bad_length'],
    ['91371002MA3C12I45' + '0', 'bad_characters'],
    ['91371002MA3O12345' + '0', 'bad_characters'],
    [wrong, 'check_character'],
  ];
  for (const [input, reason] of cases) {
    const r = parseCreditCode(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) assert.equal(r.reason, reason, input);
  }
});
