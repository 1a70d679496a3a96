import type { Db } from '../../db/connect.js';
import type { Principal } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { maskResidentId } from '../../lib/mask.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { presentPersonMasked } from './persons.js';
import type { DuplicateStatus } from './schema.js';
import { assertCanSeePerson } from './visibility.js';

/** Queues a suspected duplicate once (the same pair twice is one entry). */
export async function queueDuplicate(
  trx: Db,
  entry: { personId: string; candidateResidentId: string; candidate: Record<string, unknown>; reason: string; sourceRef: string },
): Promise<boolean> {
  const inserted = await trx
    .insertInto('duplicate_candidates')
    .values({ person_id: entry.personId, candidate_resident_id: entry.candidateResidentId, candidate: JSON.stringify(entry.candidate), reason: entry.reason, source_ref: entry.sourceRef })
    .onConflict((oc) => oc.columns(['person_id', 'candidate_resident_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return !!inserted;
}

/** Each queued pair with the existing person's row (for the masked view and the visibility check). */
function queueWithPersons(db: Db) {
  return db
    .selectFrom('duplicate_candidates as d')
    .innerJoin('persons as p', 'p.person_id', 'd.person_id')
    .selectAll('p')
    .select(['d.id', 'd.candidate', 'd.candidate_resident_id', 'd.reason', 'd.source_ref', 'd.status', 'd.created_at as queued_at']);
}
type Row = Awaited<ReturnType<ReturnType<typeof queueWithPersons>['execute']>>[number];

function present(r: Row) {
  const candidate = { ...(r.candidate as Record<string, unknown>), residentId: maskResidentId(r.candidate_resident_id) };
  return {
    id: r.id,
    personId: r.person_id,
    existing: presentPersonMasked(r),
    candidate,
    reason: r.reason,
    sourceRef: r.source_ref,
    status: r.status,
    createdAt: new Date(r.queued_at).toISOString(),
  };
}

export async function listDuplicates(db: Db, regionPrefix: string, status: DuplicateStatus) {
  const rows = await queueWithPersons(db)
    .where('d.status', '=', status)
    .where('p.region_code', 'like', `${regionPrefix}%`)
    .orderBy('d.id')
    .limit(200)
    .execute();
  return rows.map(present);
}

/** Records the reviewer's decision. Merging records is a separate, audited correction, never automatic. */
export async function resolveDuplicate(db: Db, actor: Actor, principal: Principal, id: number, decision: 'same_person' | 'different_persons', note: string | null) {
  return db.transaction().execute(async (trx) => {
    const row = await queueWithPersons(trx)
      .where('d.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND');
    assertCanSeePerson(principal, row);
    if (row.status !== 'open') throw new AppError('CONFLICT', { detail: 'already decided' });
    await trx.updateTable('duplicate_candidates').set({ status: decision, resolved_by: principal.userId, resolved_at: new Date() }).where('id', '=', id).execute();
    await appendAudit(trx, actor, { action: 'duplicate.resolve', objectType: 'duplicate_candidate', objectId: String(id), after: { decision, note } });
    return present({ ...row, status: decision });
  });
}
