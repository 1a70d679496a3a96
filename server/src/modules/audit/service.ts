import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { sm3Hex } from '../../lib/hash.js';

export const GENESIS_HASH = '0'.repeat(64);

/** Who did something, from where: taken from the request by the HTTP layer. */
export interface Actor {
  userId: string | null;
  role: string | null;
  channel: string | null;
  servicePointId: string | null;
  ip: string | null;
}

export const SYSTEM_ACTOR: Actor = { userId: 'system', role: 'system', channel: 'system', servicePointId: null, ip: null };

export interface AuditEntryInput {
  action: string;
  objectType?: string | null;
  objectId?: string | null;
  /** Must already be masked: the audit trail is read by auditors, not by the data owner. */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

interface ChainedFields {
  seq: number;
  at: Date;
  actor_id: string | null;
  actor_role: string | null;
  channel: string | null;
  service_point_id: string | null;
  ip: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  before: unknown;
  after: unknown;
}

/** The hash covers every field of the entry and the previous hash, so any edit shows. */
export function entryHash(prevHash: string, e: ChainedFields): string {
  return sm3Hex(
    prevHash +
      canonicalJson({
        seq: e.seq,
        at: e.at.toISOString(),
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        channel: e.channel,
        service_point_id: e.service_point_id,
        ip: e.ip,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        before: e.before ?? null,
        after: e.after ?? null,
      }),
  );
}

// A fixed advisory-lock key serialises appends across every replica: the chain
// has one head, and two writers must never both extend the same one.
const AUDIT_LOCK_KEY = 774_411;

/**
 * Appends one entry. Use the transaction of the action itself, so an action and its
 * audit entry commit together or not at all.
 */
export async function appendAudit(trx: Db, actor: Actor, input: AuditEntryInput): Promise<number> {
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
  const head = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const fields: ChainedFields = {
    seq: (head?.seq ?? 0) + 1,
    at: new Date(),
    actor_id: actor.userId,
    actor_role: actor.role,
    channel: actor.channel,
    service_point_id: actor.servicePointId,
    ip: actor.ip,
    action: input.action,
    object_type: input.objectType ?? null,
    object_id: input.objectId ?? null,
    before: input.before ?? null,
    after: input.after ?? null,
  };
  const prevHash = head?.hash ?? GENESIS_HASH;
  const hash = entryHash(prevHash, fields);
  await trx
    .insertInto('audit_log')
    .values({
      ...fields,
      before: fields.before === null ? null : JSON.stringify(fields.before),
      after: fields.after === null ? null : JSON.stringify(fields.after),
      prev_hash: prevHash,
      hash,
    })
    .execute();
  return fields.seq;
}

/** Runs `fn` and its audit entry in one transaction (for callers not already in one). */
export async function withAudit<T>(db: Db, actor: Actor, fn: (trx: Db) => Promise<{ result: T; audit: AuditEntryInput }>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const { result, audit } = await fn(trx);
    await appendAudit(trx, actor, audit);
    return result;
  });
}

export type ChainProblemKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'broken-link';

export interface ChainProblem {
  seq: number;
  kind: ChainProblemKind;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  headSeq: number | null;
  headHash: string | null;
  problems: ChainProblem[];
}

/**
 * Walks the chain in seq order. Each entry must (a) hash to its stored hash and
 * (b) point at the previous entry's hash. The kind of damage is told apart:
 * - modified: the entry's content no longer matches its own hash;
 * - deleted: a seq is missing (the next entry points at a hash we never saw);
 * - inserted: an entry whose hash is consistent but whose prev_hash does not link, while
 *   the entry after it links to the entry before it;
 * - reordered: entries are present but their links point at entries that come later.
 */
export async function verifyAuditChain(db: Db, onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
  const total = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const problems: ChainProblem[] = [];
  const seenHashes = new Map<string, number>(); // hash → seq, for reorder detection
  const allHashes = new Set<string>();
  let prev: { seq: number; hash: string } | null = null;
  let prevPrev: { seq: number; hash: string } | null = null;
  let count = 0;
  let lastSeq = 0;
  const pageSize = 5000;
  // First pass collects every stored hash so a link to a later entry is recognised as reordering.
  for (let after = 0; ; ) {
    const rows = await db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) break;
    for (const r of rows) allHashes.add(r.hash);
    after = rows[rows.length - 1]!.seq;
  }
  for (let after = 0; ; ) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      count++;
      const computed = entryHash(row.prev_hash, {
        ...row,
        at: new Date(row.at),
        before: row.before,
        after: row.after,
      });
      if (computed !== row.hash) {
        problems.push({ seq: row.seq, kind: 'modified', detail: `entry ${row.seq} does not match its hash (content changed)` });
      }
      const expectedPrev = prev?.hash ?? GENESIS_HASH;
      if (row.prev_hash !== expectedPrev) {
        if (prev && row.seq !== prev.seq + 1) {
          problems.push({ seq: row.seq, kind: 'deleted', detail: `entries ${prev.seq + 1}..${row.seq - 1} are missing before entry ${row.seq}` });
        } else if (!prev && row.seq !== 1) {
          problems.push({ seq: row.seq, kind: 'deleted', detail: `entries 1..${row.seq - 1} are missing` });
        } else if (prevPrev && row.prev_hash === prevPrev.hash) {
          problems.push({ seq: prev!.seq, kind: 'inserted', detail: `entry ${prev!.seq} was inserted: entry ${row.seq} links to entry ${prevPrev.seq}` });
        } else if (allHashes.has(row.prev_hash) && !seenHashes.has(row.prev_hash)) {
          problems.push({ seq: row.seq, kind: 'reordered', detail: `entry ${row.seq} links to an entry that comes after it (order changed)` });
        } else if (!allHashes.has(row.prev_hash) && prev && computed === row.hash && prev.hash !== expectedPrev) {
          problems.push({ seq: row.seq, kind: 'broken-link', detail: `entry ${row.seq} does not link to entry ${prev.seq}` });
        } else {
          problems.push({ seq: row.seq, kind: 'broken-link', detail: `entry ${row.seq} does not link to entry ${prev?.seq ?? 'genesis'}` });
        }
      } else if (prev && row.seq !== prev.seq + 1) {
        problems.push({ seq: row.seq, kind: 'reordered', detail: `entry ${row.seq} follows entry ${prev.seq}: sequence numbers were changed` });
      }
      seenHashes.set(row.hash, row.seq);
      prevPrev = prev;
      prev = { seq: row.seq, hash: row.hash };
      lastSeq = row.seq;
    }
    after = lastSeq;
    onProgress?.(count, total);
  }
  return { ok: problems.length === 0, entries: count, headSeq: prev?.seq ?? null, headHash: prev?.hash ?? null, problems };
}
