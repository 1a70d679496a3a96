import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTrackingNo, isValidTrackingNo, mod11_2 } from './tracking.js';
import { dueFlag } from './supervision.js';
import { chinaDate, chinaMidnight } from './clock.js';

test('tracking numbers carry an ISO 7064 MOD 11-2 check character that catches a mistyped digit', () => {
  // The resident-ID check of GB 11643 uses the same scheme: 11010519491231002 → X.
  assert.equal(mod11_2('11010519491231002'), 'X');
  const no = formatTrackingNo('2026-11-27', 42);
  assert.match(no, /^TB2026112700000042[0-9X]$/);
  assert.ok(isValidTrackingNo(no));
  const typo = no.slice(0, 10) + (no[10] === '1' ? '2' : '1') + no.slice(11);
  assert.ok(!isValidTrackingNo(typo));
});

test('due flags: red once the due date has passed, yellow with at most one working day left', () => {
  assert.equal(dueFlag('2026-10-08', '2026-10-09', '2026-10-10'), 'red');
  assert.equal(dueFlag('2026-10-09', '2026-10-09', '2026-10-10'), 'yellow');
  assert.equal(dueFlag('2026-10-10', '2026-10-09', '2026-10-10'), 'yellow');
  assert.equal(dueFlag('2026-10-12', '2026-10-09', '2026-10-10'), 'green');
});

test('days are counted in China Standard Time', () => {
  assert.equal(chinaDate(new Date('2026-09-30T16:30:00Z')), '2026-10-01');
  assert.equal(chinaMidnight('2026-10-01').toISOString(), '2026-09-30T16:00:00.000Z');
});
