import type { InsuranceType, InsuredStatusValue } from '../rights/schema.js';
import type { Employer } from './employers.js';
import {
  AS_OF_MONTH,
  AVERAGE_WAGE_FEN,
  BASE_CEILING,
  BASE_FLOOR,
  contributionFen,
  monthIndex,
  monthOf,
  RATES,
  WINDOW_START,
} from './params.js';
import type { Rng } from './random.js';

/**
 * A person's working life as the rights record sees it: insured status per insurance
 * type, and monthly contribution entries for the last ENTRY_MONTHS months (older
 * history is summarised in prior_months, as a migration from a legacy system would).
 */

export type Occupation = 'child' | 'student' | 'employed' | 'flexible' | 'unemployed' | 'rural' | 'retired' | 'none';

export interface StatusRow {
  insurance_type: InsuranceType;
  status: InsuredStatusValue;
  since: string;
  prior_months: number;
}

export interface EntryRow {
  insurance_type: InsuranceType;
  month: string;
  org_id: string | null;
  base_fen: number;
  employer_fen: number;
  employee_fen: number;
  paid: boolean;
}

export interface Career {
  occupation: Occupation;
  statuses: StatusRow[];
  entries: EntryRow[];
}

const EMPLOYEE_TYPES = ['pension_employee', 'unemployment', 'work_injury', 'medical_employee'] as const;

function firstDay(month: number): string {
  return `${monthOf(month)}-01`;
}

/**
 * Month in which a person reaches statutory retirement age, with the gradual rise in
 * force since 2025-01-01: men 60 (+1 month per 4 months born from 1965), women cadres
 * 55 (+1 per 4 months from 1970), women workers 50 (+1 per 2 months from 1975).
 */
export function retirementMonth(birthDate: string, sex: 'M' | 'F', cadre: boolean): number {
  const born = monthIndex(birthDate);
  const [age, from, every, cap] = sex === 'M' ? [60, 1965, 4, 36] : cadre ? [55, 1970, 4, 36] : [50, 1975, 2, 60];
  const since = born - from * 12;
  const delay = since < 0 ? 0 : Math.min(cap, Math.floor(since / every) + 1);
  return born + age * 12 + delay;
}

/** Contribution base for a year: the person's wage level against the average, clamped to 60 %–300 %. */
export function baseFor(year: number, level: number): number {
  const avg = AVERAGE_WAGE_FEN[year] ?? AVERAGE_WAGE_FEN[2026]!;
  const clamped = Math.min(BASE_CEILING, Math.max(BASE_FLOOR, level));
  // Declared in whole yuan; the floor and ceiling themselves are whole yuan too.
  return Math.round((avg * clamped) / 100) * 100;
}

function wageLevel(rng: Rng): number {
  // Many small employers declare the minimum base.
  if (rng.chance(0.35)) return BASE_FLOOR;
  return Math.exp(-0.05 + 0.4 * rng.normal());
}

export interface CareerInput {
  birthDate: string;
  sex: 'M' | 'F';
  age: number;
  rng: Rng;
  /** Picks an employer (usually one near home). */
  pickEmployer: () => Employer;
}

export function employeeEntries(months: [number, number], level: number, current: Employer, previous: Employer | null, joinMonth: number): EntryRow[] {
  const out: EntryRow[] = [];
  for (let m = months[0]; m <= months[1]; m++) {
    const org = m >= joinMonth || !previous ? current : previous;
    const base = baseFor(Math.floor(m / 12), level);
    // An employer in arrears has not paid its latest months.
    const paid = !(org === current && org.arrearsMonths > 0 && m > AS_OF_MONTH - 1 - org.arrearsMonths);
    for (const type of EMPLOYEE_TYPES) {
      const rate = type === 'work_injury' ? { employer: org.workInjuryBp, employee: 0 } : RATES[type];
      out.push({
        insurance_type: type,
        month: monthOf(m),
        org_id: org.orgId,
        base_fen: base,
        employer_fen: contributionFen(base, rate.employer),
        employee_fen: contributionFen(base, rate.employee),
        paid,
      });
    }
  }
  return out;
}

/** Months contributed before `until` since `start`, with some gaps (job changes, missed years). */
function priorMonths(rng: Rng, start: number, until: number): number {
  if (until <= start) return 0;
  return Math.round((until - start) * (0.78 + 0.22 * rng.next()));
}

export function careerFor(p: CareerInput): Career {
  const { rng, age } = p;
  const none: Career = { occupation: 'none', statuses: [], entries: [] };
  if (age < 16) return { ...none, occupation: 'child' };
  const cadre = p.sex === 'F' && rng.chance(0.35);
  const retireAt = retirementMonth(p.birthDate, p.sex, cadre);
  const born = monthIndex(p.birthDate);
  const lastMonth = AS_OF_MONTH - 1;

  if (retireAt <= lastMonth) {
    const r = rng.next();
    if (r < 0.7) {
      const working = retireAt - (born + 18 * 12);
      const prior = Math.min(working, rng.int(180, 480));
      return { occupation: 'retired', statuses: [{ insurance_type: 'pension_employee', status: 'retired', since: firstDay(retireAt), prior_months: prior }], entries: [] };
    }
    if (r < 0.95) {
      // Rural and non-working residents draw the residents' pension from 60.
      return { occupation: 'retired', statuses: [{ insurance_type: 'pension_resident', status: 'retired', since: firstDay(Math.max(born + 60 * 12, monthIndex('2009-10'))), prior_months: 0 }], entries: [] };
    }
    return none;
  }

  const studentChance = age < 18 ? 0.95 : age <= 22 ? 0.6 : 0;
  if (rng.chance(studentChance)) return { ...none, occupation: 'student' };
  if (age < 18) return none;

  const careerStart = Math.min(lastMonth, born + rng.int(18, 24) * 12 + rng.int(0, 11));
  const r = rng.next();
  if (r < 0.64) {
    const current = p.pickEmployer();
    const changed = rng.chance(0.15);
    const previous = changed ? p.pickEmployer() : null;
    const joinMonth = changed ? rng.int(Math.max(careerStart, WINDOW_START + 1), lastMonth) : careerStart;
    const first = Math.max(WINDOW_START, careerStart);
    const level = wageLevel(rng);
    const prior = priorMonths(rng, careerStart, first);
    return {
      occupation: 'employed',
      statuses: EMPLOYEE_TYPES.map((t) => ({ insurance_type: t, status: 'active', since: firstDay(careerStart), prior_months: t === 'work_injury' ? 0 : prior })),
      entries: employeeEntries([first, lastMonth], level, current, previous, joinMonth),
    };
  }
  if (r < 0.74) {
    // Flexible workers and the self-employed insure themselves for the pension only.
    const start = Math.min(lastMonth, careerStart + rng.int(0, 120));
    const first = Math.max(WINDOW_START, start);
    const level = rng.pick([0.6, 0.6, 0.8, 1.0]);
    const missing = rng.chance(0.12) ? rng.int(1, 4) : 0;
    const entries: EntryRow[] = [];
    for (let m = first; m <= lastMonth; m++) {
      const base = baseFor(Math.floor(m / 12), level);
      entries.push({
        insurance_type: 'pension_employee',
        month: monthOf(m),
        org_id: null,
        base_fen: base,
        employer_fen: contributionFen(base, RATES.pension_flexible.employer),
        employee_fen: contributionFen(base, RATES.pension_flexible.employee),
        paid: m <= lastMonth - missing,
      });
    }
    return { occupation: 'flexible', statuses: [{ insurance_type: 'pension_employee', status: 'active', since: firstDay(start), prior_months: priorMonths(rng, start, first) }], entries };
  }
  if (r < 0.8) {
    // Lost their job: contributions stop, the statuses are 'stopped'.
    const stop = lastMonth - rng.int(1, 36);
    const earliest = born + 16 * 12;
    if (stop - 6 < earliest) return none;
    const start = Math.max(earliest, Math.min(careerStart, stop - rng.int(6, 60)));
    const first = Math.max(WINDOW_START, start);
    const level = wageLevel(rng);
    const employer = p.pickEmployer();
    return {
      occupation: 'unemployed',
      statuses: EMPLOYEE_TYPES.map((t) => ({ insurance_type: t, status: 'stopped', since: firstDay(stop + 1), prior_months: t === 'work_injury' ? 0 : priorMonths(rng, start, first) })),
      entries: first <= stop ? employeeEntries([first, stop], level, { ...employer, arrearsMonths: 0 }, null, first) : [],
    };
  }
  if (r < 0.94) {
    return { occupation: 'rural', statuses: [{ insurance_type: 'pension_resident', status: 'active', since: firstDay(Math.max(careerStart, monthIndex('2009-10'))), prior_months: 0 }], entries: [] };
  }
  return none;
}
