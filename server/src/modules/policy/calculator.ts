import { isDate, isMonth } from './months.js';
import { monthlyPension, yuanToFen, type PensionResult } from './pension.js';
import { flexibleRetirementWindow, retirementParamsFrom, statutoryRetirement, RETIREMENT_CATEGORIES, type FlexibleWindow, type RetirementResult } from './retirement.js';
import type { ParameterLookup } from './snapshot.js';
import type { AgeYm, ParameterUse, RetirementCategory } from './types.js';
import { unemploymentEntitlement, type UnemploymentEntitlement } from './unemployment.js';
import type { MaxMonthsBandsValue, MonthsDivisorValue } from './values.js';
import type { WorkingCalendar } from './working-days.js';

/**
 * The staff policy calculator (CLI and API), on the same functions the rules use. Inputs are
 * checked here; a bad one throws CalculatorInputError naming the field and the reason.
 */
export class CalculatorInputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'CalculatorInputError';
  }
}

function param<T>(lookup: ParameterLookup, key: string, asOf: string, used: ParameterUse[]): T {
  const v = lookup.tryAsOf(key, asOf);
  if (!v) throw new CalculatorInputError('asOf', `parameter ${key} has no version in effect on ${asOf}`);
  used.push({ key, versionId: v.versionId, value: v.value });
  return v.value as T;
}

function checkAsOf(asOf: string) {
  if (!isDate(asOf)) throw new CalculatorInputError('asOf', `not a date (YYYY-MM-DD): ${asOf}`);
}

export interface RetirementCalc {
  retirementMonth: string;
  age: AgeYm;
  minContributionYears: number;
  flexible: Pick<FlexibleWindow, 'earliestMonth' | 'latestMonth'> | null;
  parameters: ParameterUse[];
}

export function calcRetirement(lookup: ParameterLookup, input: { birthMonth: string; category: string; asOf: string }): RetirementCalc {
  checkAsOf(input.asOf);
  if (!isMonth(input.birthMonth)) throw new CalculatorInputError('birth', `not a month (YYYY-MM): ${input.birthMonth}`);
  if (input.birthMonth < '1900-01' || input.birthMonth > input.asOf.slice(0, 7)) throw new CalculatorInputError('birth', `must be between 1900-01 and ${input.asOf.slice(0, 7)}`);
  if (!(RETIREMENT_CATEGORIES as readonly string[]).includes(input.category)) throw new CalculatorInputError('category', `must be one of ${RETIREMENT_CATEGORIES.join(', ')}, got ${input.category}`);
  let resolved: ReturnType<typeof retirementParamsFrom>;
  try {
    resolved = retirementParamsFrom(lookup, input.asOf);
  } catch (e) {
    throw new CalculatorInputError('asOf', (e as Error).message);
  }
  const category = input.category as RetirementCategory;
  const r: RetirementResult = statutoryRetirement(input.birthMonth, category, resolved.params);
  const flex = resolved.params.flexible ? flexibleRetirementWindow(input.birthMonth, category, { ...resolved.params, flexible: resolved.params.flexible }) : null;
  return {
    retirementMonth: r.retirementMonth,
    age: r.age,
    minContributionYears: r.minContributionYears,
    flexible: flex ? { earliestMonth: flex.earliestMonth, latestMonth: flex.latestMonth } : null,
    parameters: resolved.used,
  };
}

export function calcUnemployment(lookup: ParameterLookup, input: { contributionMonths: number; asOf: string }): UnemploymentEntitlement & { parameters: ParameterUse[] } {
  checkAsOf(input.asOf);
  if (!Number.isInteger(input.contributionMonths) || input.contributionMonths < 0 || input.contributionMonths > 1200) {
    throw new CalculatorInputError('contribution-months', `must be a whole number of months from 0 to 1200, got ${input.contributionMonths}`);
  }
  const used: ParameterUse[] = [];
  const min = param<number>(lookup, 'unemployment.min_contribution_months', input.asOf, used);
  const bands = param<MaxMonthsBandsValue>(lookup, 'unemployment.max_months_bands', input.asOf, used);
  return { ...unemploymentEntitlement(input.contributionMonths, min, bands), parameters: used };
}

export interface PensionCalcInput {
  avgWage: string | number;
  index: string | number;
  years: string | number;
  accountBalance: string | number;
  age: string | number;
  asOf: string;
}

export function calcPension(lookup: ParameterLookup, input: PensionCalcInput): Pick<PensionResult, 'basic' | 'account' | 'total' | 'divisor'> & { parameters: ParameterUse[] } {
  checkAsOf(input.asOf);
  const wrap = <T>(field: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw new CalculatorInputError(field, (e as Error).message.replace(/^[^ ]+ /, ''));
    }
  };
  const avgWageFen = wrap('avg-wage', () => yuanToFen(input.avgWage, 'avg-wage'));
  const accountBalanceFen = wrap('account-balance', () => yuanToFen(input.accountBalance, 'account-balance'));
  const age = Number(input.age);
  if (!/^\d{1,3}$/.test(String(input.age).trim()) || !Number.isInteger(age)) throw new CalculatorInputError('age', `must be whole years, got ${input.age}`);
  const index = String(input.index).trim();
  const years = String(input.years).trim();
  wrap('index', () => monthlyPensionCheck(index, 'index', 10));
  wrap('years', () => monthlyPensionCheck(years, 'years', 80));
  const used: ParameterUse[] = [];
  const share = param<number>(lookup, 'pension.basic_share_per_year', input.asOf, used);
  const table = param<MonthsDivisorValue>(lookup, 'pension.months_divisor', input.asOf, used);
  const r = wrap('age', () => monthlyPension({ avgWageFen, index, years, sharePerYearBp: share, accountBalanceFen, age, divisorTable: table }));
  return { basic: r.basic, account: r.account, total: r.total, divisor: r.divisor, parameters: used };
}

function monthlyPensionCheck(value: string, field: string, max: number): void {
  if (!/^\d{1,3}(\.\d{1,6})?$/.test(value)) throw new RangeError(`${field} must be a non-negative decimal number, got "${value}"`);
  if (Number(value) > max) throw new RangeError(`${field} must be at most ${max}, got ${value}`);
}

export function calcDueDate(calendar: WorkingCalendar, input: { from: string; days: number }): { due: string; assumedWeekdaysFor: number[] } {
  if (!isDate(input.from)) throw new CalculatorInputError('from', `not a date (YYYY-MM-DD): ${input.from}`);
  if (!Number.isInteger(input.days) || input.days < 0 || input.days > 3660) throw new CalculatorInputError('days', `must be a whole number from 0 to 3660, got ${input.days}`);
  return calendar.addWorkingDays(input.from, input.days);
}
