import type { MonthsDivisorValue } from './values.js';

/**
 * Basic pension of an enterprise employee (国发〔2005〕38号 六):
 *   basic part   = (average monthly wage + indexed average monthly contribution wage) / 2
 *                  × contribution years × 1 %, where indexed wage = average wage × average index;
 *   account part = personal-account balance / months divisor for the age at retirement.
 * Money is exact: inputs are decimals parsed into integers (no binary floating point), each
 * part is rounded to the fen half-up (四舍五入到分) once, at the end, and the total is the sum
 * of the two rounded parts, as a pension notice shows them.
 */

/** A non-negative decimal as a scaled integer: '1.25' → { n: 125n, scale: 2 }. */
export interface Decimal {
  n: bigint;
  scale: number;
}

export function parseDecimal(input: string | number, field: string, maxScale = 6): Decimal {
  const text = typeof input === 'number' ? (Number.isFinite(input) ? String(input) : 'x') : input.trim();
  const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(text);
  if (!m) throw new RangeError(`${field} must be a non-negative decimal number, got "${input}"`);
  const frac = m[2] ?? '';
  if (frac.length > maxScale) throw new RangeError(`${field} has more than ${maxScale} decimals: "${input}"`);
  return { n: BigInt(m[1]! + frac), scale: frac.length };
}

/** Yuan with at most two decimals → fen. */
export function yuanToFen(input: string | number, field: string): number {
  const d = parseDecimal(input, field, 2);
  return Number(d.n * 10n ** BigInt(2 - d.scale));
}

export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** num / den rounded half-up (both non-negative). */
function divHalfUp(num: bigint, den: bigint): bigint {
  return (num * 2n + den) / (den * 2n);
}

export interface BasicPensionInput {
  /** 当地上年度在岗职工月平均工资 (the calculation base), fen. */
  avgWageFen: number;
  /** 本人平均缴费工资指数, e.g. '1.0' or '0.8523'. */
  index: string | number;
  /** 缴费年限, years (months / 12 allowed, e.g. '35.5'). */
  years: string | number;
  /** pension.basic_share_per_year, basis points (100 = 1 %). */
  sharePerYearBp: number;
}

export function basicPensionFen(i: BasicPensionInput): number {
  const idx = parseDecimal(i.index, 'index');
  const yrs = parseDecimal(i.years, 'years');
  const idxOne = 10n ** BigInt(idx.scale);
  // (W + W × I) / 2 × Y × bp / 10000, over the common denominator.
  const num = BigInt(i.avgWageFen) * (idxOne + idx.n) * yrs.n * BigInt(i.sharePerYearBp);
  const den = 2n * idxOne * 10n ** BigInt(yrs.scale) * 10_000n;
  return Number(divHalfUp(num, den));
}

/** The months divisor for a whole age at retirement; RangeError outside the table. */
export function monthsDivisor(age: number, table: MonthsDivisorValue): number {
  if (!Number.isInteger(age)) throw new RangeError(`age must be whole years, got ${age}`);
  const months = table[String(age)];
  if (months === undefined) {
    const ages = Object.keys(table).map(Number).sort((a, b) => a - b);
    throw new RangeError(`age ${age} is outside the months divisor table (${ages[0]}–${ages[ages.length - 1]})`);
  }
  return months;
}

export function accountPensionFen(balanceFen: number, divisor: number): number {
  return Number(divHalfUp(BigInt(balanceFen), BigInt(divisor)));
}

export interface PensionInput extends BasicPensionInput {
  accountBalanceFen: number;
  /** Whole years at retirement. */
  age: number;
  divisorTable: MonthsDivisorValue;
}

export interface PensionResult {
  basicFen: number;
  accountFen: number;
  totalFen: number;
  divisor: number;
  /** Yuan with exactly two decimals. */
  basic: string;
  account: string;
  total: string;
}

export function monthlyPension(i: PensionInput): PensionResult {
  const basicFen = basicPensionFen(i);
  const divisor = monthsDivisor(i.age, i.divisorTable);
  const accountFen = accountPensionFen(i.accountBalanceFen, divisor);
  const totalFen = basicFen + accountFen;
  return { basicFen, accountFen, totalFen, divisor, basic: fenToYuan(basicFen), account: fenToYuan(accountFen), total: fenToYuan(totalFen) };
}
