import type { CalendarYear } from './catalog.js';
import { dayNumber, dateFromDayNumber, weekday, isDate } from './months.js';

export type DayKind = 'weekday' | 'weekend' | 'holiday' | 'make-up-working-day';

export interface DayInfo {
  date: string;
  working: boolean;
  kind: DayKind;
  /** The holiday's name, or the holiday a make-up working day belongs to. */
  name?: string;
  /** False when the year has no published calendar here: Monday–Friday were assumed. */
  fromCalendar: boolean;
}

/**
 * Working days under the State Council's holiday notices: public holidays are not working
 * days, make-up days (调休上班, often a Saturday or Sunday) are. A year without a loaded
 * calendar falls back to Monday–Friday, and every answer says whether it did.
 */
export class WorkingCalendar {
  private readonly holidays = new Map<string, string>();
  private readonly makeUps = new Map<string, string>();
  readonly years: ReadonlySet<number>;

  constructor(readonly calendars: CalendarYear[]) {
    for (const c of calendars) {
      for (const h of c.holidays) {
        for (let d = dayNumber(h.from); d <= dayNumber(h.to); d++) this.holidays.set(dateFromDayNumber(d), h.name.zh);
      }
      for (const m of c.makeUpWorkingDays) this.makeUps.set(m.date, m.for);
    }
    this.years = new Set(calendars.map((c) => c.year));
  }

  info(date: string): DayInfo {
    if (!isDate(date)) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
    const fromCalendar = this.years.has(Number(date.slice(0, 4)));
    if (fromCalendar) {
      const holiday = this.holidays.get(date);
      if (holiday !== undefined) return { date, working: false, kind: 'holiday', name: holiday, fromCalendar };
      const makeUp = this.makeUps.get(date);
      if (makeUp !== undefined) return { date, working: true, kind: 'make-up-working-day', name: makeUp, fromCalendar };
    }
    const wd = weekday(date);
    const weekend = wd === 0 || wd === 6;
    return { date, working: !weekend, kind: weekend ? 'weekend' : 'weekday', fromCalendar };
  }

  isWorkingDay(date: string): boolean {
    return this.info(date).working;
  }

  /**
   * The due date `days` working days after `from`; `from` itself is not counted (a case
   * received on 4/30 with 3 working days is due on the third working day after it).
   * 0 days → `from`. Also returns the years for which Monday–Friday had to be assumed.
   */
  addWorkingDays(from: string, days: number): { due: string; assumedWeekdaysFor: number[] } {
    if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a non-negative integer, got ${days}`);
    if (days > 3660) throw new RangeError('days must be at most 3660');
    let d = dayNumber(from);
    const assumed = new Set<number>();
    let left = days;
    while (left > 0) {
      d++;
      const info = this.info(dateFromDayNumber(d));
      if (!info.fromCalendar) assumed.add(Number(info.date.slice(0, 4)));
      if (info.working) left--;
    }
    return { due: dateFromDayNumber(d), assumedWeekdaysFor: [...assumed].sort() };
  }

  /**
   * Working days after `a` up to and including `b` (so addWorkingDays(a, n) is n days away);
   * negative when `b` is before `a` (an overdue time limit), 0 on the same day.
   */
  workingDaysBetween(a: string, b: string): number {
    const da = dayNumber(a);
    const db = dayNumber(b);
    if (Math.abs(db - da) > 40_000) throw new RangeError('the dates are too far apart');
    const [lo, hi, sign] = da <= db ? [da, db, 1] : [db, da, -1];
    let n = 0;
    for (let d = lo + 1; d <= hi; d++) if (this.info(dateFromDayNumber(d)).working) n++;
    return n * sign;
  }
}
