/** Reads of cases and task queues, each within the caller's visibility. */
import type { Db } from '../../db/connect.js';
import type { Principal } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { appendAudit } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { FINAL_STATUSES } from './schema.js';
import type { CaseRow, Ctx, Staff, TaskRow } from './engine.js';
import { dueFlag, flagContext, overridesOf, type DueFlag } from './supervision.js';
import type { MissingMaterial } from './engine.js';

export async function listCases(db: Db, p: Principal, q: { status?: string; itemCode?: string; trackingNo?: string; personId?: string; limit?: number }): Promise<CaseRow[]> {
  let query = db.selectFrom('cases').selectAll();
  if (p.kind === 'citizen') {
    // A citizen's own cases, or their organisation's for an employer agent: nobody else's.
    if (p.orgId && p.roles.includes('employer_agent')) query = query.where('org_id', '=', p.orgId);
    else if (p.personId) query = query.where('person_id', '=', p.personId);
    else return [];
  } else {
    if (!p.scopeRegion) return [];
    // Their region's applicants, and the applications they took at the counter for anyone (通办).
    const prefix = `${p.scopeRegion}%`;
    query = query.where((eb) => eb.or([eb('region_code', 'like', prefix), eb('submitted_by', '=', p.userId)]));
  }
  if (q.status) query = query.where('status', '=', q.status as CaseRow['status']);
  if (q.itemCode) query = query.where('item_code', '=', q.itemCode);
  if (q.trackingNo) query = query.where('tracking_no', '=', q.trackingNo.toUpperCase());
  if (q.personId) query = query.where('person_id', '=', q.personId);
  return query.orderBy('created_at', 'desc').limit(q.limit ?? 50).execute();
}

/**
 * What a case detail shows beyond the case row. `audience` is who reads it: a citizen gets
 * the outcome and date of their poor rating's follow-up (差评回访) but not the supervisor's
 * record of it or staff names, and of each override only its rule, status and dates; staff
 * get everything.
 */
export async function caseDetail(db: Db, c: CaseRow, audience: 'citizen' | 'staff') {
  const staff = audience === 'staff';
  const [tasks, events, notices, rating, overrides, ctx] = await Promise.all([
    db.selectFrom('tasks').selectAll().where('case_id', '=', c.id).orderBy('created_at').execute(),
    db.selectFrom('case_events').selectAll().where('case_id', '=', c.id).orderBy('id').execute(),
    db.selectFrom('notices').selectAll().where('case_id', '=', c.id).orderBy('created_at').execute(),
    db
      .selectFrom('ratings as r')
      .leftJoin('rating_follow_ups as f', 'f.case_id', 'r.case_id')
      .leftJoin('users as fu', 'fu.user_id', 'f.followed_up_by')
      .select(['r.score', 'r.comment', 'r.created_at', 'f.outcome', 'f.note', 'f.followed_up_at', 'fu.display_name as followed_up_by_name'])
      .where('r.case_id', '=', c.id)
      .executeTakeFirst(),
    overridesOf(db, c.id, audience),
    flagContext(db),
  ]);
  const followUp = rating?.followed_up_at
    ? { outcome: rating.outcome!, at: new Date(rating.followed_up_at).toISOString(), ...(staff ? { note: rating.note!, byName: rating.followed_up_by_name } : {}) }
    : null;
  return {
    answers: c.answers,
    materials: c.materials,
    decisionOutcome: String((c.decision as { outcome?: string }).outcome ?? 'undetermined'),
    tasks: tasks.map((t) => ({ row: t, flag: (t.status === 'open' || t.status === 'claimed' ? dueFlag(t.due_date, ctx.today, ctx.soonLimit) : null) as DueFlag | null })),
    history: events.map((e) => ({ at: new Date(e.at).toISOString(), kind: e.kind, fromStatus: e.from_status, toStatus: e.to_status, detail: e.detail })),
    notices: notices.map((n) => ({ number: n.number, kind: n.kind, issuedAt: new Date(n.created_at).toISOString(), missing: n.missing as MissingMaterial[] })),
    rating: rating ? { score: rating.score, comment: rating.comment, at: new Date(rating.created_at).toISOString(), followUp } : null,
    overrides,
  };
}

type QueueRow = TaskRow & { tracking_no: string; item_code: string; item_name: string };

/** `mine`: tasks I claimed; `available`: open tasks of my roles in my scope (central tasks by the applicant's region). */
export async function listTasks(db: Db, staff: Staff, queue: 'mine' | 'available', limit: number): Promise<QueueRow[]> {
  let q = db.selectFrom('tasks as t').innerJoin('cases as c', 'c.id', 't.case_id').selectAll('t').select(['c.tracking_no', 'c.item_code', 'c.item_name']);
  if (queue === 'mine') q = q.where('t.status', '=', 'claimed').where('t.claimed_by', '=', staff.userId);
  else {
    if (!staff.scopeRegion || staff.roles.length === 0) return [];
    const prefix = `${staff.scopeRegion}%`;
    q = q
      .where('t.status', '=', 'open')
      .where('t.role', 'in', [...staff.roles])
      .where((eb) =>
        eb.or([
          eb.and([eb('t.scope', 'not like', 'central:%'), eb('t.scope', 'like', prefix)]),
          eb.and([eb('t.scope', 'like', 'central:%'), eb('t.region_code', 'like', prefix)]),
        ]),
      );
  }
  return q.orderBy('t.due_date').orderBy('t.created_at').limit(limit).execute() as Promise<QueueRow[]>;
}

/** 好差评: once per finished case, by its applicant. */
export async function rateCase(db: Db, ctx: Ctx, c: CaseRow, userId: string, score: number, comment: string | null): Promise<void> {
  if (!FINAL_STATUSES.includes(c.status) || c.status === 'withdrawn') throw new AppError('CASE_STATE', { detail: 'a case is rated when it is finished' });
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('ratings')
      .values({ case_id: c.id, person_id: c.person_id, org_id: c.org_id, score, comment, rated_by: userId })
      .onConflict((oc) => oc.column('case_id').doNothing())
      .returning('case_id')
      .executeTakeFirst();
    if (!row) throw new AppError('ALREADY_RATED');
    await appendAudit(trx, ctx.actor, { action: 'case.rated', objectType: 'case', objectId: c.id, after: { score, trackingNo: c.tracking_no } });
    await recordEvent(trx, { type: 'case.rated', aggregateType: 'case', aggregateId: c.id, partitionKey: c.person_id ?? c.org_id ?? c.id, payload: { caseId: c.id, itemCode: c.item_code, score, channel: c.channel, servicePointId: c.service_point_id } });
  });
}
