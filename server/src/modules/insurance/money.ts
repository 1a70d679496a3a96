/**
 * Integer-fen arithmetic of the contributory core. Every rounding rule is named here
 * and nowhere else:
 *
 * - HALF_UP_PER_LINE: an amount is computed per person, insurance type and party
 *   (one "line") as base × rate and rounded half up to the fen (四舍五入到分) once, on
 *   that line; a bill is the sum of its rounded lines. Rates are integer basis points
 *   (1/10,000), so base × rate is exact in integers before the single rounding.
 * - Late fees: the exact sum over days of unpaid principal × daily rate, rounded half up
 *   to the fen once per bill (not per day), so splitting a period never changes the fee.
 * - Interest: each of the two terms of the 劳办发〔1997〕116号 formula rounded half up
 *   to the fen once per account and year.
 * All intermediate products use BigInt where they could pass 2^53.
 */

/** a × b / d rounded half up (a, b, d ≥ 0 integers). */
export function mulDivHalfUp(a: number | bigint, b: number | bigint, d: number | bigint): number {
  const num = BigInt(a) * BigInt(b);
  const den = BigInt(d);
  if (num < 0n) return -mulDivHalfUp(-num, 1n, den);
  return Number((num * 2n + den) / (den * 2n));
}

/** One contribution line: base × basis points, rounded half up to the fen. */
export function lineAmountFen(baseFen: number, basisPoints: number): number {
  return mulDivHalfUp(baseFen, basisPoints, 10_000);
}

export interface BaseLimits {
  floorFen: number;
  ceilingFen: number;
}

/**
 * The year's base limits from the average monthly wage: 60 % and 300 % by default
 * (shares in basis points), each rounded half up to the fen.
 */
export function baseLimits(averageMonthlyFen: number, floorBp: number, ceilingBp: number): BaseLimits {
  return { floorFen: mulDivHalfUp(averageMonthlyFen, floorBp, 10_000), ceilingFen: mulDivHalfUp(averageMonthlyFen, ceilingBp, 10_000) };
}

/** The contribution base: the declared wage clamped into [floor, ceiling]. */
export function clampBase(wageFen: number, limits: BaseLimits): number {
  return Math.min(limits.ceilingFen, Math.max(limits.floorFen, wageFen));
}

// ---- dates and months ----

const DAY_MS = 86_400_000;

export function dayNumber(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${date}`);
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

export function dateOfDay(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (to − from; negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

export function isMonth(s: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(s);
}

export function monthIndex(m: string): number {
  return Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
}

export function monthOf(index: number): string {
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function addMonths(m: string, n: number): string {
  return monthOf(monthIndex(m) + n);
}

/** Months from a to b inclusive (0 when b < a). */
export function monthsInclusive(a: string, b: string): number {
  return Math.max(0, monthIndex(b) - monthIndex(a) + 1);
}

export function lastDayOfMonth(m: string): string {
  const y = Number(m.slice(0, 4));
  const mo = Number(m.slice(5, 7));
  return dateOfDay(Date.UTC(y, mo, 0) / DAY_MS);
}

/**
 * Contributions are paid monthly (按月缴纳, 《社会保险费征缴暂行条例》第十条): a month's
 * bill is due on the month's last day; the late fee runs from the day after.
 */
export function dueDateOf(month: string): string {
  return lastDayOfMonth(month);
}

// ---- late fees (滞纳金) ----

/** A daily rate as parts per million: 0.05 % per day = 500 ppm. */
export function ratePpm(rate: number): number {
  return Math.round(rate * 1_000_000);
}

/**
 * Late fee accrued up to and including `asOf` on a bill of `principalFen` due on
 * `dueDate`, with principal payments on the given days: every day from the day after
 * the due date counts, at the principal still unpaid at the end of the previous day
 * (a payment on a day stops the fee on its amount from that day on: the day of payment
 * itself is counted for what was unpaid before it, as 自滞纳之日起 … 按日加收 reads).
 * Exact by day over month ends and leap years (calendar days, UTC), rounded half up
 * to the fen once for the bill (《社会保险法》第八十六条: 0.05 % per day).
 */
export function accruedLateFeeFen(principalFen: number, dueDate: string, principalPayments: { date: string; fen: number }[], asOf: string, dailyPpm: number): number {
  const start = dayNumber(dueDate) + 1;
  const end = dayNumber(asOf);
  if (end < start) return 0;
  const pays = principalPayments.map((p) => ({ day: dayNumber(p.date), fen: p.fen })).sort((a, b) => a.day - b.day);
  let unpaid = principalFen;
  for (const p of pays) if (p.day < start) unpaid -= p.fen;
  // Σ unpaid × days, segment by segment: [cursor, payment day] counts the day of payment.
  let fenDays = 0n;
  let cursor = start;
  for (const p of pays) {
    if (p.day < start) continue;
    if (p.day > end) break;
    if (unpaid > 0) fenDays += BigInt(unpaid) * BigInt(p.day - cursor + 1);
    unpaid -= p.fen;
    cursor = p.day + 1;
  }
  if (unpaid > 0 && end >= cursor) fenDays += BigInt(unpaid) * BigInt(end - cursor + 1);
  return mulDivHalfUp(fenDays, dailyPpm, 1_000_000);
}

// ---- personal account interest (个人账户记账利息) ----

/**
 * One year's interest of a personal pension account by the annual method of
 * 《职工基本养老保险个人账户管理暂行办法》(劳办发〔1997〕116号):
 *   历年累计储存额利息 = 上年末累计储存额 × 本年记账利率
 *   当年记账额利息   = 当年记账额 × 本年记账利率 × 1.083 × 1/2
 * (1.083 × ½ is the average time money credited month by month earns in its year).
 * Each term is rounded half up to the fen. The rate is in parts per million.
 */
export function yearInterestFen(openingFen: number, creditedThisYearFen: number, ratePpmValue: number): { openingInterestFen: number; currentInterestFen: number; totalFen: number } {
  const openingInterestFen = mulDivHalfUp(openingFen, ratePpmValue, 1_000_000);
  // × 1.083 × ½ = × 1083 / 2000
  const currentInterestFen = mulDivHalfUp(BigInt(creditedThisYearFen) * BigInt(ratePpmValue), 1083n, 2_000n * 1_000_000n);
  return { openingInterestFen, currentInterestFen, totalFen: openingInterestFen + currentInterestFen };
}

/** Money as yuan text with two decimals ('1234.50'), for files and documents. */
export function yuan(fen: number): string {
  const neg = fen < 0;
  const a = Math.abs(fen);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Parses yuan text ('1234.5', '1,234.50') to fen exactly; null when malformed. */
export function parseYuan(text: string): number | null {
  const t = text.replace(/[,，\s]/g, '');
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
