import type { Db } from '../../db/connect.js';
import { policyState } from './store.js';
import type { DayInfo } from './working-days.js';

export { WorkingCalendar, type DayInfo, type DayKind } from './working-days.js';

/**
 * Working days (工作日) from the calendars in catalog/calendars (State Council holiday notices,
 * synced into the database). Years without a calendar fall back to Monday–Friday; `dayInfo`
 * and `dueDate` say when they did.
 */
export async function isWorkingDay(db: Db, date: string): Promise<boolean> {
  return (await policyState(db)).calendar.isWorkingDay(date);
}

export async function dayInfo(db: Db, date: string): Promise<DayInfo> {
  return (await policyState(db)).calendar.info(date);
}

/** The date `days` working days after `from` (`from` itself not counted). */
export async function addWorkingDays(db: Db, from: string, days: number): Promise<string> {
  return (await policyState(db)).calendar.addWorkingDays(from, days).due;
}

/** Like addWorkingDays, also naming the years for which Monday–Friday had to be assumed. */
export async function dueDate(db: Db, from: string, days: number): Promise<{ due: string; assumedWeekdaysFor: number[] }> {
  return (await policyState(db)).calendar.addWorkingDays(from, days);
}

/** Working days after `a` up to and including `b`; negative when `b` is before `a`. */
export async function workingDaysBetween(db: Db, a: string, b: string): Promise<number> {
  return (await policyState(db)).calendar.workingDaysBetween(a, b);
}
