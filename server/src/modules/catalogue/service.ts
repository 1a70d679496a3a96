/**
 * The service catalogue in the database: every version of every item, the YAML sync at start,
 * the administrators' draft → review → publish workflow (four eyes) and what the case engine
 * reads. Versions are immutable once published (service functions never rewrite them, and a
 * trigger refuses it), so a running case keeps the exact rules it started with.
 */
import { sql } from 'kysely';
import { pinyin } from 'pinyin-pro';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { definitionOf, loadItemCatalog, type LoadedItem } from './loader.js';
import type { Channel, Domain, ItemVersionRef, ServiceItem, VersionStatus } from './types.js';
import { validateItem } from './validate.js';

const CST_OFFSET_MS = 8 * 60 * 60 * 1000;
/** Today in China Standard Time (the bureau's calendar), 'YYYY-MM-DD'. */
export function chinaToday(at: Date = new Date()): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Who wrote versions that came from catalog/items (reviewed as code, in the repository). */
export const YAML_AUTHOR = 'system:catalog-yaml';

// Serialises catalogue syncs across replicas starting at the same time.
const SYNC_LOCK_KEY = 774_511;

// Published versions never change: their definitions are cached without expiry.
const CACHE_MAX = 2000;
const definitionCache = new Map<string, ServiceItem>();
function cacheDefinition(versionId: string, item: ServiceItem): void {
  if (definitionCache.size >= CACHE_MAX) definitionCache.clear();
  definitionCache.set(versionId, item);
}

export interface SyncReport {
  items: number;
  created: { code: string; version: number; effectiveFrom: string }[];
  unchanged: number;
}

/**
 * Loads catalog/items/*.yaml (throws CatalogueError on any problem, before touching the
 * database) and records each new or changed definition as a published version. Idempotent:
 * an unchanged file writes nothing. Safe with several replicas starting together.
 */
export async function syncCatalogue(db: Db, catalogDir: string, opts: { today?: string } = {}): Promise<SyncReport> {
  const loaded = loadItemCatalog(catalogDir);
  return syncItems(db, loaded, opts.today ?? chinaToday());
}

/**
 * The effective date of a version synced from a file: the file's `effectiveFrom` for an
 * item's first version; afterwards never before the sync date, because publishing into the
 * past would change which rules were "in force" for decisions already taken.
 */
function syncEffectiveFrom(fileDate: string | undefined, today: string, first: boolean): string {
  if (first) return fileDate ?? today;
  return fileDate && fileDate > today ? fileDate : today;
}

export async function syncItems(db: Db, loaded: LoadedItem[], today: string): Promise<SyncReport> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SYNC_LOCK_KEY})`.execute(trx);
    const report: SyncReport = { items: loaded.length, created: [], unchanged: 0 };
    const versions = await trx.selectFrom('item_versions').select(['item_code', 'version', 'status', 'effective_from', 'content_hash', 'source']).orderBy('version', 'desc').execute();
    const byCode = new Map<string, typeof versions>();
    for (const v of versions) byCode.set(v.item_code, [...(byCode.get(v.item_code) ?? []), v]);
    const rows: { versionId: string; l: LoadedItem; version: number; effectiveFrom: string }[] = [];
    for (const l of loaded) {
      const mine = byCode.get(l.item.code) ?? [];
      const latestYaml = mine.find((v) => v.source === 'yaml');
      const latestPublished = mine.find((v) => v.status === 'published');
      if (latestYaml?.content_hash === l.hash || latestPublished?.content_hash === l.hash) {
        report.unchanged++;
        continue;
      }
      const first = !mine.some((v) => v.status === 'published' || v.status === 'retired');
      rows.push({ versionId: uuid7(), l, version: (mine[0]?.version ?? 0) + 1, effectiveFrom: syncEffectiveFrom(l.effectiveFrom, today, first) });
    }
    if (rows.length === 0) return report;
    // One statement per table: a first start loads every item at once.
    await trx
      .insertInto('service_items')
      .values(rows.map((r) => ({ code: r.l.item.code, domain: r.l.item.domain, name_zh: r.l.item.name.zh, name_en: r.l.item.name.en, published_version: r.version })))
      .onConflict((oc) =>
        oc.column('code').doUpdateSet((eb) => ({
          domain: eb.ref('excluded.domain'),
          name_zh: eb.ref('excluded.name_zh'),
          name_en: eb.ref('excluded.name_en'),
          published_version: eb.ref('excluded.published_version'),
          updated_at: new Date(),
        })),
      )
      .execute();
    const now = new Date();
    await trx
      .insertInto('item_versions')
      .values(
        rows.map((r) => ({
          version_id: r.versionId,
          item_code: r.l.item.code,
          version: r.version,
          status: 'published' as const,
          effective_from: r.effectiveFrom,
          definition: JSON.stringify(r.l.item),
          content_hash: r.l.hash,
          source: 'yaml' as const,
          created_by: YAML_AUTHOR,
          published_by: YAML_AUTHOR,
          published_at: now,
        })),
      )
      .execute();
    for (const r of rows) {
      await retireShadowed(trx, r.l.item.code, r.effectiveFrom, r.versionId);
      await recordEvent(trx, { type: 'item.version_published', aggregateType: 'service_item', aggregateId: r.l.item.code, payload: { code: r.l.item.code, versionId: r.versionId, version: r.version, effectiveFrom: r.effectiveFrom, source: 'yaml' } });
      report.created.push({ code: r.l.item.code, version: r.version, effectiveFrom: r.effectiveFrom });
    }
    // One audit entry per sync, listing every version it published (file, hash, date).
    await appendAudit(trx, SYSTEM_ACTOR, {
      action: 'catalogue.synced',
      objectType: 'catalogue',
      objectId: 'items',
      after: { versions: rows.map((r) => ({ code: r.l.item.code, versionId: r.versionId, version: r.version, effectiveFrom: r.effectiveFrom, file: r.l.file, hash: r.l.hash })) },
    });
    return report;
  });
}

async function upsertItemRow(trx: Db, item: ServiceItem, publishedVersion: number | null): Promise<void> {
  const values = { code: item.code, domain: item.domain, name_zh: item.name.zh, name_en: item.name.en };
  await trx
    .insertInto('service_items')
    .values({ ...values, published_version: publishedVersion })
    .onConflict((oc) =>
      oc.column('code').doUpdateSet(
        publishedVersion === null ? { updated_at: new Date() } : { domain: values.domain, name_zh: values.name_zh, name_en: values.name_en, published_version: publishedVersion, updated_at: new Date() },
      ),
    )
    .execute();
}

/** A version published for the same day as an older one replaces it completely: the older is retired. */
async function retireShadowed(trx: Db, code: string, effectiveFrom: string, keep: string): Promise<void> {
  await trx
    .updateTable('item_versions')
    .set({ status: 'retired', retired_at: new Date(), row_version: sql`row_version + 1` })
    .where('item_code', '=', code)
    .where('status', '=', 'published')
    .where('effective_from', '=', effectiveFrom)
    .where('version_id', '<>', keep)
    .execute();
}

// ---------------------------------------------------------------- reads for the case engine

/** The published version in force on `date` (YYYY-MM-DD), or null when the item had none then. */
export async function itemVersionAt(db: Db, code: string, date: string): Promise<ItemVersionRef | null> {
  const row = await versionInForceQuery(db, code, date).executeTakeFirst();
  return row ? itemVersionOfRow(db, row) : null;
}

/** Which version is in force on `date`, as a query to read beside others (readTogether); itemVersionOfRow completes it. */
export function versionInForceQuery(db: Db, code: string, date: string) {
  return db
    .selectFrom('item_versions')
    .select(['version_id', 'version', 'effective_from'])
    .where('item_code', '=', code)
    .where('status', '=', 'published')
    .where('effective_from', '<=', date)
    .orderBy('effective_from', 'desc')
    .orderBy('version', 'desc')
    .limit(1);
}

/** The version versionInForceQuery found, with its definition (cached: a published definition never changes). */
export async function itemVersionOfRow(db: Db, row: { version_id: string; version: number; effective_from: string | null }): Promise<ItemVersionRef | null> {
  const cached = definitionCache.get(row.version_id);
  if (cached) return { versionId: row.version_id, version: row.version, effectiveFrom: row.effective_from!, item: cached };
  return itemVersionById(db, row.version_id);
}

/** A published (or since retired) version by id: what a running case keeps. Drafts are not returned. */
export async function itemVersionById(db: Db, versionId: string): Promise<(ItemVersionRef & { status: VersionStatus }) | null> {
  if (!/^[0-9a-f-]{36}$/i.test(versionId)) return null;
  const row = await db
    .selectFrom('item_versions')
    .select(['version_id', 'version', 'effective_from', 'status', 'definition'])
    .where('version_id', '=', versionId)
    .where('status', 'in', ['published', 'retired'])
    .executeTakeFirst();
  if (!row) return null;
  cacheDefinition(row.version_id, row.definition);
  return { versionId: row.version_id, version: row.version, effectiveFrom: row.effective_from!, item: row.definition, status: row.status };
}

export interface ItemSummary {
  code: string;
  name: { zh: string; en: string };
  domain: Domain;
  applicant: 'person' | 'organisation';
  summary?: { zh: string; en: string };
  instant: boolean;
  channels: Channel[];
  timeLimit: ServiceItem['timeLimit'];
  feeFen: number;
  versionId: string;
  version: number;
  effectiveFrom: string;
}

export function summaryOf(v: ItemVersionRef): ItemSummary {
  const i = v.item;
  return {
    code: i.code,
    name: i.name,
    domain: i.domain,
    applicant: i.applicant,
    ...(i.summary ? { summary: i.summary } : {}),
    instant: i.instant,
    channels: i.channels,
    timeLimit: i.timeLimit,
    feeFen: i.fee.amountFen,
    versionId: v.versionId,
    version: v.version,
    effectiveFrom: v.effectiveFrom,
  };
}

function compact(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '');
}

/** Matches Chinese names and keywords, English names, codes, full pinyin and pinyin initials (失业金 / shiye / sybx). */
export function matchesQuery(item: ServiceItem, q: string): boolean {
  const needle = compact(q);
  if (!needle) return true;
  const zh = [item.name.zh, ...(item.keywords ?? [])];
  const hay = [...zh, item.name.en, item.code, ...zh.map((t) => pinyin(t, { toneType: 'none', separator: '', nonZh: 'consecutive' })), ...zh.map((t) => pinyin(t, { pattern: 'first', toneType: 'none', separator: '' }))];
  return hay.some((h) => compact(h).includes(needle));
}

/** The items in force on `asOf` (default today), optionally for one channel or domain or matching `q`. */
export async function listItems(db: Db, filter: { channel?: Channel; domain?: Domain; asOf?: string; q?: string } = {}): Promise<ItemSummary[]> {
  const asOf = filter.asOf ?? chinaToday();
  const rows = await db
    .selectFrom('item_versions')
    .distinctOn('item_code')
    .select(['version_id', 'item_code', 'version', 'effective_from'])
    .where('status', '=', 'published')
    .where('effective_from', '<=', asOf)
    .orderBy('item_code')
    .orderBy('effective_from', 'desc')
    .orderBy('version', 'desc')
    .execute();
  const missing = rows.filter((r) => !definitionCache.has(r.version_id)).map((r) => r.version_id);
  if (missing.length) {
    const defs = await db.selectFrom('item_versions').select(['version_id', 'definition']).where('version_id', 'in', missing).execute();
    for (const d of defs) cacheDefinition(d.version_id, d.definition);
  }
  const out: ItemSummary[] = [];
  for (const r of rows) {
    const item = definitionCache.get(r.version_id);
    if (!item) continue;
    if (filter.channel && !item.channels.includes(filter.channel)) continue;
    if (filter.domain && item.domain !== filter.domain) continue;
    if (filter.q && !matchesQuery(item, filter.q)) continue;
    out.push(summaryOf({ versionId: r.version_id, version: r.version, effectiveFrom: r.effective_from!, item }));
  }
  return out;
}

// ---------------------------------------------------------------- versions and the review workflow

export interface VersionInfo {
  versionId: string;
  code: string;
  version: number;
  status: VersionStatus;
  effectiveFrom: string | null;
  source: 'yaml' | 'api';
  contentHash: string;
  createdBy: string;
  reviewedBy: string | null;
  reviewDecision: 'approved' | 'rejected' | null;
  reviewComment: string | null;
  publishedBy: string | null;
  createdAt: string;
  submittedAt: string | null;
  reviewedAt: string | null;
  publishedAt: string | null;
  retiredAt: string | null;
}

type VersionRow = Awaited<ReturnType<typeof loadVersion>>;
async function loadVersion(db: Db, versionId: string, forUpdate = false) {
  let q = db.selectFrom('item_versions').selectAll().where('version_id', '=', versionId);
  if (forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function presentVersion(r: NonNullable<VersionRow>): VersionInfo {
  return {
    versionId: r.version_id,
    code: r.item_code,
    version: r.version,
    status: r.status,
    effectiveFrom: r.effective_from,
    source: r.source,
    contentHash: r.content_hash,
    createdBy: r.created_by,
    reviewedBy: r.reviewed_by,
    reviewDecision: r.review_decision,
    reviewComment: r.review_comment,
    publishedBy: r.published_by,
    createdAt: iso(r.created_at)!,
    submittedAt: iso(r.submitted_at),
    reviewedAt: iso(r.reviewed_at),
    publishedAt: iso(r.published_at),
    retiredAt: iso(r.retired_at),
  };
}

/** Every version of an item, newest first (staff). */
export async function listVersions(db: Db, code: string): Promise<VersionInfo[]> {
  const rows = await db.selectFrom('item_versions').selectAll().where('item_code', '=', code).orderBy('version', 'desc').execute();
  return rows.map(presentVersion);
}

/** One version with its definition (staff: drafts included). */
export async function getVersion(db: Db, code: string, versionId: string): Promise<(VersionInfo & { definition: ServiceItem }) | null> {
  if (!/^[0-9a-f-]{36}$/i.test(versionId)) return null;
  const r = await loadVersion(db, versionId);
  if (!r || r.item_code !== code) return null;
  return { ...presentVersion(r), definition: r.definition };
}

/** RFC 7396 JSON merge patch: objects merge, null deletes, anything else (arrays too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete base[k];
    else base[k] = mergePatch(base[k], v);
  }
  return base;
}

function invalid(problems: { path: string; reason: string }[], prefix: string): AppError {
  return new AppError('ITEM_DEFINITION_INVALID', { detail: problems.map((p) => `${p.path || '/'}: ${p.reason}`).join('; '), errors: problems.map((p) => ({ field: `${prefix}${p.path}`, reason: p.reason })) });
}

/**
 * An administrator's draft: a full definition, or a merge patch of the latest published one.
 * Validated exactly like a catalogue file. A new code creates a new item (with a full definition).
 */
export async function createDraft(db: Db, actor: Actor, code: string, input: { definition?: unknown; patch?: unknown }): Promise<VersionInfo> {
  if ((input.definition === undefined) === (input.patch === undefined)) {
    throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body', reason: 'send either definition (a full item) or patch (a JSON merge patch of the current version)' }] });
  }
  return db.transaction().execute(async (trx) => {
    let raw: unknown;
    let prefix: string;
    if (input.patch !== undefined) {
      const base = await trx
        .selectFrom('item_versions')
        .select('definition')
        .where('item_code', '=', code)
        .where('status', '=', 'published')
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!base) throw new AppError('NOT_FOUND', { detail: `item ${code} has no published version to patch` });
      raw = mergePatch(base.definition, input.patch);
      prefix = '/body/patch';
    } else {
      raw = input.definition;
      prefix = '/body/definition';
    }
    if (raw && typeof raw === 'object' && (raw as { code?: unknown }).code !== code) {
      throw invalid([{ path: '/code', reason: `the definition's code must be ${code} (the item in the URL)` }], prefix);
    }
    const codes = new Set((await trx.selectFrom('service_items').select('code').execute()).map((r) => r.code));
    codes.add(code);
    const problems = validateItem(raw, { knownItemCodes: codes });
    if (problems.length) throw invalid(problems, prefix);
    const { item, hash } = definitionOf(raw as ServiceItem);
    // Lock the item row so two drafts of one item do not take the same version number.
    await upsertItemRow(trx, item, null);
    await trx.selectFrom('service_items').select('code').where('code', '=', code).forUpdate().executeTakeFirst();
    const max = await trx.selectFrom('item_versions').select((eb) => eb.fn.max('version').as('v')).where('item_code', '=', code).executeTakeFirst();
    const version = Number(max?.v ?? 0) + 1;
    const versionId = uuid7();
    await trx
      .insertInto('item_versions')
      .values({ version_id: versionId, item_code: code, version, status: 'draft', effective_from: null, definition: JSON.stringify(item), content_hash: hash, source: 'api', created_by: actor.userId ?? 'unknown' })
      .execute();
    await appendAudit(trx, actor, { action: 'catalogue.draft_created', objectType: 'item_version', objectId: versionId, after: { code, version, hash, from: input.patch !== undefined ? 'patch' : 'definition' } });
    await recordEvent(trx, { type: 'item.draft_created', aggregateType: 'service_item', aggregateId: code, payload: { code, versionId, version } });
    return presentVersion((await loadVersion(trx, versionId))!);
  });
}

async function transition(
  db: Db,
  actor: Actor,
  code: string,
  versionId: string,
  action: string,
  apply: (row: NonNullable<VersionRow>, trx: Db) => Promise<Record<string, unknown>>,
): Promise<VersionInfo> {
  return db.transaction().execute(async (trx) => {
    const row = /^[0-9a-f-]{36}$/i.test(versionId) ? await loadVersion(trx, versionId, true) : undefined;
    if (!row || row.item_code !== code) throw new AppError('NOT_FOUND');
    const before = { status: row.status };
    const after = await apply(row, trx);
    const updated = (await loadVersion(trx, versionId))!;
    await appendAudit(trx, actor, { action: `catalogue.${action}`, objectType: 'item_version', objectId: versionId, before, after: { code, version: row.version, status: updated.status, ...after } });
    await recordEvent(trx, { type: `item.${action}`, aggregateType: 'service_item', aggregateId: code, payload: { code, versionId, version: row.version, status: updated.status, ...after } });
    return presentVersion(updated);
  });
}

function stateError(row: { status: string; version: number }, wanted: string): AppError {
  return new AppError('ITEM_VERSION_STATE', { detail: `version ${row.version} is ${row.status}; this action needs ${wanted}` });
}

/** 提交审核: a draft goes to review. */
export async function submitDraft(db: Db, actor: Actor, code: string, versionId: string): Promise<VersionInfo> {
  return transition(db, actor, code, versionId, 'version_submitted', async (row, trx) => {
    if (row.status !== 'draft') throw stateError(row, 'a draft');
    await trx
      .updateTable('item_versions')
      .set({ status: 'in_review', submitted_at: new Date(), reviewed_by: null, review_decision: null, review_comment: null, reviewed_at: null, row_version: sql`row_version + 1` })
      .where('version_id', '=', versionId)
      .execute();
    return {};
  });
}

/**
 * 审核 with four eyes: the reviewer must not be the author. Approve leaves the version ready to
 * publish; reject sends it back to draft with the comment.
 */
export async function reviewVersion(db: Db, actor: Actor, code: string, versionId: string, input: { decision: 'approve' | 'reject'; comment?: string }): Promise<VersionInfo> {
  return transition(db, actor, code, versionId, 'version_reviewed', async (row, trx) => {
    if (row.status !== 'in_review' || row.review_decision !== null) throw stateError(row, 'a version submitted for review and not yet reviewed');
    if (!actor.userId || actor.userId === row.created_by) throw new AppError('FOUR_EYES_REQUIRED');
    if (input.decision === 'reject' && !input.comment?.trim()) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/comment', reason: 'a rejection needs a comment saying what to change' }] });
    await trx
      .updateTable('item_versions')
      .set({
        status: input.decision === 'approve' ? 'in_review' : 'draft',
        review_decision: input.decision === 'approve' ? 'approved' : 'rejected',
        reviewed_by: actor.userId,
        reviewed_at: new Date(),
        review_comment: input.comment?.trim() || null,
        row_version: sql`row_version + 1`,
      })
      .where('version_id', '=', versionId)
      .execute();
    return { decision: input.decision, comment: input.comment ?? null };
  });
}

/**
 * 发布: an approved version takes effect on `effectiveFrom` (today or later: publishing into
 * the past would change the rules behind decisions already taken). Until then itemVersionAt
 * keeps answering with the version in force.
 */
export async function publishVersion(db: Db, actor: Actor, code: string, versionId: string, input: { effectiveFrom: string; today?: string }): Promise<VersionInfo> {
  const today = input.today ?? chinaToday();
  if (Number.isNaN(Date.parse(`${input.effectiveFrom}T00:00:00Z`)) || new Date(`${input.effectiveFrom}T00:00:00Z`).toISOString().slice(0, 10) !== input.effectiveFrom) {
    throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/effectiveFrom', reason: 'not a calendar date' }] });
  }
  if (input.effectiveFrom < today) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/effectiveFrom', reason: `must be today (${today}) or later` }] });
  return transition(db, actor, code, versionId, 'version_published', async (row, trx) => {
    if (row.status !== 'in_review' || row.review_decision !== 'approved') throw stateError(row, 'a version approved in review');
    await trx
      .updateTable('item_versions')
      .set({ status: 'published', effective_from: input.effectiveFrom, published_by: actor.userId, published_at: new Date(), row_version: sql`row_version + 1` })
      .where('version_id', '=', versionId)
      .execute();
    await upsertItemRow(trx, row.definition, row.version);
    await retireShadowed(trx, code, input.effectiveFrom, versionId);
    cacheDefinition(versionId, row.definition);
    return { effectiveFrom: input.effectiveFrom };
  });
}

/** 撤回: a published version that has not yet taken effect is withdrawn (it never applies). */
export async function retireVersion(db: Db, actor: Actor, code: string, versionId: string, input: { reason: string; today?: string }): Promise<VersionInfo> {
  const today = input.today ?? chinaToday();
  return transition(db, actor, code, versionId, 'version_retired', async (row, trx) => {
    if (row.status !== 'published' || !row.effective_from || row.effective_from <= today) throw stateError(row, 'a published version that has not yet taken effect');
    await trx.updateTable('item_versions').set({ status: 'retired', retired_at: new Date(), row_version: sql`row_version + 1` }).where('version_id', '=', versionId).execute();
    const latest = await trx.selectFrom('item_versions').select((eb) => eb.fn.max('version').as('v')).where('item_code', '=', code).where('status', '=', 'published').executeTakeFirst();
    await trx.updateTable('service_items').set({ published_version: latest?.v == null ? null : Number(latest.v), updated_at: new Date() }).where('code', '=', code).execute();
    return { reason: input.reason };
  });
}
