import type { Db } from '../../db/connect.js';
import { sha256Hex, sm3Hex } from '../../lib/hash.js';
import { checkSignature } from '../seals/keys.js';
import { containsVirusSignature, parseAs } from './intake.js';
import { isCategory } from './retention.js';
import { CLASSIFICATIONS, ARCHIVE_SOURCES } from './schema.js';
import { sealedMetadata, type ArchiveRecordRow } from './service.js';
import type { ArchiveStore } from './store.js';

/** 四性: authenticity 真实性, integrity 完整性, usability 可用性, security 安全性 (DA/T 70 style checks). */
export type ArchiveProperty = 'authenticity' | 'integrity' | 'usability' | 'security';

export interface PropertyFailure {
  property: ArchiveProperty;
  reason: string;
}

export interface RecordCheck {
  id: string;
  ok: boolean;
  failures: PropertyFailure[];
}

const REQUIRED: (keyof ArchiveRecordRow)[] = ['id', 'category', 'title', 'media_type', 'size', 'sm3', 'sha256', 'storage_key', 'formed_on', 'classification', 'source', 'created_at', 'seal_key_id', 'seal_signature'];

/** Runs the four property checks on one record (a disposed record only has metadata left to check). */
export async function checkRecord(db: Db, store: ArchiveStore, r: ArchiveRecordRow): Promise<RecordCheck> {
  const failures: PropertyFailure[] = [];
  const fail = (property: ArchiveProperty, reason: string) => failures.push({ property, reason });

  // Authenticity: the archive seal over the metadata verifies with a key good at ingest.
  const seal = await checkSignature(db, r.seal_key_id, sealedMetadata(r), Buffer.from(r.seal_signature ?? '', 'base64'), new Date(r.created_at));
  if (!seal.ok) fail('authenticity', `the archive seal does not verify (${seal.reason}, key ${r.seal_key_id}): the metadata was changed or not sealed by the archive`);

  // Security: the bytes sit where the store says, under a well-formed key, with an allowed classification.
  const keyOk = store.contains(r.storage_key);
  if (!keyOk) fail('security', `storage key ${JSON.stringify(r.storage_key).slice(0, 80)} is not a location inside the archive store`);
  else if (r.storage_key !== r.sm3) fail('security', 'the storage key is not the content address (SM3) of the record');
  if (!(CLASSIFICATIONS as readonly string[]).includes(r.classification)) fail('security', `classification ${r.classification} is not allowed`);

  const missing = REQUIRED.filter((k) => r[k] === null || r[k] === undefined || r[k] === '');
  if (missing.length) fail('integrity', `metadata incomplete: ${missing.join(', ')}`);
  if (!isCategory(r.category)) fail('integrity', `unknown category ${r.category}`);
  if (!(ARCHIVE_SOURCES as readonly string[]).includes(r.source)) fail('integrity', `unknown source ${r.source}`);

  if (r.disposal_status === 'disposed') return { id: r.id, ok: failures.length === 0, failures };

  const bytes = keyOk ? await store.get(r.storage_key) : null;
  if (!bytes) {
    fail('integrity', 'the stored bytes are missing');
    return { id: r.id, ok: false, failures };
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Integrity: both digests and the size match the bytes.
  if (buf.length !== Number(r.size)) fail('integrity', `size is ${buf.length} bytes, recorded ${r.size}`);
  if (sm3Hex(buf) !== r.sm3) fail('integrity', 'the SM3 digest of the stored bytes does not match the record');
  if (sha256Hex(buf) !== r.sha256) fail('integrity', 'the SHA-256 digest of the stored bytes does not match the record');
  // Usability: the content opens as what it claims to be.
  try {
    await parseAs(r.media_type, bytes);
  } catch (e) {
    fail('usability', `the content does not open as ${r.media_type}: ${(e as Error).message}`);
  }
  const virus = containsVirusSignature(bytes);
  if (virus) fail('security', `virus signature found: ${virus}`);
  return { id: r.id, ok: failures.length === 0, failures };
}

/** `tongban archive check`: every record, streamed in pages; returns the failing ones. */
export async function checkArchive(db: Db, store: ArchiveStore, onProgress?: (done: number, total: number) => void): Promise<{ checked: number; failed: RecordCheck[] }> {
  const total = Number((await db.selectFrom('archive_records').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const failed: RecordCheck[] = [];
  let checked = 0;
  for (let after = ''; ; ) {
    const rows = await db.selectFrom('archive_records').selectAll().where('id', '>', after || '00000000-0000-0000-0000-000000000000').orderBy('id').limit(500).execute();
    if (!rows.length) break;
    for (const r of rows) {
      const c = await checkRecord(db, store, r);
      if (!c.ok) failed.push(c);
      checked++;
    }
    after = rows[rows.length - 1]!.id;
    onProgress?.(checked, total);
  }
  return { checked, failed };
}
