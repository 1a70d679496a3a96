import type { ContributionEntryTable, InsuranceType, InsuredStatusValue } from '../rights/schema.js';
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
 *
 * Months are described as spells (one employer, a run of months, a base per year);
 * the loader expands them into entries inside the database, which is far faster than
 * sending ~100 rows per worker. expandSpell is the same expansion in TypeScript.
 */

export type Occupation = 'child' | 'student' | 'employed' | 'flexible' | 'unemployed' | 'rural' | 'retired' | 'none';

export interface StatusRow {
  insurance_type: InsuranceType;
  status: InsuredStatusValue;
  since: string;
  prior_months: number;
}

/** One month of contributions, as the rights record stores it (without the person key). */
export type EntryRow = Omit<ContributionEntryTable, 'person_id' | 'bill_id' | 'source' | 'transfer_out_id'>;

/** A run of contribution months with one employer (or none: a flexible worker). */
export interface Spell {
  orgId: string | null;
  /** Month indexes (see monthIndex), both inclusive. */
  first: number;
  last: number;
  /** Bases of the window's calendar years: [year of WINDOW_START, +1, +2]. */
  bases: [number, number, number];
  workInjuryBp: number;
  /** Flexible worker: pension only, 12 % + 8 % paid by the person. */
  flexible: boolean;
  /** Months from this one on are unpaid (arrears); last + 1 when all are paid. */
  unpaidFrom: number;
}

export interface Career {
  occupation: Occupation;
  statuses: StatusRow[];
  spells: Spell[];
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

const WINDOW_YEAR = Math.floor(WINDOW_START / 12);

function basesFor(level: number): [number, number, number] {
  return [baseFor(WINDOW_YEAR, level), baseFor(WINDOW_YEAR + 1, level), baseFor(WINDOW_YEAR + 2, level)];
}

/** Employee spells from `first` to `last`: the current employer since joinMonth, a previous one before. */
export function employeeSpells(first: number, last: number, level: number, current: Employer, previous: Employer | null, joinMonth: number): Spell[] {
  const bases = basesFor(level);
  const out: Spell[] = [];
  const split = previous ? Math.max(first, joinMonth) : first;
  if (previous && split > first) {
    out.push({ orgId: previous.orgId, first, last: split - 1, bases, workInjuryBp: previous.workInjuryBp, flexible: false, unpaidFrom: split });
  }
  // An employer in arrears has not paid its latest months.
  const unpaidFrom = current.arrearsMonths > 0 ? Math.max(split, AS_OF_MONTH - current.arrearsMonths) : last + 1;
  if (split <= last) out.push({ orgId: current.orgId, first: split, last, bases, workInjuryBp: current.workInjuryBp, flexible: false, unpaidFrom: Math.min(unpaidFrom, last + 1) });
  return out;
}

/** The entries of one spell, as the database expansion writes them. */
export function expandSpell(s: Spell): EntryRow[] {
  const out: EntryRow[] = [];
  for (let m = s.first; m <= s.last; m++) {
    const base = s.bases[Math.min(2, Math.floor(m / 12) - WINDOW_YEAR)]!;
    const rates = s.flexible
      ? [['pension_employee', RATES.pension_flexible] as const]
      : EMPLOYEE_TYPES.map((t) => [t, t === 'work_injury' ? { employer: s.workInjuryBp, employee: 0 } : RATES[t]] as const);
    for (const [type, rate] of rates) {
      out.push({
        insurance_type: type,
        month: monthOf(m),
        org_id: s.orgId,
        base_fen: base,
        employer_fen: contributionFen(base, rate.employer),
        employee_fen: contributionFen(base, rate.employee),
        paid: m < s.unpaidFrom,
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
  const none: Career = { occupation: 'none', statuses: [], spells: [] };
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
      return { occupation: 'retired', statuses: [{ insurance_type: 'pension_employee', status: 'retired', since: firstDay(retireAt), prior_months: prior }], spells: [] };
    }
    if (r < 0.95) {
      // Rural and non-working residents draw the residents' pension from 60.
      return { occupation: 'retired', statuses: [{ insurance_type: 'pension_resident', status: 'retired', since: firstDay(Math.max(born + 60 * 12, monthIndex('2009-10'))), prior_months: 0 }], spells: [] };
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
      spells: employeeSpells(first, lastMonth, level, current, previous, joinMonth),
    };
  }
  if (r < 0.74) {
    // Flexible workers and the self-employed insure themselves for the pension only.
    const start = Math.min(lastMonth, careerStart + rng.int(0, 120));
    const first = Math.max(WINDOW_START, start);
    const level = rng.pick([0.6, 0.6, 0.8, 1.0]);
    const missing = rng.chance(0.12) ? rng.int(1, 4) : 0;
    const spells: Spell[] = [{ orgId: null, first, last: lastMonth, bases: basesFor(level), workInjuryBp: 0, flexible: true, unpaidFrom: Math.max(first, lastMonth + 1 - missing) }];
    return { occupation: 'flexible', statuses: [{ insurance_type: 'pension_employee', status: 'active', since: firstDay(start), prior_months: priorMonths(rng, start, first) }], spells };
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
      spells: first <= stop ? employeeSpells(first, stop, level, { ...employer, arrearsMonths: 0 }, null, first) : [],
    };
  }
  if (r < 0.94) {
    return { occupation: 'rural', statuses: [{ insurance_type: 'pension_resident', status: 'active', since: firstDay(Math.max(careerStart, monthIndex('2009-10'))), prior_months: 0 }], spells: [] };
  }
  return none;
}
