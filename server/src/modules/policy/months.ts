/**
 * Calendar arithmetic on 'YYYY-MM' months and 'YYYY-MM-DD' days, in UTC so that no time zone
 * shifts a date. Pure; shared by the retirement, calendar and rules code.
 */
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isMonth(value: unknown): value is string {
  return typeof value === 'string' && MONTH_RE.test(value);
}

/** A real calendar day (rejects 2025-02-30). */
export function isDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Months since year 0: 'YYYY-MM' → integer, so differences are plain subtraction. */
export function monthIndex(month: string): number {
  const m = MONTH_RE.exec(month);
  if (!m) throw new Error(`not a month (YYYY-MM): ${month}`);
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

export function monthFromIndex(index: number): string {
  const y = Math.floor(index / 12);
  const mo = index - y * 12 + 1;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}`;
}

export function addMonths(month: string, n: number): string {
  return monthFromIndex(monthIndex(month) + n);
}

export function monthOf(date: string): string {
  return date.slice(0, 7);
}

const DAY_MS = 86_400_000;

export function dayNumber(date: string): number {
  if (!isDate(date)) throw new Error(`not a date (YYYY-MM-DD): ${date}`);
  return Math.round(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS);
}

export function dateFromDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return dateFromDayNumber(dayNumber(date) + n);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: string): number {
  return new Date(dayNumber(date) * DAY_MS).getUTCDay();
}

/** Today in China (UTC+8), which is the day that counts for a bureau. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
