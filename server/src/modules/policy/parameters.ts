import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { sm3Hex } from '../../lib/hash.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { loadCalendarCatalog, loadParameterCatalog } from './catalog.js';
import { ParameterNotFoundError, type ParameterSnapshot } from './snapshot.js';
import { invalidatePolicyState, policyState, recordOf } from './store.js';
import type { Citation, ParameterDefinition, ParameterScope, ParameterVersion, ParameterVersionRecord } from './types.js';
import { valueProblems } from './values.js';
import { isDate, todayInChina } from './months.js';

export { ParameterNotFoundError } from './snapshot.js';

// Serialises catalogue syncs across replicas starting at the same time.
const SYNC_LOCK_KEY = 774_412;

function contentHash(v: { value: unknown; unit: string; scope: string; citation: Citation }): string {
  return sm3Hex(canonicalJson({ value: v.value, unit: v.unit, scope: v.scope, citation: v.citation }));
}

export interface SyncSummary {
  /** Versions added (new parameters, new dates, or changed values as new versions). */
  inserted: { key: string; effectiveFrom: string; versionId: string }[];
  unchanged: number;
  calendarsLoaded: number[];
}

/**
 * Loads catalog/parameters and catalog/calendars into the database. Idempotent: an unchanged
 * catalogue changes nothing. A version whose value (or unit, scope, citation) differs from
 * the last one synced for that key and date is added as a new version that supersedes it;
 * nothing is overwritten, so decisions keep pointing at what they used. A malformed file
 * throws (CatalogFileError: file, path, reason) before anything is written.
 */
export async function syncParameterCatalog(db: Db, catalogDir: string, actor: Actor = SYSTEM_ACTOR): Promise<SyncSummary> {
  const params = loadParameterCatalog(catalogDir);
  const calendars = loadCalendarCatalog(catalogDir);
  const summary = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SYNC_LOCK_KEY})`.execute(trx);
    const out: SyncSummary = { inserted: [], unchanged: 0, calendarsLoaded: [] };
    const defs = new Map((await trx.selectFrom('parameter_definitions').select(['key', 'content_hash']).execute()).map((d) => [d.key, d.content_hash]));
    // The last YAML-sourced version per (key, date): what "unchanged" is compared with.
    const lastYaml = new Map<string, string>();
    const rows = await trx.selectFrom('parameter_versions').select(['key', 'effective_from', 'content_hash']).where('source', '=', 'yaml').where('status', '=', 'published').orderBy('published_at').orderBy('version_id').execute();
    for (const r of rows) lastYaml.set(`${r.key}|${r.effective_from}`, r.content_hash);
    const relFile = (f: string) => f.slice(catalogDir.length + 1) || f;
    const now = new Date();
    const inserts = [];
    for (const p of params) {
      const def = { key: p.key, name_zh: p.name.zh, name_en: p.name.en, unit: p.unit, scope: p.scope, description: p.description ?? null, source_file: relFile(p.file) };
      const defHash = sm3Hex(canonicalJson(def));
      if (defs.get(p.key) !== defHash) {
        await trx
          .insertInto('parameter_definitions')
          .values({ ...def, content_hash: defHash })
          .onConflict((oc) => oc.column('key').doUpdateSet({ ...def, content_hash: defHash }))
          .execute();
      }
      for (const v of p.versions) {
        const hash = contentHash({ value: v.value, unit: p.unit, scope: v.scope, citation: v.citation });
        if (lastYaml.get(`${p.key}|${v.effectiveFrom}`) === hash) {
          out.unchanged++;
          continue;
        }
        const versionId = uuid7();
        inserts.push({
          version_id: versionId,
          key: p.key,
          effective_from: v.effectiveFrom,
          value: JSON.stringify(v.value),
          unit: p.unit,
          scope: v.scope,
          citation: JSON.stringify(v.citation),
          status: 'published' as const,
          content_hash: hash,
          reason: `catalog ${relFile(p.file)}`,
          created_by: actor.userId ?? 'system',
          published_by: actor.userId ?? 'system',
          published_at: now,
          source: 'yaml' as const,
        });
        out.inserted.push({ key: p.key, effectiveFrom: v.effectiveFrom, versionId });
      }
    }
    if (inserts.length) {
      await trx.insertInto('parameter_versions').values(inserts).execute();
      for (const i of out.inserted) {
        await recordEvent(trx, { type: 'parameter.published', aggregateType: 'parameter', aggregateId: i.key, payload: { key: i.key, versionId: i.versionId, effectiveFrom: i.effectiveFrom, source: 'yaml' } });
      }
    }
    const existingCals = new Map((await trx.selectFrom('working_calendars').select(['year', 'content_hash']).execute()).map((c) => [c.year, c.content_hash]));
    for (const c of calendars) {
      const hash = sm3Hex(canonicalJson(c));
      if (existingCals.get(c.year) === hash) continue;
      await trx
        .insertInto('working_calendars')
        .values({ year: c.year, calendar: JSON.stringify(c), content_hash: hash, loaded_at: now })
        .onConflict((oc) => oc.column('year').doUpdateSet({ calendar: JSON.stringify(c), content_hash: hash, loaded_at: now }))
        .execute();
      out.calendarsLoaded.push(c.year);
    }
    if (out.inserted.length || out.calendarsLoaded.length) {
      await appendAudit(trx, actor, {
        action: 'parameter.sync',
        objectType: 'parameter_catalog',
        objectId: 'catalog',
        after: { inserted: out.inserted.map((i) => `${i.key}@${i.effectiveFrom}#${i.versionId}`), calendars: out.calendarsLoaded },
      });
    }
    return out;
  });
  invalidatePolicyState(db);
  return summary;
}

/** The snapshot of every published parameter (cached; see store.ts). */
export async function parameterSnapshot(db: Db): Promise<ParameterSnapshot> {
  return (await policyState(db)).params;
}

/** The version of `key` in effect on `date` ('YYYY-MM-DD'). Throws ParameterNotFoundError. */
export async function parameterAsOf<T = unknown>(db: Db, key: string, date: string): Promise<ParameterVersion<T>> {
  return (await policyState(db)).params.asOf<T>(key, date);
}

/** Exactly the version a decision recorded (published, superseded or withdrawn), or undefined. */
export async function parameterVersionById(db: Db, versionId: string): Promise<ParameterVersion | undefined> {
  const cached = (await policyState(db)).params.byId(versionId);
  if (cached) return cached;
  const row = await db.selectFrom('parameter_versions').selectAll().where('version_id', '=', versionId).where('status', '<>', 'draft').executeTakeFirst();
  return row ? { ...recordOf(row), effectiveTo: null } : undefined;
}

/**
 * Every version of a parameter, drafts included, oldest date first: `effectiveTo` is set on
 * the versions in effect; `superseded` marks published versions replaced for their date.
 */
export async function parameterTimeline(db: Db, key: string): Promise<ParameterVersionRecord[]> {
  const rows = await db.selectFrom('parameter_versions').selectAll().where('key', '=', key).orderBy('effective_from').orderBy('created_at').orderBy('version_id').execute();
  if (rows.length === 0) throw new ParameterNotFoundError(key);
  const snapshot = (await policyState(db)).params;
  const inEffect = new Map(snapshot.timeline(key).map((v) => [v.versionId, v]));
  return rows.map((r) => {
    const rec = recordOf(r);
    const active = inEffect.get(rec.versionId);
    return { ...rec, effectiveTo: active?.effectiveTo ?? null, superseded: rec.status === 'published' && !active };
  });
}

export interface ParameterSummary extends ParameterDefinition {
  /** The version in effect on the date asked, or null. */
  current: ParameterVersion | null;
  /** Published versions whose date is still to come. */
  upcoming: ParameterVersion[];
  drafts: number;
}

export async function listParameters(db: Db, asOf: string): Promise<ParameterSummary[]> {
  const snapshot = (await policyState(db)).params;
  const drafts = new Map((await db.selectFrom('parameter_versions').select(['key']).select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'draft').groupBy('key').execute()).map((d) => [d.key, Number(d.n)]));
  return [...snapshot.definitions.values()]
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map((d) => ({
      ...d,
      current: snapshot.tryAsOf(d.key, asOf) ?? null,
      upcoming: snapshot.timeline(d.key).filter((v) => v.effectiveFrom > asOf),
      drafts: drafts.get(d.key) ?? 0,
    }));
}

export class ParameterChangeError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'VALIDATION_FAILED' | 'FOUR_EYES_REQUIRED' | 'CONFLICT',
    message: string,
    readonly errors: { field: string; reason: string }[] = [],
  ) {
    super(message);
    this.name = 'ParameterChangeError';
  }
}

export interface DraftInput {
  value: unknown;
  effectiveFrom: string;
  citation: Citation;
  reason: string;
  /** Defaults to the parameter's scope. */
  scope?: ParameterScope;
}

/**
 * A proposed new value (草稿). Invisible to every evaluation until a second administrator
 * publishes it. Its date may be today or later: a retroactive correction goes through the
 * reviewed YAML catalogue instead, so no one can quietly rewrite what applied yesterday.
 */
export async function createParameterDraft(db: Db, actor: Actor, key: string, input: DraftInput, today = todayInChina()): Promise<ParameterVersionRecord> {
  const def = await db.selectFrom('parameter_definitions').selectAll().where('key', '=', key).executeTakeFirst();
  if (!def) throw new ParameterChangeError('NOT_FOUND', `no such parameter: ${key}`);
  const errors: { field: string; reason: string }[] = [];
  if (!isDate(input.effectiveFrom)) errors.push({ field: '/body/effectiveFrom', reason: 'not a calendar date' });
  else if (input.effectiveFrom < today) errors.push({ field: '/body/effectiveFrom', reason: `must be today (${today}) or later; past values are corrected in the reviewed catalogue` });
  if (input.citation.effectiveFrom !== undefined && !isDate(input.citation.effectiveFrom)) errors.push({ field: '/body/citation/effectiveFrom', reason: 'not a calendar date' });
  for (const p of valueProblems(key, input.value)) errors.push({ field: `/body/value${p.path}`, reason: p.reason });
  if (errors.length) throw new ParameterChangeError('VALIDATION_FAILED', 'invalid draft', errors);
  const scope = input.scope ?? def.scope;
  const versionId = uuid7();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('parameter_versions')
      .values({
        version_id: versionId,
        key,
        effective_from: input.effectiveFrom,
        value: JSON.stringify(input.value),
        unit: def.unit,
        scope,
        citation: JSON.stringify(input.citation),
        status: 'draft',
        content_hash: contentHash({ value: input.value, unit: def.unit, scope, citation: input.citation }),
        reason: input.reason,
        created_by: actor.userId ?? 'system',
        published_by: null,
        published_at: null,
        source: 'api',
      })
      .execute();
    await appendAudit(trx, actor, { action: 'parameter.draft', objectType: 'parameter', objectId: key, after: { versionId, effectiveFrom: input.effectiveFrom, value: input.value, citation: input.citation, reason: input.reason } });
    await recordEvent(trx, { type: 'parameter.drafted', aggregateType: 'parameter', aggregateId: key, payload: { key, versionId, effectiveFrom: input.effectiveFrom } });
  });
  const row = await db.selectFrom('parameter_versions').selectAll().where('version_id', '=', versionId).executeTakeFirstOrThrow();
  return recordOf(row);
}

/**
 * Publishes a draft (四眼原则, four eyes): only an administrator other than the one who drafted
 * it may publish. From its effective date on, evaluations use it; earlier dates and stored
 * decisions are untouched.
 */
export async function publishParameterDraft(db: Db, actor: Actor, key: string, versionId: string, today = todayInChina()): Promise<ParameterVersionRecord> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('parameter_versions').selectAll().where('version_id', '=', versionId).where('key', '=', key).forUpdate().executeTakeFirst();
    if (!row) throw new ParameterChangeError('NOT_FOUND', `no draft ${versionId} of ${key}`);
    if (row.status !== 'draft') throw new ParameterChangeError('CONFLICT', `version ${versionId} is ${row.status}, not a draft`);
    if (row.created_by === actor.userId) throw new ParameterChangeError('FOUR_EYES_REQUIRED', 'the drafter may not publish their own draft');
    if (row.effective_from < today) throw new ParameterChangeError('VALIDATION_FAILED', 'the draft would take effect in the past', [{ field: '/effectiveFrom', reason: `must be today (${today}) or later` }]);
    await trx.updateTable('parameter_versions').set({ status: 'published', published_by: actor.userId ?? 'system', published_at: new Date() }).where('version_id', '=', versionId).execute();
    await appendAudit(trx, actor, { action: 'parameter.publish', objectType: 'parameter', objectId: key, before: { versionId, status: 'draft', drafter: row.created_by }, after: { versionId, status: 'published', effectiveFrom: row.effective_from, value: row.value as Record<string, unknown> } });
    await recordEvent(trx, { type: 'parameter.published', aggregateType: 'parameter', aggregateId: key, payload: { key, versionId, effectiveFrom: row.effective_from, source: 'api' } });
  });
  invalidatePolicyState(db);
  const timeline = await parameterTimeline(db, key);
  return timeline.find((v) => v.versionId === versionId)!;
}
