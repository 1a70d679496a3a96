import type { Db } from '../../db/connect.js';
import type { CalendarYear } from './catalog.js';
import { dateFromDayNumber, dayNumber, isDate } from './months.js';
import type { Citation } from './types.js';
import { WorkingCalendar, type DayKind } from './working-days.js';

/** The longest range one request may list: a leap year. */
export const MAX_CALENDAR_DAYS = 366;

export interface CalendarDay {
  date: string;
  kind: DayKind;
  working: boolean;
  /** The holiday, or the holiday a make-up working day (调休上班) is worked for. */
  name: { zh: string; en: string } | null;
  /** False when the year has no published calendar: Monday–Friday are assumed. */
  fromCalendar: boolean;
}

/** One year's published notice as loaded: its content hash is the version the days come from. */
export interface PublishedCalendar {
  year: number;
  version: string;
  loadedAt: string;
  citation: Citation;
}

export class CalendarRangeError extends Error {
  constructor(
    readonly field: 'from' | 'to' | 'year',
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * Every day from `from` to `to` (both included) with its kind under the published calendars,
 * and the calendar versions and citations it was read from. The days are classified by the
 * same WorkingCalendar that counts time limits, so the grid and the due dates cannot disagree.
 */
export async function calendarDays(db: Db, from: string, to: string): Promise<{ from: string; to: string; calendars: PublishedCalendar[]; assumedWeekdaysFor: number[]; days: CalendarDay[] }> {
  if (!isDate(from)) throw new CalendarRangeError('from', `not a calendar date: ${from}`);
  if (!isDate(to)) throw new CalendarRangeError('to', `not a calendar date: ${to}`);
  const first = dayNumber(from);
  const last = dayNumber(to);
  if (last < first) throw new CalendarRangeError('to', 'ends before it starts');
  if (last - first + 1 > MAX_CALENDAR_DAYS) throw new CalendarRangeError('to', `at most ${MAX_CALENDAR_DAYS} days at a time`);

  const rows = await db
    .selectFrom('working_calendars')
    .select(['year', 'calendar', 'content_hash', 'loaded_at'])
    .where('year', '>=', Number(from.slice(0, 4)))
    .where('year', '<=', Number(to.slice(0, 4)))
    .orderBy('year')
    .execute();
  const years = rows.map((r) => r.calendar as CalendarYear);
  const calendar = new WorkingCalendar(years);

  // The notices name a make-up day's holiday in Chinese only; the holiday list has both languages.
  const names = new Map<string, { zh: string; en: string }>();
  for (const y of years) {
    const byZh = new Map(y.holidays.map((h) => [h.name.zh, h.name]));
    for (const h of y.holidays) for (let d = dayNumber(h.from); d <= dayNumber(h.to); d++) names.set(dateFromDayNumber(d), h.name);
    for (const m of y.makeUpWorkingDays) names.set(m.date, byZh.get(m.for) ?? { zh: m.for, en: m.for });
  }

  const days: CalendarDay[] = [];
  const assumed = new Set<number>();
  for (let d = first; d <= last; d++) {
    const info = calendar.info(dateFromDayNumber(d));
    if (!info.fromCalendar) assumed.add(Number(info.date.slice(0, 4)));
    const named = info.kind === 'holiday' || info.kind === 'make-up-working-day';
    days.push({ date: info.date, kind: info.kind, working: info.working, name: named ? (names.get(info.date) ?? null) : null, fromCalendar: info.fromCalendar });
  }
  return {
    from,
    to,
    calendars: rows.map((r) => ({ year: r.year, version: r.content_hash, loadedAt: new Date(r.loaded_at).toISOString(), citation: (r.calendar as CalendarYear).citation })),
    assumedWeekdaysFor: [...assumed].sort(),
    days,
  };
}
