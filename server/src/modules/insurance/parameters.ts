import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { AppError } from '../../http/errors.js';
import type { Db } from '../../db/connect.js';
import type { ParameterVersion } from '../policy/types.js';
import { parameterAsOf, ParameterNotFoundError } from '../policy/parameters.js';
import { baseLimits, type BaseLimits } from './money.js';

/**
 * The dated parameters the contributory core reads (rates, base limits, average
 * wage, crediting rate, late-fee rate, pooled-fund share, yearly adjustments). They
 * belong to the policy module (`parameterAsOf`, synced from catalog/parameters/*.yaml);
 * when its tables do not know a key (a database never synced), the same reviewed YAML
 * is read here directly, so the values and their citations have one source either way. Every calculation records the
 * versionIds it used.
 */

interface YamlVersion {
  effectiveFrom: string;
  value: unknown;
  scope?: string;
  citation: ParameterVersion['citation'];
}
interface YamlParameter {
  key: string;
  unit: string;
  scope: ParameterVersion['scope'];
  versions: YamlVersion[];
}

let catalog: Map<string, ParameterVersion[]> | undefined;
function fromCatalogDir(dir = process.env.CATALOG_DIR ?? DEFAULT_CATALOG_DIR): Map<string, ParameterVersion[]> {
  if (catalog) return catalog;
  const out = new Map<string, ParameterVersion[]>();
  const folder = path.join(dir, 'parameters');
  for (const file of fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort() : []) {
    const doc = YAML.parse(fs.readFileSync(path.join(folder, file), 'utf8')) as { parameters?: YamlParameter[] };
    for (const p of doc.parameters ?? []) {
      const versions = [...p.versions].map((v) => ({ ...v, effectiveFrom: String(v.effectiveFrom) })).sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
      out.set(
        p.key,
        versions.map((v, i) => ({
          key: p.key,
          versionId: `${p.key}@${v.effectiveFrom}`,
          effectiveFrom: v.effectiveFrom,
          effectiveTo: versions[i + 1]?.effectiveFrom ?? null,
          value: v.value,
          unit: p.unit,
          scope: (v.scope as ParameterVersion['scope'] | undefined) ?? p.scope,
          citation: v.citation,
        })),
      );
    }
  }
  catalog = out;
  return out;
}

/** The version of `key` in force on `date` (YYYY-MM-DD). */
export async function parameterAt<T>(db: Db, key: string, date: string): Promise<ParameterVersion<T>> {
  try {
    return await parameterAsOf<T>(db, key, date);
  } catch (e) {
    // A database whose catalogue was never synced (a bare benchmark database): read the
    // same reviewed YAML directly. Any other failure is real and propagates.
    if (!(e instanceof ParameterNotFoundError)) throw e;
  }
  const versions = fromCatalogDir().get(key);
  const v = versions?.filter((x) => x.effectiveFrom <= date).at(-1);
  if (!v) throw new AppError('PARAMETER_NOT_IN_FORCE', { detail: `${key} has no version in force on ${date}` });
  return v as ParameterVersion<T>;
}

export interface ParameterRef {
  key: string;
  versionId: string;
}

/** Collects the versions a calculation read, for its record. */
export class ParameterUses {
  private readonly seen = new Map<string, ParameterRef>();
  add(v: ParameterVersion): void {
    this.seen.set(v.versionId, { key: v.key, versionId: v.versionId });
  }
  list(): ParameterRef[] {
    return [...this.seen.values()].sort((a, b) => a.versionId.localeCompare(b.versionId));
  }
}

export interface PartyRates {
  employerBp: number;
  employeeBp: number;
}

export interface ContributionRates {
  pension_employee: PartyRates;
  unemployment: PartyRates;
  medical_employee: PartyRates;
  /** Work injury, employer only, by risk class 1–8 (index 0 = class 1). */
  workInjuryByClass: number[];
  /** Flexible employment: the whole rate paid by the person, accountBp of it to the personal account. */
  flexible: { totalBp: number; accountBp: number };
}

function bp(v: unknown, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be whole basis points, got ${String(v)}`);
  return n;
}

async function use<T>(db: Db, uses: ParameterUses | undefined, key: string, date: string): Promise<T> {
  const v = await parameterAt<T>(db, key, date);
  uses?.add(v);
  return v.value;
}

export async function contributionRates(db: Db, date: string, uses?: ParameterUses): Promise<ContributionRates> {
  const v = await use<Record<string, Record<string, unknown>>>(db, uses, 'contribution.rates', date);
  const party = (t: string): PartyRates => ({ employerBp: bp(v[t]?.employerBp, `${t}.employerBp`), employeeBp: bp(v[t]?.employeeBp, `${t}.employeeBp`) });
  const byClass = v.work_injury?.employerBpByClass;
  if (!Array.isArray(byClass) || byClass.length !== 8) throw new Error('contribution.rates.work_injury.employerBpByClass must list 8 risk classes');
  return {
    pension_employee: party('pension_employee'),
    unemployment: party('unemployment'),
    medical_employee: party('medical_employee'),
    workInjuryByClass: byClass.map((x, i) => bp(x, `work_injury class ${i + 1}`)),
    flexible: { totalBp: bp(v.pension_flexible?.totalBp, 'pension_flexible.totalBp'), accountBp: bp(v.pension_flexible?.accountBp, 'pension_flexible.accountBp') },
  };
}

/** Base limits in force on `date`: shares of the average monthly wage in force then. */
export async function baseLimitsAt(db: Db, date: string, uses?: ParameterUses): Promise<BaseLimits & { averageFen: number }> {
  const shares = await use<{ floorShare: number; ceilingShare: number }>(db, uses, 'contribution.base_limits', date);
  const averageFen = await averageWageFen(db, date, uses);
  return { ...baseLimits(averageFen, Math.round(shares.floorShare * 10_000), Math.round(shares.ceilingShare * 10_000)), averageFen };
}

export async function averageWageFen(db: Db, date: string, uses?: ParameterUses): Promise<number> {
  return bp(await use<number>(db, uses, 'wage.average_monthly', date), 'wage.average_monthly');
}

/** The crediting rate (记账利率) for an account year, in parts per million (basis points × 100). */
export async function creditingRatePpm(db: Db, year: number, uses?: ParameterUses): Promise<number> {
  return bp(await use<number>(db, uses, 'pension.crediting_rate', `${year}-01-01`), 'pension.crediting_rate') * 100;
}

export async function lateFeePpm(db: Db, date: string, uses?: ParameterUses): Promise<number> {
  return bp(await use<number>(db, uses, 'contribution.late_fee_daily_rate', date), 'contribution.late_fee_daily_rate');
}

export async function pooledFundShareBp(db: Db, date: string, uses?: ParameterUses): Promise<number> {
  return bp(await use<number>(db, uses, 'transfer.pooled_fund_share', date), 'transfer.pooled_fund_share');
}

export async function yearlyAdjustment(db: Db, year: number): Promise<{ fixedFen: number; percentBp: number; version: ParameterVersion } | null> {
  try {
    const v = await parameterAt<{ fixedFen: number; percentBp: number }>(db, 'pension.yearly_adjustment', `${year}-01-01`);
    if (!v.effectiveFrom.startsWith(String(year))) return null; // no adjustment published for this year
    return { fixedFen: bp(v.value.fixedFen, 'fixedFen'), percentBp: bp(v.value.percentBp, 'percentBp'), version: v };
  } catch {
    return null;
  }
}
