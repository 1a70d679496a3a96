import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { accruedLateFeeFen, baseLimits, clampBase, daysBetween, dueDateOf, lineAmountFen, mulDivHalfUp, parseYuan, yearInterestFen, yuan } from './money.js';
import { employeeLines, flexibleLine } from './assessment.js';
import { pooledFundFen } from './transfers.js';
import { compare } from './reconciliation.js';

const RATES = {
  pension_employee: { employerBp: 1600, employeeBp: 800 },
  unemployment: { employerBp: 70, employeeBp: 30 },
  medical_employee: { employerBp: 700, employeeBp: 200 },
  workInjuryByClass: [20, 40, 70, 90, 110, 130, 160, 190],
  flexible: { totalBp: 2000, accountBp: 800 },
};

test('bases below the floor and above the ceiling are clamped to 60 % and 300 % of the average wage', () => {
  const limits = baseLimits(750_000, 6000, 30000); // average 7,500.00 yuan
  assert.deepEqual(limits, { floorFen: 450_000, ceilingFen: 2_250_000 });
  assert.equal(clampBase(300_000, limits), 450_000);
  assert.equal(clampBase(9_000_000, limits), 2_250_000);
  assert.equal(clampBase(612_345, limits), 612_345);
  const low = employeeLines(100_00, limits, RATES, 3);
  assert.ok(low.every((l) => l.baseFen === 450_000));
  const high = employeeLines(100_000_00, limits, RATES, 3);
  assert.ok(high.every((l) => l.baseFen === 2_250_000));
  // A limit with a fraction of a fen is rounded half up: 60 % of 7,283.33 = 4,369.998 → 4,370.00.
  assert.equal(baseLimits(728_333, 6000, 30000).floorFen, 437_000);
});

test('amounts are computed per line and rounded half up to the fen (HALF_UP_PER_LINE)', () => {
  // 6,123.45 × 8 % = 489.876 → 489.88; × 0.3 % = 18.37035 → 18.37; × 0.7 % (class 3) = 42.86415 → 42.86
  const lines = employeeLines(612_345, { floorFen: 450_000, ceilingFen: 2_250_000 }, RATES, 3);
  const by = Object.fromEntries(lines.map((l) => [l.insuranceType, l]));
  assert.equal(by.pension_employee!.employeeFen, 48_988);
  assert.equal(by.pension_employee!.employerFen, 97_975); // 979.752 → 979.75
  assert.equal(by.unemployment!.employeeFen, 1_837);
  assert.equal(by.unemployment!.employerFen, 4_286); // 42.86415
  assert.equal(by.work_injury!.employerFen, 4_286);
  assert.equal(by.work_injury!.employeeFen, 0);
  assert.equal(by.medical_employee!.employerFen, 42_864); // 428.6415 → 428.64
  assert.equal(by.medical_employee!.employeeFen, 12_247); // 122.469 → 122.47
  // Exactly half a fen rounds up: 0.5 fen → 1, 0.4999 → 0.
  assert.equal(lineAmountFen(625, 80), 5); // 6.25 × 0.8 % = 5.0 (exact)
  assert.equal(lineAmountFen(50, 1000), 5);
  assert.equal(lineAmountFen(5, 1000), 1); // 0.5 → 1
  assert.equal(lineAmountFen(4, 1000), 0); // 0.4 → 0
  // Flexible worker: 12 % pooled + 8 % account, each its own line of rounding.
  const f = flexibleLine(456_789, { floorFen: 450_000, ceilingFen: 2_250_000 }, RATES);
  assert.deepEqual([f.baseFen, f.employerFen, f.employeeFen], [456_789, 54_815, 36_543]);
});

test('half-up integer arithmetic equals exact rational rounding for any base and rate', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100_000_000_00 }), fc.integer({ min: 0, max: 10_000 }), (base, bp) => {
      const exact = (BigInt(base) * BigInt(bp) * 10n) / 10_000n; // tenths of a fen, truncated
      const expected = Number((BigInt(base) * BigInt(bp)) / 10_000n) + ((BigInt(base) * BigInt(bp)) % 10_000n >= 5_000n ? 1 : 0);
      assert.equal(lineAmountFen(base, bp), expected, `base ${base} bp ${bp} (${exact})`);
    }),
  );
});

test('late fees: 0.05 % per day from the day after the due date, exact by day over month ends and leap years', () => {
  assert.equal(dueDateOf('2024-02'), '2024-02-29');
  assert.equal(dueDateOf('2023-02'), '2023-02-28');
  // Due 31 January, paid 1 March: February has 29 days in 2024 → 30 days late; 28 in 2023 → 29 days.
  assert.equal(daysBetween('2024-01-31', '2024-03-01'), 30);
  assert.equal(accruedLateFeeFen(1_000_000, '2024-01-31', [{ date: '2024-03-01', fen: 1_000_000 }], '2024-03-01', 500), 15_000);
  assert.equal(accruedLateFeeFen(1_000_000, '2023-01-31', [{ date: '2023-03-01', fen: 1_000_000 }], '2023-03-01', 500), 14_500);
  // Due on the leap day, paid 31 March: 31 days. 12,345.67 × 31 × 0.0005 = 191.357885 → 191.36
  assert.equal(accruedLateFeeFen(1_234_567, '2024-02-29', [{ date: '2024-03-31', fen: 1_234_567 }], '2024-03-31', 500), 19_136);
  // Across a year end: due 2024-12-31, paid 2025-01-01 → one day.
  assert.equal(accruedLateFeeFen(2_000_000, '2024-12-31', [{ date: '2025-01-01', fen: 2_000_000 }], '2025-01-01', 500), 1_000);
  // Paid on the due date: no fee.
  assert.equal(accruedLateFeeFen(2_000_000, '2024-12-31', [{ date: '2024-12-31', fen: 2_000_000 }], '2025-06-30', 500), 0);
  // Partial payment: 1,000.00 due 30 June; 400.00 paid 10 July, 600.00 paid 20 July:
  // 10 days × 1,000.00 + 10 days × 600.00 = 16,000 yuan-days × 0.0005 = 8.00
  assert.equal(accruedLateFeeFen(100_000, '2025-06-30', [{ date: '2025-07-10', fen: 40_000 }, { date: '2025-07-20', fen: 60_000 }], '2025-12-31', 500), 800);
  // Unpaid: accrues to the asOf day inclusive. 30 June → 31 July = 31 days.
  assert.equal(accruedLateFeeFen(100_000, '2025-06-30', [], '2025-07-31', 500), 1_550);
  // Rounded once per bill, half up: 10.00 × 1 day = 0.5 fen → 1; 9.99 → 0.4995 → 0.
  assert.equal(accruedLateFeeFen(1_000, '2025-06-30', [], '2025-07-01', 500), 1);
  assert.equal(accruedLateFeeFen(999, '2025-06-30', [], '2025-07-01', 500), 0);
});

test('late fee does not depend on how a period is split (rounded once, not per day)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 400 }), (principal, days) => {
      const asOf = new Date(Date.UTC(2024, 0, 31 + days)).toISOString().slice(0, 10);
      const fee = accruedLateFeeFen(principal, '2024-01-31', [], asOf, 500);
      assert.equal(fee, mulDivHalfUp(BigInt(principal) * BigInt(days), 500, 1_000_000));
    }),
  );
});

test('account interest over two years by the 劳办发〔1997〕116号 annual method', () => {
  // Year 1: 12 × 800.00 credited, rate 2.62 % → 9,600.00 × 0.0262 × 1.083 / 2 = 136.19808 → 136.20
  const y1 = yearInterestFen(0, 960_000, 26_200);
  assert.deepEqual(y1, { openingInterestFen: 0, currentInterestFen: 13_620, totalFen: 13_620 });
  // Year 2: opening 9,736.20 × 2.62 % = 255.08844 → 255.09, plus the year's 9,600.00 again → 136.20
  const y2 = yearInterestFen(960_000 + 13_620, 960_000, 26_200);
  assert.deepEqual(y2, { openingInterestFen: 25_509, currentInterestFen: 13_620, totalFen: 39_129 });
});

test('pooled fund due on a transfer is 12 % of the bases since 1998-01', () => {
  const months = [
    { month: '1997-12', baseFen: 100_000 },
    { month: '1998-01', baseFen: 100_000 },
    { month: '2025-06', baseFen: 612_345 },
  ];
  // (1,000.00 + 6,123.45) × 12 % = 854.814 → 854.81
  assert.equal(pooledFundFen(months, 1200), 85_481);
});

test('reconciliation comparison finds matched, missing on either side and amount mismatches', () => {
  const items = compare(
    [
      { txRef: 'A', billNo: 'b1', amountFen: 100, paidOn: '2026-10-10' },
      { txRef: 'B', billNo: 'b2', amountFen: 250, paidOn: '2026-10-10' },
      { txRef: 'C', billNo: 'b3', amountFen: 300, paidOn: '2026-10-10' },
    ],
    [
      { paymentId: 'p1', txRef: 'A', amountFen: 100 },
      { paymentId: 'p2', txRef: 'B', amountFen: 200 },
      { paymentId: 'p4', txRef: 'D', amountFen: 400 },
    ],
  );
  const kinds = Object.fromEntries(items.map((i) => [i.txRef, i.kind]));
  assert.deepEqual(kinds, { A: 'matched', B: 'amount_mismatch', C: 'missing_in_ledger', D: 'missing_in_bank' });
});

test('yuan text converts to and from fen exactly', () => {
  assert.equal(parseYuan('6123.45'), 612_345);
  assert.equal(parseYuan('6,123.4'), 612_340);
  assert.equal(parseYuan('6123'), 612_300);
  assert.equal(parseYuan('6123.456'), null);
  assert.equal(parseYuan('abc'), null);
  assert.equal(yuan(612_305), '6123.05');
  assert.equal(yuan(5), '0.05');
});
