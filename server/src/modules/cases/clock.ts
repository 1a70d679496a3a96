/**
 * The bureau works in China Standard Time (UTC+8, no daylight saving): "today", due
 * dates and the midnight a task becomes overdue are all counted there, whatever the
 * server's own time zone.
 */
const CST_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The calendar date in China for an instant. */
export function chinaDate(at: Date = new Date()): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** 00:00 China time at the start of a date, as an instant. */
export function chinaMidnight(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - CST_OFFSET_MS);
}

/** The next calendar day ('YYYY-MM-DD'). */
export function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
