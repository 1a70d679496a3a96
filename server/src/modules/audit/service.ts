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
  const [seq] = await appendAudits(trx, [{ actor, input }]);
  return seq!;
}

/**
 * Appends several entries at once, in order, under one lock and one head read: for an action
 * that audits several transitions in one transaction (the case engine), 3 statements instead
 * of 3 per entry. Same chain, same hashes as appending them one by one.
 */
export async function appendAudits(trx: Db, entries: { actor: Actor; input: AuditEntryInput }[]): Promise<number[]> {
  if (entries.length === 0) return [];
  // The advisory lock is held until the end of the transaction; outside one it would be
  // released at once and two concurrent appends could both extend the same head.
  if (!trx.isTransaction) return trx.transaction().execute((t) => appendAudits(t, entries));
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
  const head = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const at = new Date();
  const rows = entries.map(({ actor, input }) => {
    const fields: ChainedFields = {
      seq: ++seq,
      at,
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
    const hash = entryHash(prevHash, fields);
    const row = { ...fields, before: fields.before === null ? null : JSON.stringify(fields.before), after: fields.after === null ? null : JSON.stringify(fields.after), prev_hash: prevHash, hash };
    prevHash = hash;
    return row;
  });
  await trx.insertInto('audit_log').values(rows).execute();
  return rows.map((r) => r.seq);
}

/** 'checkpoint': a signed checkpoint (seals/checkpoints.ts) that fails or names an entry no longer in the chain. */
export type ChainProblemKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'broken-link' | 'checkpoint';

export interface ChainProblem {
  /** The entry concerned: its current seq, or for a deleted entry the seq it had. */
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

type AuditRow = ChainedFields & { prev_hash: string; hash: string };

/** How far a renumbered entry is searched for when its predecessor is gone (deleted entries). */
const RENUMBER_WINDOW = 64;
const MAX_REPORTED_DELETIONS = 1000;

/**
 * Walks the chain in seq order, streaming. Every entry's hash covers its own seq, so
 * an intact entry "remembers" the position it was written at: its original seq `o`.
 * An entry whose content no longer hashes under any plausible seq was modified. The
 * entries that do verify are then compared with the chain they should form (each one
 * linking to the hash of entry o − 1):
 * - modified: the content no longer matches the hash; or the entry was rewritten with a
 *   recomputed hash, so the next entry recorded a different hash for it;
 * - deleted: original seqs are missing and the next entry links to a hash that is
 *   nowhere in the table (reported once per missing seq);
 * - inserted: an entry that the chain skips: the entry after it (original seq o) and it
 *   both claim the same predecessor;
 * - reordered: an intact entry found at another position than its own (swapped or
 *   renumbered).
 * Renumbering the rest of the chain after a deletion or insertion is recognised and
 * reported only as that deletion or insertion. Cutting off the newest entries cannot
 * be seen from the chain alone (signed checkpoints cover that).
 * Memory is bounded by the page size plus the damaged entries; the table is looked up
 * by hash only for entries that do not link to their neighbour.
 */
export async function verifyAuditChain(db: Db, onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
  const total = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const problems: ChainProblem[] = [];
  const report = (seq: number, kind: ChainProblemKind, detail: string) => problems.push({ seq, kind, detail });

  const toRow = (r: Record<string, unknown>): AuditRow => ({ ...(r as unknown as AuditRow), at: new Date(r.at as Date) });
  const sealedAt = (row: AuditRow, seq: number) => seq >= 1 && entryHash(row.prev_hash, { ...row, seq }) === row.hash;

  const byHash = new Map<string, AuditRow | null>();
  async function findByHash(hash: string): Promise<AuditRow | null> {
    if (hash === GENESIS_HASH) return null;
    if (!byHash.has(hash)) {
      const r = await db.selectFrom('audit_log').selectAll().where('hash', '=', hash).limit(1).executeTakeFirst();
      byHash.set(hash, r ? toRow(r) : null);
    }
    return byHash.get(hash)!;
  }

  const origCache = new Map<string, number | null>();
  /** The seq an entry was written with, or null when its content was changed. */
  async function originalSeq(row: AuditRow, hint: number | null, depth: number): Promise<number | null> {
    if (sealedAt(row, row.seq)) return row.seq;
    if (hint !== null && sealedAt(row, hint)) return hint;
    const cached = origCache.get(row.hash);
    if (cached !== undefined) return cached;
    let o: number | null = null;
    if (row.prev_hash === GENESIS_HASH) o = sealedAt(row, 1) ? 1 : null;
    else if (depth < 4) {
      const pred = await findByHash(row.prev_hash);
      if (pred) {
        const po = await originalSeq(pred, null, depth + 1);
        if (po !== null && sealedAt(row, po + 1)) o = po + 1;
      } else {
        for (let d = 1; d <= RENUMBER_WINDOW && o === null; d++) {
          if (sealedAt(row, row.seq + d)) o = row.seq + d;
          else if (sealedAt(row, row.seq - d)) o = row.seq - d;
        }
      }
    }
    origCache.set(row.hash, o);
    return o;
  }

  // The last entry found in its place, and how far seqs are shifted by a
  // deletion or insertion that renumbered the entries after it.
  let last = { o: 0, seq: 0, hash: GENESIS_HASH, prevHash: '' };
  let shift = 0;
  let prevInStream: { hash: string; o: number | null } | null = null;
  let head: { seq: number; hash: string } | null = null;
  let count = 0;
  const pageSize = 5000;
  for (let afterSeq = 0; ; ) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(pageSize).execute();
    if (rows.length === 0) break;
    for (const raw of rows) {
      const row = toRow(raw);
      count++;
      const hint = prevInStream && prevInStream.o !== null && row.prev_hash === prevInStream.hash ? prevInStream.o + 1 : null;
      const o = await originalSeq(row, hint, 0);
      prevInStream = { hash: row.hash, o };
      head = { seq: row.seq, hash: row.hash };
      const expected = last.o + 1;
      const here = { o: o ?? expected, seq: row.seq, hash: row.hash, prevHash: row.prev_hash };

      if (o === null) {
        report(row.seq, 'modified', `entry ${row.seq} does not match its hash: its content was changed`);
        last = here;
      } else if (o === expected) {
        if (row.prev_hash !== last.hash) {
          if (last.seq > 0 && !problems.some((p) => p.seq === last.seq && p.kind === 'modified')) {
            report(last.seq, 'modified', `entry ${last.seq} was rewritten: entry ${row.seq} recorded a different hash for it`);
          } else if (last.seq === 0) {
            report(row.seq, 'broken-link', `entry ${row.seq} should start the chain but links to an unknown entry`);
          }
        }
        if (row.seq - o !== shift) report(row.seq, 'reordered', `entry ${o} was moved to seq ${row.seq}`);
        last = here;
      } else if (o > expected) {
        if (await findByHash(row.prev_hash)) {
          // The entries in between exist elsewhere: they are reported where they stand.
          if (row.seq - o !== shift) report(row.seq, 'reordered', `entry ${o} stands at seq ${row.seq}, out of order`);
          else last = here;
        } else {
          const missing = o - expected;
          for (let s = expected; s < o && s < expected + MAX_REPORTED_DELETIONS; s++) {
            report(s + shift, 'deleted', missing === 1 ? `entry ${s + shift} was deleted (entry ${row.seq} links to a missing entry)` : `entries ${expected + shift}..${o - 1 + shift} were deleted`);
          }
          shift = row.seq - o;
          last = here;
        }
      } else if (o === last.o && row.prev_hash === last.prevHash) {
        // Two entries claim the same place and predecessor; the chain goes on from this one.
        const i = problems.findIndex((p) => p.seq === last.seq);
        if (i >= 0) problems.splice(i, 1);
        report(last.seq, 'inserted', `entry ${last.seq} was inserted: entry ${row.seq} (written as ${o}) links past it to entry ${o - 1}`);
        shift = row.seq - o;
        last = here;
      } else {
        report(row.seq, 'reordered', `entry ${o} stands at seq ${row.seq}, after entry ${last.o}`);
      }
    }
    afterSeq = rows[rows.length - 1]!.seq;
    onProgress?.(count, total);
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { ok: problems.length === 0, entries: count, headSeq: head?.seq ?? null, headHash: head?.hash ?? null, problems };
}
