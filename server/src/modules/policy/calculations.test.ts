import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { offlinePolicy } from './offline.js';
import { flexibleRetirementWindow, minContributionYears, statutoryRetirement } from './retirement.js';
import { accountPensionFen, basicPensionFen, monthlyPension, monthsDivisor } from './pension.js';
import { unemploymentBenefitMonthlyFen, unemploymentEntitlement } from './unemployment.js';
import type { FlexibleRetirementValue, MaxMonthsBandsValue, MinContributionValue, MonthsDivisorValue, RetirementRulesValue } from './values.js';
import type { RetirementCategory } from './types.js';

const { params } = offlinePolicy(DEFAULT_CATALOG_DIR);
const AFTER_REFORM = '2026-11-27';
const rules = params.asOf<RetirementRulesValue>('retirement.rules', AFTER_REFORM).value;
const minContribution = params.asOf<MinContributionValue>('pension.min_contribution_years', AFTER_REFORM).value;
const flexible = params.asOf<FlexibleRetirementValue>('retirement.flexible', AFTER_REFORM).value;
const retire = (birth: string, category: RetirementCategory) => statutoryRetirement(birth, category, { rules, minContribution });

test('retirement: men, 60 → 63, one month later per 4 birth months from births of 1965-01 (办法 第一条, 附件1)', () => {
  const cases: [string, number, number, string][] = [
    ['1964-12', 60, 0, '2024-12'], // born before the reform's first month: the original age
    ['1965-01', 60, 1, '2025-02'],
    ['1965-04', 60, 1, '2025-05'],
    ['1965-05', 60, 2, '2025-07'],
    ['1968-03', 60, 10, '2029-01'],
    ['1976-08', 62, 11, '2039-07'],
    ['1976-09', 63, 0, '2039-09'], // the cap is reached
    ['1980-06', 63, 0, '2043-06'], // and never exceeded
  ];
  for (const [birth, years, months, month] of cases) {
    const r = retire(birth, 'male');
    assert.deepEqual(r.age, { years, months }, birth);
    assert.equal(r.retirementMonth, month, birth);
  }
});

test('retirement: women cadres, 55 → 58, per 4 months from 1970-01 (附件2)', () => {
  const cases: [string, number, number, string][] = [
    ['1969-12', 55, 0, '2024-12'],
    ['1970-01', 55, 1, '2025-02'],
    ['1970-05', 55, 2, '2025-07'],
    ['1981-08', 57, 11, '2039-07'],
    ['1981-09', 58, 0, '2039-09'],
    ['1985-01', 58, 0, '2043-01'],
  ];
  for (const [birth, years, months, month] of cases) {
    const r = retire(birth, 'female-cadre');
    assert.deepEqual(r.age, { years, months }, birth);
    assert.equal(r.retirementMonth, month, birth);
  }
});

test('retirement: women workers, 50 → 55, per 2 months from 1975-01 (附件3)', () => {
  const cases: [string, number, number, string][] = [
    ['1974-12', 50, 0, '2024-12'],
    ['1975-01', 50, 1, '2025-02'],
    ['1975-02', 50, 1, '2025-03'],
    ['1975-03', 50, 2, '2025-05'],
    ['1984-10', 54, 11, '2039-09'],
    ['1984-11', 55, 0, '2039-11'],
    ['1984-12', 55, 0, '2039-12'],
  ];
  for (const [birth, years, months, month] of cases) {
    const r = retire(birth, 'female-worker');
    assert.deepEqual(r.age, { years, months }, birth);
    assert.equal(r.retirementMonth, month, birth);
  }
});

test('retirement: before 2025 the rules in effect were the original ages (law as of a date)', () => {
  const old = params.asOf<RetirementRulesValue>('retirement.rules', '2024-12-31').value;
  const r = statutoryRetirement('1976-09', 'male', { rules: old, minContribution });
  assert.deepEqual(r.age, { years: 60, months: 0 });
});

test('minimum contribution years by retirement year: 15 until 2029, +6 months a year from 2030, 20 from 2039 (办法 第二条)', () => {
  const expected: [number, number][] = [[2025, 15], [2029, 15], [2030, 15.5], [2031, 16], [2035, 18], [2038, 19.5], [2039, 20], [2045, 20]];
  for (const [year, years] of expected) assert.equal(minContributionYears(year, minContribution), years, String(year));
  // Through the retirement month: a man born 1969-12 retires 2031-03 (61y3m) and needs 16 years.
  const r = retire('1969-12', 'male');
  assert.equal(r.retirementMonth, '2031-03');
  assert.equal(r.minContributionYears, 16);
});

test('flexible retirement: up to 3 years earlier but never before the original age; up to 3 years later (办法 第三条)', () => {
  // Male 1976-09: statutory 63 in 2039-09; earliest is the original age 60 (2036-09), latest 66 (2042-09).
  const a = flexibleRetirementWindow('1976-09', 'male', { rules, minContribution, flexible });
  assert.deepEqual([a.statutoryMonth, a.earliestMonth, a.latestMonth], ['2039-09', '2036-09', '2042-09']);
  // Male 1965-05: statutory 60y2m (2025-07); 3 years earlier would be under 60, so the earliest is 60 (2025-05).
  const b = flexibleRetirementWindow('1965-05', 'male', { rules, minContribution, flexible });
  assert.deepEqual([b.earliestMonth, b.latestMonth], ['2025-05', '2028-07']);
});

test('pension: basic = (W + W×I)/2 × years × 1 %; account = balance / divisor(age); each rounded half-up to the fen', () => {
  const share = params.asOf<number>('pension.basic_share_per_year', AFTER_REFORM).value;
  const table = params.asOf<MonthsDivisorValue>('pension.months_divisor', AFTER_REFORM).value;
  // Worked example: W = 7,000.00, I = 1.0, 35 years, balance 150,000.00 at 60 (139 months).
  const r = monthlyPension({ avgWageFen: 700_000, index: '1.0', years: '35', sharePerYearBp: share, accountBalanceFen: 15_000_000, age: 60, divisorTable: table });
  assert.deepEqual([r.basic, r.account, r.total, r.divisor], ['2450.00', '1079.14', '3529.14', 139]);
  // Decimals that binary floating point gets wrong are exact here: 7,280 × 2.15 / 2 × 15.5 % = 1,213.03.
  assert.equal(basicPensionFen({ avgWageFen: 728_000, index: '1.15', years: '15.5', sharePerYearBp: share }), 121_303);
  // Half-up, not half-even: 0.5 fen → 1 fen in both parts.
  assert.equal(basicPensionFen({ avgWageFen: 100, index: '0', years: '1', sharePerYearBp: 100 }), 1);
  assert.equal(accountPensionFen(85, monthsDivisor(55, table)), 1);
  // The official table (国发〔2005〕38号 附件): a few rows, and its ends.
  assert.deepEqual([40, 50, 55, 60, 63, 65, 70].map((a) => monthsDivisor(a, table)), [233, 195, 170, 139, 117, 101, 56]);
  assert.throws(() => monthsDivisor(71, table), /outside the months divisor table \(40–70\)/);
});

test('unemployment: eligible from 12 months; bands 12 / 18 / 24 with each band inclusive at its start (社会保险法 第四十五、四十六条)', () => {
  const min = params.asOf<number>('unemployment.min_contribution_months', AFTER_REFORM).value;
  const bands = params.asOf<MaxMonthsBandsValue>('unemployment.max_months_bands', AFTER_REFORM).value;
  const at = (m: number) => unemploymentEntitlement(m, min, bands);
  assert.deepEqual(at(0), { eligible: false, maxMonths: 0 });
  assert.deepEqual(at(11), { eligible: false, maxMonths: 0 });
  assert.deepEqual(at(12), { eligible: true, maxMonths: 12 });
  assert.deepEqual(at(59), { eligible: true, maxMonths: 12 });
  assert.deepEqual(at(60), { eligible: true, maxMonths: 18 });
  assert.deepEqual(at(119), { eligible: true, maxMonths: 18 });
  assert.deepEqual(at(120), { eligible: true, maxMonths: 24 });
  assert.deepEqual(at(400), { eligible: true, maxMonths: 24 });
  assert.throws(() => at(-1));
  assert.throws(() => at(12.5));
  // Amount: 90 % of a 2,200.00 minimum wage = 1,980.00; 2,100.05 × 0.9 = 1,890.045 → 1,890.05 (half-up).
  assert.equal(unemploymentBenefitMonthlyFen(220_000, 0.9), 198_000);
  assert.equal(unemploymentBenefitMonthlyFen(210_005, 0.9), 189_005);
});
