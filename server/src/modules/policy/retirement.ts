import type { Db } from '../../db/connect.js';
import { addMonths, monthIndex, monthOf, todayInChina } from './months.js';
import { parameterSnapshot } from './parameters.js';
import type { ParameterLookup } from './snapshot.js';
import type { AgeYm, ParameterUse, RetirementCategory } from './types.js';
import type { FlexibleRetirementValue, MinContributionValue, RetirementRulesValue } from './values.js';

export const RETIREMENT_CATEGORIES: readonly RetirementCategory[] = ['male', 'female-cadre', 'female-worker'];

export interface RetirementResult {
  /** The month the statutory age is reached ('YYYY-MM'): birth month + age. */
  retirementMonth: string;
  age: AgeYm;
  /** Minimum contribution years for a monthly pension in the retirement month's year. */
  minContributionYears: number;
  /** Months later than the original (pre-reform) age. */
  delayMonths: number;
}

const toMonths = (a: AgeYm) => a.years * 12 + a.months;
const toAge = (m: number): AgeYm => ({ years: Math.floor(m / 12), months: m % 12 });

/**
 * Statutory retirement age under 国务院关于渐进式延迟法定退休年龄的办法 第一条 and its tables:
 * born before the first affected month → the original age; from it on, one month later for
 * each `birthMonthsPerStep` birth months (the first affected month already gets one), never
 * past the target age. Male, born 1965-01 → 60y1m → 2025-02; 1965-05 → 60y2m; from 1976-09 → 63.
 */
export function statutoryRetirementAge(birthMonth: string, category: RetirementCategory, rules: RetirementRulesValue): { age: AgeYm; delayMonths: number } {
  const rule = rules[category];
  if (!rule) throw new RangeError(`unknown retirement category: ${category}`);
  const original = toMonths(rule.originalAge);
  const cap = toMonths(rule.targetAge) - original;
  let delay = 0;
  if (rule.firstBirthMonth && rule.monthsPerStep > 0) {
    const since = monthIndex(birthMonth) - monthIndex(rule.firstBirthMonth);
    if (since >= 0) delay = Math.min(cap, (Math.floor(since / rule.birthMonthsPerStep) + 1) * rule.monthsPerStep);
  }
  return { age: toAge(original + delay), delayMonths: delay };
}

/**
 * 最低缴费年限 by the calendar year of retirement (办法 第二条): 15 years before 2030, then
 * six months more each year from 2030 to 20 years in 2039. Exact in months; years may be x.5.
 */
export function minContributionYears(retirementYear: number, rule: MinContributionValue): number {
  let months = rule.baseMonths;
  if (rule.firstYear !== null && retirementYear >= rule.firstYear) {
    months = Math.min(rule.targetMonths, rule.baseMonths + (retirementYear - rule.firstYear + 1) * rule.monthsPerYear);
  }
  return months / 12;
}

export interface RetirementParams {
  rules: RetirementRulesValue;
  minContribution: MinContributionValue;
}

/** Pure: the statutory retirement month, age and minimum contribution years. */
export function statutoryRetirement(birthMonth: string, category: RetirementCategory, params: RetirementParams): RetirementResult {
  const { age, delayMonths } = statutoryRetirementAge(birthMonth, category, params.rules);
  const retirementMonth = addMonths(birthMonth, toMonths(age));
  return { retirementMonth, age, minContributionYears: minContributionYears(Number(retirementMonth.slice(0, 4)), params.minContribution), delayMonths };
}

export interface FlexibleWindow {
  statutoryMonth: string;
  /** Earliest month of flexible early retirement (弹性提前退休): at most N months earlier, never before the original age. */
  earliestMonth: string;
  /** Latest month of flexible deferred retirement (弹性延迟退休). */
  latestMonth: string;
  /** Early retirement also needs the minimum contribution years (办法 第三条). */
  minContributionYears: number;
}

/** Pure: the flexible retirement window (办法 第三条). */
export function flexibleRetirementWindow(birthMonth: string, category: RetirementCategory, params: RetirementParams & { flexible: FlexibleRetirementValue }): FlexibleWindow {
  const r = statutoryRetirement(birthMonth, category, params);
  const originalMonth = addMonths(birthMonth, toMonths(params.rules[category].originalAge));
  const earlier = addMonths(r.retirementMonth, -params.flexible.maxEarlierMonths);
  return {
    statutoryMonth: r.retirementMonth,
    earliestMonth: earlier > originalMonth ? earlier : originalMonth,
    latestMonth: addMonths(r.retirementMonth, params.flexible.maxLaterMonths),
    minContributionYears: r.minContributionYears,
  };
}

/** The parameters of the retirement rules in effect on `asOf`, with the versions used. */
export function retirementParamsFrom(lookup: ParameterLookup, asOf: string): { params: RetirementParams & { flexible: FlexibleRetirementValue | null }; used: ParameterUse[] } {
  const used: ParameterUse[] = [];
  const get = <T>(key: string): T => {
    const v = lookup.tryAsOf(key, asOf);
    if (!v) throw new RangeError(`parameter ${key} has no version in effect on ${asOf}`);
    used.push({ key, versionId: v.versionId, value: v.value });
    return v.value as T;
  };
  const rules = get<RetirementRulesValue>('retirement.rules');
  const minContribution = get<MinContributionValue>('pension.min_contribution_years');
  const flex = lookup.tryAsOf('retirement.flexible', asOf);
  if (flex) used.push({ key: flex.key, versionId: flex.versionId, value: flex.value });
  return { params: { rules, minContribution, flexible: (flex?.value as FlexibleRetirementValue) ?? null }, used };
}

/** Thin wrapper: the rules as of `asOf` (default today) from the database. */
export async function statutoryRetirementAsOf(db: Db, birthMonth: string, category: RetirementCategory, asOf = todayInChina()): Promise<RetirementResult & { parameters: ParameterUse[] }> {
  const { params, used } = retirementParamsFrom(await parameterSnapshot(db), asOf);
  return { ...statutoryRetirement(birthMonth, category, params), parameters: used };
}

/** Whether someone born in `birthMonth` has reached the statutory age in the month of `asOf`. */
export function hasReachedRetirementAge(retirementMonth: string, asOf: string): boolean {
  return monthOf(asOf) >= retirementMonth;
}
