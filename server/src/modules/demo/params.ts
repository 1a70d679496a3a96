/**
 * Parameters of the demo city's rights record. They are demo values of the right
 * size (Shandong 2024–2026 order of magnitude), not an official table: the real,
 * dated policy parameters belong to the contributory core.
 */

/** The day the demo city describes. Fixed, so the same seed gives the same data on any day. */
export const DEMO_AS_OF = '2026-11-01';

/** Contribution entries are written for this many months before DEMO_AS_OF (keeps the data small). */
export const ENTRY_MONTHS = 24;

/** Average monthly wage used for contribution bases, by calendar year, in fen. */
// The same values as catalog/parameters/wages.yaml (wage.average_monthly), so the history
// agrees with what the contributory core assesses from the demo day on.
export const AVERAGE_WAGE_FEN: Record<number, number> = { 2024: 705_000, 2025: 728_000, 2026: 750_000 };

/** Bases lie within 60 %–300 % of the average wage. */
export const BASE_FLOOR = 0.6;
export const BASE_CEILING = 3.0;

/** Rates in basis points (1/10,000) of the base. */
export const RATES = {
  pension_employee: { employer: 1600, employee: 800 },
  unemployment: { employer: 70, employee: 30 },
  medical_employee: { employer: 700, employee: 200 },
  /** Flexible workers pay 20 % alone: 12 % to the pooled fund, 8 % to their personal account. */
  pension_flexible: { employer: 1200, employee: 800 },
} as const;

/** Work-injury rates (employer only) of risk classes 1–6 (contribution.rates, 人社部发〔2015〕71号). */
export const WORK_INJURY_BP = [20, 40, 70, 90, 110, 130] as const;

/** Amount in fen for a base and a rate, rounded half up. */
export function contributionFen(baseFen: number, basisPoints: number): number {
  return Math.floor((baseFen * basisPoints + 5000) / 10000);
}

/** 'YYYY-MM' months from `first` (inclusive), `count` of them. */
export function monthsFrom(first: string, count: number): string[] {
  const out: string[] = [];
  let y = Number(first.slice(0, 4));
  let m = Number(first.slice(5, 7));
  for (let i = 0; i < count; i++) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

/** Month index (years × 12 + month − 1) of a 'YYYY-MM' or 'YYYY-MM-DD' string. */
export function monthIndex(s: string): number {
  return Number(s.slice(0, 4)) * 12 + Number(s.slice(5, 7)) - 1;
}

export function monthOf(index: number): string {
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export const AS_OF_MONTH = monthIndex(DEMO_AS_OF);
/** The first month with entries. */
export const WINDOW_START = AS_OF_MONTH - ENTRY_MONTHS;
