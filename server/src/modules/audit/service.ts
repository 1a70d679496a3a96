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

// A fixed advisory-lock key lets one sealer at a time extend the chain, across every
// replica: the chain has one head, and two sealers must never both extend it.
const AUDIT_LOCK_KEY = 774_411;

/**
 * Appends one entry. Use the transaction of the action itself, so an action and its
 * audit entry commit together or not at all. Returns the entry's id (its place in the
 * chain, seq, comes when it is sealed).
 */
export async function appendAudit(trx: Db, actor: Actor, input: AuditEntryInput): Promise<number> {
  const [id] = await appendAudits(trx, [{ actor, input }]);
  return id!;
}

/**
 * Appends several entries at once, in order, in one statement. No lock and no read of the
 * chain head: writers never wait for each other (P3 in docs/PERFORMANCE.md). The entries are
 * sealed into the chain by `sealAudit` (the server does it every AUDIT_SEAL_MS, default
 * 200 ms; verification and checkpoints seal first), in the order they were written.
 */
export async function appendAudits(trx: Db, entries: { actor: Actor; input: AuditEntryInput }[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const ids = await trx.insertInto('audit_log').values(auditRows(entries)).returning('id').execute();
  return ids.map((r) => r.id);
}

/** The rows appendAudits inserts: for a caller that writes several tables in one statement (cases/engine.ts). */
export function auditRows(entries: { actor: Actor; input: AuditEntryInput }[]) {
  // Milliseconds, as the hash will read it back (a JS Date): timestamptz keeps microseconds.
  const at = new Date();
  return entries.map(({ actor, input }) => ({
    at,
    actor_id: actor.userId,
    actor_role: actor.role,
    channel: actor.channel,
    service_point_id: actor.servicePointId,
    ip: actor.ip,
    action: input.action,
    object_type: input.objectType ?? null,
    object_id: input.objectId ?? null,
    before: input.before == null ? null : JSON.stringify(input.before),
    after: input.after == null ? null : JSON.stringify(input.after),
  }));
}

/** How many entries one sealing transaction takes (bounded memory, short lock). */
const SEAL_BATCH = 2000;

/**
 * Seals written entries into the chain: gives each committed, unsealed entry the next seq, the
 * previous entry's hash and its own hash, oldest first. One sealer at a time: when another
 * replica is sealing, returns 0 at once instead of waiting. Returns how many it sealed; seals
 * until nothing is left unless `once`.
 */
export async function sealAudit(db: Db, opts: { once?: boolean } = {}): Promise<number> {
  let total = 0;
  for (;;) {
    // The timer finds nothing to seal most of the time: then one read of the partial index,
    // not a transaction with the lock (BEGIN, lock, read, COMMIT) five times a second.
    if (!(await anyUnsealed(db))) return total;
    const n = await db.transaction().execute((trx) => sealBatch(trx, { wait: false }));
    if (n <= 0) return total;
    total += n;
    if (opts.once || n < SEAL_BATCH) return total;
  }
}

/**
 * One sealing step inside the caller's transaction: up to SEAL_BATCH entries. With `wait`, waits
 * for another sealer to finish (a checkpoint must sign a head that includes its own entries);
 * without, returns -1 when another sealer holds the chain.
 */
export async function sealBatch(trx: Db, opts: { wait: boolean }): Promise<number> {
  if (opts.wait) await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
  else {
    const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${AUDIT_LOCK_KEY}) as ok`.execute(trx);
    if (!rows[0]?.ok) return -1;
  }
  const pending = await trx.selectFrom('audit_log').selectAll().where('seq', 'is', null).orderBy('id').limit(SEAL_BATCH).execute();
  if (pending.length === 0) return 0;
  const head = await trx.selectFrom('audit_log').select(['seq', 'hash']).where('seq', 'is not', null).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const sealed = pending.map((r) => {
    const fields: ChainedFields = { ...(r as unknown as ChainedFields), seq: ++seq, at: new Date(r.at as unknown as Date) };
    const hash = entryHash(prevHash, fields);
    const out = { id: r.id, seq, prevHash, hash };
    prevHash = hash;
    return out;
  });
  const values = sql.join(sealed.map((e) => sql`(${e.id}::bigint, ${e.seq}::bigint, ${e.prevHash}::text, ${e.hash}::text)`));
  await sql`update audit_log set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
    from (values ${values}) as v(id, seq, prev_hash, hash) where audit_log.id = v.id and audit_log.seq is null`.execute(trx);
  return sealed.length;
}

async function anyUnsealed(db: Db): Promise<boolean> {
  return (await db.selectFrom('audit_log').select('id').where('seq', 'is', null).limit(1).executeTakeFirst()) !== undefined;
}

/** How many written entries wait to be sealed. */
export async function unsealedAuditEntries(db: Db): Promise<number> {
  const r = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('seq', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Seals on a timer (every replica runs one; the advisory lock lets one seal at a time).
 * Returns a stop function that waits for a running seal to finish.
 */
export function startAuditSealer(db: Db, log: { error: (o: object, msg: string) => void }, everyMs = 200): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sealAudit(db)
      .catch((err) => log.error({ err }, 'sealing the audit trail failed'))
      .finally(() => {
        running = null;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
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
  /** Sealed entries walked. */
  entries: number;
  /** Entries written but not sealed yet (committed after verification started sealing). */
  unsealed: number;
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
  // What has been written is sealed first, so the report covers every entry up to now.
  await sealAudit(db);
  const total = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('seq', 'is not', null).executeTakeFirstOrThrow()).n);
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
    afterSeq = rows[rows.length - 1]!.seq!;
    onProgress?.(count, total);
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { ok: problems.length === 0, entries: count, unsealed: await unsealedAuditEntries(db), headSeq: head?.seq ?? null, headHash: head?.hash ?? null, problems };
}
