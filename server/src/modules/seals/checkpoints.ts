import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { sealBatch, type ChainProblem } from '../audit/service.js';
import { activeKey, checkSignature, signWithKey } from './keys.js';

/** What a checkpoint signs: the chain head at one instant. */
export function checkpointStatement(c: { headSeq: number; headHash: string; signedAt: Date }): Uint8Array {
  return Buffer.from(canonicalJson({ type: 'tongban.audit.checkpoint', headSeq: c.headSeq, headHash: c.headHash, signedAt: c.signedAt.toISOString() }));
}

// Serialises checkpointing across replicas; a replica that does not get the lock skips the round.
const CHECKPOINT_LOCK_KEY = 774_412;

/**
 * Signs the current head of the audit chain with the audit-checkpoint key, unless it
 * is already checkpointed. Returns the checkpoint, or null when there was nothing new.
 */
export async function signAuditCheckpoint(db: Db): Promise<{ headSeq: number; headHash: string; keyId: string; signedAt: Date } | null> {
  return db.transaction().execute(async (trx) => {
    const locked = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${CHECKPOINT_LOCK_KEY}) as ok`.execute(trx);
    if (!locked.rows[0]?.ok) return null;
    // The key first: creating it appends an audit entry, which must come before the head we sign.
    const key = await activeKey(trx, 'audit_checkpoint');
    // Seal what is written (that entry included) so the head we sign is current.
    while ((await sealBatch(trx, { wait: true })) > 0);
    const head = await trx.selectFrom('audit_log').select(['seq', 'hash']).where('seq', 'is not', null).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (!head?.seq || !head.hash) return null;
    const done = await trx.selectFrom('audit_checkpoints').select('head_seq').where('head_seq', '=', head.seq).executeTakeFirst();
    if (done) return null;
    const signedAt = new Date();
    const [headSeq, headHash] = [head.seq, head.hash];
    const signature = signWithKey(key, checkpointStatement({ headSeq, headHash, signedAt }));
    await trx.insertInto('audit_checkpoints').values({ head_seq: headSeq, head_hash: headHash, signed_at: signedAt, key_id: key.key_id, signature: Buffer.from(signature).toString('base64') }).execute();
    return { headSeq, headHash, keyId: key.key_id, signedAt };
  });
}

/**
 * Checks every checkpoint: its signature verifies under a key good at the time, and
 * the hash it names is still in the chain at its seq. A checkpoint whose entry is gone
 * means entries were cut off the end (or the chain rewritten): the chain alone cannot show that.
 */
export async function verifyAuditCheckpoints(db: Db): Promise<{ checked: number; latest: number | null; problems: ChainProblem[] }> {
  const problems: ChainProblem[] = [];
  const cps = await db.selectFrom('audit_checkpoints').selectAll().orderBy('head_seq').execute();
  for (const cp of cps) {
    const signedAt = new Date(cp.signed_at);
    const check = await checkSignature(db, cp.key_id, checkpointStatement({ headSeq: cp.head_seq, headHash: cp.head_hash, signedAt }), Buffer.from(cp.signature, 'base64'), signedAt);
    if (!check.ok) {
      problems.push({ seq: cp.head_seq, kind: 'checkpoint', detail: `checkpoint at entry ${cp.head_seq}: ${check.reason.replace('_', ' ')} (key ${cp.key_id})` });
      continue;
    }
    const entry = await db.selectFrom('audit_log').select(['seq', 'hash']).where('hash', '=', cp.head_hash).executeTakeFirst();
    if (!entry) {
      const head = await db.selectFrom('audit_log').select('seq').where('seq', 'is not', null).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const cut = !head?.seq || head.seq < cp.head_seq;
      problems.push({
        seq: cp.head_seq,
        kind: 'checkpoint',
        detail: cut
          ? `entry ${cp.head_seq} signed in a checkpoint at ${signedAt.toISOString()} is gone: the chain now ends at ${head?.seq ?? 'nothing'} (entries were cut off)`
          : `entry ${cp.head_seq} signed in a checkpoint at ${signedAt.toISOString()} is no longer in the chain (rewritten)`,
      });
    } else if (entry.seq !== cp.head_seq) {
      problems.push({ seq: cp.head_seq, kind: 'checkpoint', detail: `the entry checkpointed as ${cp.head_seq} now stands at seq ${entry.seq}` });
    }
  }
  return { checked: cps.length, latest: cps.at(-1)?.head_seq ?? null, problems };
}
