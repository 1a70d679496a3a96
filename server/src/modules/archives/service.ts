import type { Selectable } from 'kysely';
import type { Db } from '../../db/connect.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { sha256Hex, sm3Hex } from '../../lib/hash.js';
import { uuid7 } from '../../lib/uuid7.js';
import { AppError } from '../../http/errors.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { signFor } from '../seals/keys.js';
import { containsVirusSignature, INTERNAL_TYPES, parseAs, UPLOAD_TYPES } from './intake.js';
import { isCategory, retainUntil } from './retention.js';
import type { ArchiveRecordTable, ArchiveSource, Classification } from './schema.js';
import type { ArchiveStore } from './store.js';

export type ArchiveRecordRow = Selectable<ArchiveRecordTable>;

/** Today in China (UTC+8, no daylight saving): archive dates are the bureau's calendar dates. */
export function chinaToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export interface StoreArchiveInput {
  personId?: string | null;
  orgId?: string | null;
  caseId?: string | null;
  /** One of RETENTION_SCHEDULE's categories: decides the retention period. */
  category: string;
  materialCode?: string | null;
  title: string;
  /** Detected or known media type; uploads go through inspectUpload first. */
  mediaType: string;
  bytes: Uint8Array;
  source: ArchiveSource;
  classification?: Classification;
  originalFilename?: string | null;
  /** The day the original was formed (a scan of old paper); default today. */
  formedOn?: string;
  actor: Actor;
}

/** What the archive seal signs: every metadata field fixed at ingest. */
export function sealedMetadata(r: Pick<ArchiveRecordRow, 'id' | 'person_id' | 'org_id' | 'category' | 'material_code' | 'title' | 'media_type' | 'size' | 'sm3' | 'sha256' | 'storage_key' | 'retention_years' | 'formed_on' | 'classification' | 'source' | 'created_by' | 'created_at'>): Uint8Array {
  return Buffer.from(
    canonicalJson({
      type: 'tongban.archive.record',
      id: r.id,
      personId: r.person_id,
      orgId: r.org_id,
      category: r.category,
      materialCode: r.material_code,
      title: r.title,
      mediaType: r.media_type,
      size: Number(r.size),
      sm3: r.sm3,
      sha256: r.sha256,
      storageKey: r.storage_key,
      retentionYears: r.retention_years,
      formedOn: r.formed_on,
      classification: r.classification,
      source: r.source,
      createdBy: r.created_by,
      createdAt: new Date(r.created_at).toISOString(),
    }),
  );
}

/**
 * Archives bytes with their metadata: stores them content-addressed, checks them
 * (parses as their type, no virus signature), seals the metadata with the archive key,
 * and writes the record, its audit entry and its event in one transaction. Pass the
 * caller's transaction to make the record part of a larger change (a submission).
 * The bytes are written before the row: a rollback leaves an unreferenced blob
 * (harmless, content-addressed), never a row without its bytes.
 */
export async function storeArchiveRecord(db: Db, store: ArchiveStore, input: StoreArchiveInput): Promise<ArchiveRecordRow> {
  if (!isCategory(input.category)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/category', reason: `unknown archive category ${input.category}`, code: 'category' }] });
  if (!input.personId && !input.orgId) throw new Error('an archive record belongs to a person or an organisation');
  if (!(input.mediaType in UPLOAD_TYPES) && !(INTERNAL_TYPES as readonly string[]).includes(input.mediaType)) throw new AppError('UPLOAD_TYPE_NOT_ALLOWED', { detail: input.mediaType });
  if (containsVirusSignature(input.bytes)) throw new AppError('UPLOAD_INFECTED');
  try {
    await parseAs(input.mediaType, input.bytes);
  } catch (e) {
    throw new AppError('UPLOAD_CORRUPT', { detail: (e as Error).message, cause: e });
  }
  const buf = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
  const sm3 = sm3Hex(buf);
  const storageKey = await store.put(input.bytes);
  if (storageKey !== sm3) throw new Error('archive store returned a key other than the SM3 digest');
  const formedOn = input.formedOn ?? chinaToday();
  const retention = retainUntil(input.category, formedOn);
  const base = {
    id: uuid7(),
    person_id: input.personId ?? null,
    org_id: input.orgId ?? null,
    case_id: input.caseId ?? null,
    category: input.category,
    material_code: input.materialCode ?? null,
    title: input.title.slice(0, 300),
    original_filename: input.originalFilename ?? null,
    media_type: input.mediaType,
    size: buf.length,
    sm3,
    sha256: sha256Hex(buf),
    storage_key: storageKey,
    retention_years: retention.years,
    retain_until: retention.until,
    formed_on: formedOn,
    classification: input.classification ?? 'internal',
    source: input.source,
    created_by: input.actor.userId,
    // Millisecond precision survives the database round trip, so the seal still verifies.
    created_at: new Date(Math.floor(Date.now())),
    disposed_at: null,
  };
  const run = async (trx: Db) => {
    const seal = await signFor(trx, 'archive_seal', sealedMetadata(base));
    const row = await trx
      .insertInto('archive_records')
      .values({ ...base, seal_key_id: seal.keyId, seal_signature: Buffer.from(seal.signature).toString('base64') })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(trx, input.actor, {
      action: 'archive.stored',
      objectType: 'archive_record',
      objectId: row.id,
      after: { personId: row.person_id, orgId: row.org_id, caseId: row.case_id, category: row.category, materialCode: row.material_code, source: row.source, mediaType: row.media_type, size: row.size, sm3: row.sm3 },
    });
    await recordEvent(trx, { type: 'archive.stored', aggregateType: 'archive_record', aggregateId: row.id, partitionKey: row.person_id ?? row.org_id ?? row.id, payload: { id: row.id, personId: row.person_id, caseId: row.case_id, category: row.category, materialCode: row.material_code, source: row.source } });
    return row;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

export async function getArchiveRecord(db: Db, id: string): Promise<ArchiveRecordRow | undefined> {
  return db.selectFrom('archive_records').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * 免提交: a person's archived materials that a new application may reuse instead of
 * asking for them again: not disposed, newest first, one per material code (the
 * latest), optionally limited to some categories or material codes.
 */
export async function reusableMaterials(db: Db, personId: string, opts: { categories?: string[]; materialCodes?: string[] } = {}): Promise<ArchiveRecordRow[]> {
  let q = db
    .selectFrom('archive_records')
    .selectAll()
    .where('person_id', '=', personId)
    .where('disposal_status', '!=', 'disposed')
    .where('source', 'in', ['upload', 'scan', 'outcome_document'])
    .where('material_code', 'is not', null);
  if (opts.categories?.length) q = q.where('category', 'in', opts.categories);
  if (opts.materialCodes?.length) q = q.where('material_code', 'in', opts.materialCodes);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  const seen = new Set<string>();
  return rows.filter((r) => {
    if (seen.has(r.material_code!)) return false;
    seen.add(r.material_code!);
    return true;
  });
}

/** Attaches an archived record to a case (a reused material, or one uploaded before the case existed). */
export async function linkRecordToCase(db: Db, recordId: string, caseId: string, actor?: Actor): Promise<void> {
  const run = async (trx: Db) => {
    const rec = await trx.selectFrom('archive_records').select(['id', 'case_id', 'person_id']).where('id', '=', recordId).forUpdate().executeTakeFirst();
    if (!rec) throw new AppError('NOT_FOUND', { detail: `archive record ${recordId}` });
    if (rec.case_id === caseId) return;
    if (rec.case_id === null) await trx.updateTable('archive_records').set({ case_id: caseId }).where('id', '=', recordId).execute();
    // A record already filed with another case stays there; reuse is recorded in the audit trail.
    await appendAudit(trx, actor ?? { userId: 'system', role: 'system', channel: 'system', servicePointId: null, ip: null }, { action: rec.case_id === null ? 'archive.linked' : 'archive.reused', objectType: 'archive_record', objectId: recordId, before: { caseId: rec.case_id }, after: { caseId } });
  };
  await (db.isTransaction ? run(db) : db.transaction().execute(run));
}

export function presentRecord(r: ArchiveRecordRow) {
  return {
    id: r.id,
    personId: r.person_id,
    orgId: r.org_id,
    caseId: r.case_id,
    category: r.category,
    materialCode: r.material_code,
    title: r.title,
    originalFilename: r.original_filename,
    mediaType: r.media_type,
    size: Number(r.size),
    sm3: r.sm3,
    sha256: r.sha256,
    retentionYears: r.retention_years,
    retainUntil: r.retain_until,
    formedOn: r.formed_on,
    classification: r.classification,
    source: r.source,
    createdAt: new Date(r.created_at).toISOString(),
    disposalStatus: r.disposal_status,
    disposedAt: r.disposed_at ? new Date(r.disposed_at).toISOString() : null,
  };
}
