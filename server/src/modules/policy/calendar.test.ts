import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { offlinePolicy } from './offline.js';

const { calendar } = offlinePolicy(DEFAULT_CATALOG_DIR);
const due = (from: string, days: number) => calendar.addWorkingDays(from, days).due;

test('due date across the 2025 Labour Day holiday: 4/30 + 3 working days → 5/8 (5/1–5/5 off, 4/30 itself not counted)', () => {
  assert.equal(due('2025-04-30', 3), '2025-05-08');
  assert.equal(due('2025-04-30', 0), '2025-04-30');
  assert.equal(calendar.workingDaysBetween('2025-04-30', '2025-05-08'), 3);
  assert.equal(calendar.workingDaysBetween('2025-05-08', '2025-04-30'), -3, 'overdue is negative');
  assert.equal(calendar.workingDaysBetween('2025-05-08', '2025-05-08'), 0);
});

test('make-up working days (调休) count, even on a Sunday; holidays do not, even on a weekday', () => {
  // 2025-01-26 is a Sunday worked for the Spring Festival; the Saturday before is off.
  assert.equal(calendar.isWorkingDay('2025-01-25'), false);
  assert.equal(calendar.isWorkingDay('2025-01-26'), true);
  assert.deepEqual(calendar.info('2025-01-26'), { date: '2025-01-26', working: true, kind: 'make-up-working-day', name: '春节', fromCalendar: true });
  assert.equal(due('2025-01-24', 1), '2025-01-26');
  // Spring Festival 1/28–2/4: from Monday 1/27, the next working day is Wednesday 2/5; then Saturday 2/8 is worked.
  assert.equal(due('2025-01-27', 1), '2025-02-05');
  assert.equal(due('2025-02-07', 1), '2025-02-08');
  assert.deepEqual(calendar.info('2025-10-08'), { date: '2025-10-08', working: false, kind: 'holiday', name: '国庆节、中秋节', fromCalendar: true });
  // National Day 2025: Sunday 9/28 and Saturday 10/11 worked, 10/1–10/8 off.
  assert.equal(due('2025-09-26', 1), '2025-09-28');
  assert.equal(due('2025-09-30', 1), '2025-10-09');
  assert.equal(due('2025-10-10', 1), '2025-10-11');
  assert.equal(due('2025-09-26', 5), '2025-10-10');
});

test('2026 (notice of 2025-11-04): Spring Festival 2/15–2/23 with 2/14 and 2/28 worked; New Year with Sunday 1/4 worked', () => {
  assert.equal(due('2026-02-13', 1), '2026-02-14');
  assert.equal(due('2026-02-14', 1), '2026-02-24');
  assert.equal(due('2026-02-27', 1), '2026-02-28');
  assert.equal(due('2025-12-31', 1), '2026-01-04');
  assert.equal(calendar.isWorkingDay('2026-05-09'), true);
  assert.equal(calendar.isWorkingDay('2026-09-20'), true);
  assert.equal(calendar.isWorkingDay('2026-10-07'), false);
  // A promised limit of 20 working days from 2026-09-25 crosses Mid-Autumn and National Day.
  assert.equal(calendar.workingDaysBetween('2026-09-24', due('2026-09-24', 20)), 20);
  // Counted by hand: 9/28–9/30 (3), 10/8–10/9 (5), Saturday 10/10 (6), then 14 more weekdays.
  assert.equal(due('2026-09-24', 20), '2026-10-29');
});

test('outside the loaded years Monday–Friday is assumed, and the answer says so', () => {
  const r = calendar.addWorkingDays('2026-12-31', 1);
  assert.deepEqual(r, { due: '2027-01-01', assumedWeekdaysFor: [2027] });
  assert.equal(calendar.info('2027-01-02').fromCalendar, false);
  assert.equal(calendar.addWorkingDays('2026-12-01', 3).assumedWeekdaysFor.length, 0);
  assert.throws(() => calendar.addWorkingDays('2025-02-30', 1), /not a date/);
  assert.throws(() => calendar.addWorkingDays('2025-02-01', -1), /non-negative/);
});
