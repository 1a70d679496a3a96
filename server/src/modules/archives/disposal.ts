import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { chinaToday } from './service.js';
import type { ArchiveStore } from './store.js';

/**
 * Disposal (销毁) of a record past its retention, in two hands: one person proposes,
 * another (permission archive.dispose) approves. Only then are the bytes removed; the
 * metadata row stays, marked disposed, with the approval in the audit trail. Nothing
 * is deleted any other way.
 */
export async function proposeDisposal(db: Db, actor: Actor, recordId: string, reason: string, today = chinaToday()): Promise<{ disposalId: string }> {
  return db.transaction().execute(async (trx) => {
    const r = await trx.selectFrom('archive_records').selectAll().where('id', '=', recordId).forUpdate().executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND');
    if (r.disposal_status !== 'retained') throw new AppError('ARCHIVE_DISPOSAL_NOT_ALLOWED', { detail: `the record is already ${r.disposal_status}` });
    if (r.retain_until === null) throw new AppError('ARCHIVE_DISPOSAL_NOT_ALLOWED', { detail: 'the record is kept permanently' });
    if (r.retain_until > today) throw new AppError('ARCHIVE_DISPOSAL_NOT_ALLOWED', { detail: `the record must be kept until ${r.retain_until}` });
    if (!actor.userId) throw new AppError('FORBIDDEN');
    const id = uuid7();
    await trx.insertInto('archive_disposals').values({ id, record_id: recordId, person_id: r.person_id, reason, proposed_by: actor.userId, proposed_at: new Date(), status: 'proposed', decided_by: null, decided_at: null }).execute();
    await trx.updateTable('archive_records').set({ disposal_status: 'proposed' }).where('id', '=', recordId).execute();
    await appendAudit(trx, actor, { action: 'archive.disposal.proposed', objectType: 'archive_record', objectId: recordId, after: { disposalId: id, reason, retainUntil: r.retain_until } });
    await recordEvent(trx, { type: 'archive.disposal.proposed', aggregateType: 'archive_record', aggregateId: recordId, payload: { disposalId: id } });
    return { disposalId: id };
  });
}

/** Approves (bytes removed after commit) or rejects (record retained again) a proposal. The approver must not be the proposer. */
export async function decideDisposal(db: Db, store: ArchiveStore, actor: Actor, disposalId: string, approve: boolean): Promise<{ recordId: string; status: 'approved' | 'rejected' }> {
  const result = await db.transaction().execute(async (trx) => {
    const d = await trx.selectFrom('archive_disposals').selectAll().where('id', '=', disposalId).forUpdate().executeTakeFirst();
    if (!d) throw new AppError('NOT_FOUND');
    if (d.status !== 'proposed') throw new AppError('ARCHIVE_DISPOSAL_NOT_ALLOWED', { detail: `the proposal is already ${d.status}` });
    if (!actor.userId || actor.userId === d.proposed_by) throw new AppError('ARCHIVE_DISPOSAL_SAME_PERSON');
    const status = approve ? ('approved' as const) : ('rejected' as const);
    const now = new Date();
    await trx.updateTable('archive_disposals').set({ status, decided_by: actor.userId, decided_at: now }).where('id', '=', disposalId).execute();
    const rec = await trx
      .updateTable('archive_records')
      .set(approve ? { disposal_status: 'disposed', disposed_at: now } : { disposal_status: 'retained' })
      .where('id', '=', d.record_id)
      .returning(['storage_key', 'sm3'])
      .executeTakeFirstOrThrow();
    await appendAudit(trx, actor, { action: approve ? 'archive.disposed' : 'archive.disposal.rejected', objectType: 'archive_record', objectId: d.record_id, before: { proposedBy: d.proposed_by, reason: d.reason }, after: { disposalId, status, sm3: rec.sm3 } });
    await recordEvent(trx, { type: approve ? 'archive.disposed' : 'archive.disposal.rejected', aggregateType: 'archive_record', aggregateId: d.record_id, payload: { disposalId } });
    return { recordId: d.record_id, status, storageKey: rec.storage_key };
  });
  if (result.status === 'approved') {
    // Content-addressed: the same bytes may back another record still retained.
    const others = await db.selectFrom('archive_records').select('id').where('storage_key', '=', result.storageKey).where('disposal_status', '!=', 'disposed').limit(1).executeTakeFirst();
    if (!others) await store.remove(result.storageKey);
  }
  return { recordId: result.recordId, status: result.status };
}
