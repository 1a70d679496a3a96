import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeResidentId, parseResidentId, residentIdCheckChar } from './resident-id.js';

const TODAY = new Date('2026-11-27T00:00:00Z');

test('the check character follows GB 11643 (known public example 11010519491231002X)', () => {
  assert.equal(residentIdCheckChar('11010519491231002'), 'X');
  const r = parseResidentId('11010519491231002X', TODAY);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { id: '11010519491231002X', birthDate: '1949-12-31', sex: 'F', area: '110105', upgraded: false });
});

test('what people type is normalised: full-width digits, lower-case x, spaces and hyphens', () => {
  const expected = '11010519491231002X';
  for (const typed of ['１１０１０５１９４９１２３１００２ｘ', '110105 19491231 002x', '110105-19491231-002X', ' 11010519491231002x ']) {
    const r = parseResidentId(typed, TODAY);
    assert.ok(r.ok, typed);
    assert.equal(r.value.id, expected);
  }
});

test('a 15-digit ID is upgraded to 18 digits with "19" and a computed check character', () => {
  const r = parseResidentId('371002850312123', TODAY);
  assert.ok(r.ok);
  assert.equal(r.value.id, makeResidentId('371002', '1985-03-12', 123));
  assert.equal(r.value.birthDate, '1985-03-12');
  assert.equal(r.value.sex, 'M');
  assert.equal(r.value.upgraded, true);
});

test('malformed IDs are each rejected with their specific reason', () => {
  const valid = makeResidentId('371002', '1985-03-12', 123);
  const wrongCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0');
  const cases: [string, string][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['37100219850312123', 'bad_length'],
    ['3710021985031212345', 'bad_length'],
    ['37100219850312A23X', 'bad_characters'],
    ['3710021985031212X3', 'bad_characters'],
    ['37100285031212X', 'bad_characters'],
    [makeResidentId('991002', '1985-03-12', 123), 'bad_province'],
    [makeResidentId('001002', '1985-03-12', 123), 'bad_province'],
    [makeResidentId('371002', '1985-02-29', 123).slice(0, 17) + 'X', 'bad_birth_date'],
    ['371002198502291230', 'bad_birth_date'],
    ['371002198513011230', 'bad_birth_date'],
    ['371002198500101230', 'bad_birth_date'],
    [makeResidentId('371002', '2027-01-01', 123), 'future_birth_date'],
    [makeResidentId('371002', '1899-12-31', 123), 'too_old'],
    [wrongCheck, 'check_digit'],
  ];
  for (const [input, reason] of cases) {
    const r = parseResidentId(input, TODAY);
    assert.equal(r.ok, false, `${input} should be rejected`);
    if (!r.ok) assert.equal(r.reason, reason, `${JSON.stringify(input)} → ${r.reason}, expected ${reason}`);
  }
});

test('leap days are real dates in leap years only', () => {
  assert.ok(parseResidentId(makeResidentId('371002', '2000-02-29', 12), TODAY).ok);
  assert.ok(parseResidentId(makeResidentId('371002', '1996-02-29', 12), TODAY).ok);
  const notLeap = '371002190002291234';
  const r = parseResidentId(notLeap, TODAY);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.reason, 'bad_birth_date');
});

test('a single mistyped digit is always caught by the check character', () => {
  const valid = makeResidentId('371002', '1985-03-12', 123);
  for (let pos = 14; pos < 17; pos++) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) === valid[pos]) continue;
      const typo = valid.slice(0, pos) + d + valid.slice(pos + 1);
      const r = parseResidentId(typo, TODAY);
      assert.equal(r.ok, false, typo);
    }
  }
});
