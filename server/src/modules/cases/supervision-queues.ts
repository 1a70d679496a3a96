/**
 * The supervisor's two work queues beside the overdue board: overrides waiting for a second
 * person, and ratings (好差评) with the follow-up of poor ones (差评回访). Both are scoped like
 * the overdue board and case visibility: by the applicant's region.
 */
import type { Db } from '../../db/connect.js';
import type { Principal } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { appendAudit } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import type { Ctx } from './engine.js';
import type { FollowUpOutcome } from './schema.js';

/** 差评: 不满意 (2) and 非常不满意 (1) on the national five-grade scale. */
export const POOR_SCORE = 2;

const MAX_ROWS = 200;

function regionPrefix(p: Principal): string | null {
  return p.kind === 'staff' && p.scopeRegion ? `${p.scopeRegion}%` : null;
}

// ------------------------------------------------------------------------ overrides

export interface OverrideQueueEntry {
  id: string;
  caseId: string;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  ruleId: string;
  /** The condition's name as the decision recorded it (null if the trace no longer has it). */
  ruleName: { zh: string; en: string } | null;
  reason: string;
  status: 'requested' | 'approved' | 'refused';
  requestedBy: string;
  requestedByName: string | null;
  requestedAt: string;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  note: string | null;
  /** This caller may confirm or refuse it: holds override.approve and did not request it. */
  canDecide: boolean;
}

/** Overrides of cases in the caller's region: `pending` oldest first, `decided` newest first. */
export async function overrideQueue(db: Db, p: Principal, status: 'pending' | 'decided'): Promise<OverrideQueueEntry[]> {
  const prefix = regionPrefix(p);
  if (!prefix) return [];
  let q = db
    .selectFrom('overrides as o')
    .innerJoin('cases as c', 'c.id', 'o.case_id')
    .leftJoin('users as rq', 'rq.user_id', 'o.requested_by')
    .leftJoin('users as dc', 'dc.user_id', 'o.decided_by')
    .select(['o.id', 'o.case_id', 'o.rule_id', 'o.reason', 'o.status', 'o.requested_by', 'o.requested_at', 'o.decided_by', 'o.decided_at', 'o.decision_note'])
    .select(['c.tracking_no', 'c.item_code', 'c.item_name', 'c.decision', 'rq.display_name as requested_by_name', 'dc.display_name as decided_by_name'])
    .where('c.region_code', 'like', prefix);
  q = status === 'pending' ? q.where('o.status', '=', 'requested').orderBy('o.requested_at') : q.where('o.status', 'in', ['approved', 'refused']).orderBy('o.decided_at', 'desc');
  const rows = await q.limit(MAX_ROWS).execute();
  const mayApprove = p.permissions.has('override.approve');
  return rows.map((r) => {
    const trace = (r.decision as unknown as { trace?: { ruleId: string; name?: { zh: string; en: string } }[] }).trace ?? [];
    return {
      id: r.id,
      caseId: r.case_id,
      trackingNo: r.tracking_no,
      itemCode: r.item_code,
      itemName: r.item_name,
      ruleId: r.rule_id,
      ruleName: trace.find((t) => t.ruleId === r.rule_id)?.name ?? null,
      reason: r.reason,
      status: r.status,
      requestedBy: r.requested_by,
      requestedByName: r.requested_by_name,
      requestedAt: new Date(r.requested_at).toISOString(),
      decidedBy: r.decided_by,
      decidedByName: r.decided_by_name,
      decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
      note: r.decision_note,
      canDecide: r.status === 'requested' && mayApprove && r.requested_by !== p.userId,
    };
  });
}

// ------------------------------------------------------------------------ ratings

export interface RatingEntry {
  /** A rating is identified by its case: one rating per case. */
  id: string;
  caseId: string;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  score: number;
  comment: string | null;
  poor: boolean;
  /** Poor ratings only: open until followed up. */
  status: 'open' | 'followed_up' | null;
  channel: string;
  servicePointId: string | null;
  servicePointName: string | null;
  regionCode: string;
  ratedAt: string;
  followUp: { outcome: FollowUpOutcome; note: string; by: string; byName: string | null; at: string } | null;
}

export interface RatingCounts {
  total: number;
  /** Ratings with 1, 2, 3, 4 and 5 stars. */
  byScore: [number, number, number, number, number];
  poor: number;
  /** Poor ratings not yet followed up. */
  open: number;
  /** 好评率: ratings that are not poor (基本满意 and better) over all ratings; null with none. */
  satisfactionRate: number | null;
}

export interface RatingFilter {
  poor?: boolean | undefined;
  status?: 'open' | 'followed_up' | undefined;
}

function ratingsInRegion(db: Db, prefix: string) {
  return db
    .selectFrom('ratings as r')
    .innerJoin('cases as c', 'c.id', 'r.case_id')
    .leftJoin('rating_follow_ups as f', 'f.case_id', 'r.case_id')
    .where('c.region_code', 'like', prefix);
}

/** Ratings of cases in the caller's region, newest first; a status filter means poor ratings only. */
export async function listRatings(db: Db, p: Principal, filter: RatingFilter): Promise<RatingEntry[]> {
  const prefix = regionPrefix(p);
  return prefix ? selectRatings(db, prefix, filter) : [];
}

async function selectRatings(db: Db, prefix: string, filter: RatingFilter & { caseId?: string }): Promise<RatingEntry[]> {
  let q = ratingsInRegion(db, prefix)
    .leftJoin('service_points as sp', 'sp.id', 'c.service_point_id')
    .leftJoin('users as fu', 'fu.user_id', 'f.followed_up_by')
    .select(['r.case_id', 'r.score', 'r.comment', 'r.created_at', 'c.tracking_no', 'c.item_code', 'c.item_name', 'c.region_code', 'c.channel', 'c.service_point_id', 'sp.name as service_point_name'])
    .select(['f.outcome', 'f.note', 'f.followed_up_by', 'f.followed_up_at', 'fu.display_name as followed_up_by_name']);
  if (filter.poor || filter.status) q = q.where('r.score', '<=', POOR_SCORE);
  if (filter.status === 'open') q = q.where('f.case_id', 'is', null);
  if (filter.status === 'followed_up') q = q.where('f.case_id', 'is not', null);
  if (filter.caseId) q = q.where('r.case_id', '=', filter.caseId);
  const rows = await q.orderBy('r.created_at', 'desc').limit(MAX_ROWS).execute();
  return rows.map((r) => {
    const poor = r.score <= POOR_SCORE;
    const followed = r.followed_up_at !== null;
    return {
      id: r.case_id,
      caseId: r.case_id,
      trackingNo: r.tracking_no,
      itemCode: r.item_code,
      itemName: r.item_name,
      score: r.score,
      comment: r.comment,
      poor,
      status: poor ? (followed ? 'followed_up' : 'open') : null,
      channel: r.channel,
      servicePointId: r.service_point_id,
      servicePointName: r.service_point_name,
      regionCode: r.region_code,
      ratedAt: new Date(r.created_at).toISOString(),
      followUp: followed ? { outcome: r.outcome!, note: r.note!, by: r.followed_up_by!, byName: r.followed_up_by_name, at: new Date(r.followed_up_at!).toISOString() } : null,
    };
  });
}

/** Counts over every rating in the caller's region (not just the listed page). */
export async function ratingCounts(db: Db, p: Principal): Promise<RatingCounts> {
  const byScore: RatingCounts['byScore'] = [0, 0, 0, 0, 0];
  const prefix = regionPrefix(p);
  if (!prefix) return { total: 0, byScore, poor: 0, open: 0, satisfactionRate: null };
  const rows = await ratingsInRegion(db, prefix)
    .select(['r.score', (eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.count<string>('f.case_id').as('followed')])
    .groupBy('r.score')
    .execute();
  let open = 0;
  for (const r of rows) {
    byScore[r.score - 1] = Number(r.n);
    if (r.score <= POOR_SCORE) open += Number(r.n) - Number(r.followed);
  }
  const total = byScore.reduce((a, b) => a + b, 0);
  const poor = byScore.slice(0, POOR_SCORE).reduce((a, b) => a + b, 0);
  return { total, byScore, poor, open, satisfactionRate: total ? (total - poor) / total : null };
}

/**
 * 差评回访: records how a poor rating was followed up (once), in the rating's transaction
 * with its audit entry and event. A rating outside the caller's region is NOT_FOUND, as
 * its case would be.
 */
export async function followUpRating(db: Db, ctx: Ctx, p: Principal, caseId: string, input: { outcome: FollowUpOutcome; note: string }): Promise<RatingEntry> {
  const prefix = regionPrefix(p);
  if (!prefix) throw new AppError('NOT_FOUND');
  const note = input.note.trim();
  if (!note) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/note', reason: 'say what was done', code: 'required' }] });
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .selectFrom('ratings as r')
      .innerJoin('cases as c', 'c.id', 'r.case_id')
      .select(['r.case_id', 'r.score', 'r.person_id', 'r.org_id', 'c.tracking_no', 'c.item_code', 'c.region_code', 'c.service_point_id'])
      .where('r.case_id', '=', caseId)
      .forUpdate('r')
      .executeTakeFirst();
    if (!r || !r.region_code.startsWith(p.scopeRegion!)) throw new AppError('NOT_FOUND');
    if (r.score > POOR_SCORE) throw new AppError('RATING_NOT_POOR');
    const row = await trx
      .insertInto('rating_follow_ups')
      .values({ case_id: r.case_id, outcome: input.outcome, note, followed_up_by: p.userId, followed_up_at: ctx.now })
      .onConflict((oc) => oc.column('case_id').doNothing())
      .returning('case_id')
      .executeTakeFirst();
    if (!row) throw new AppError('RATING_FOLLOWED_UP');
    await appendAudit(trx, ctx.actor, {
      action: 'rating.followed_up',
      objectType: 'case',
      objectId: r.case_id,
      before: { status: 'open' },
      after: { status: 'followed_up', trackingNo: r.tracking_no, score: r.score, outcome: input.outcome, note },
    });
    await recordEvent(trx, {
      type: 'rating.followed_up',
      aggregateType: 'case',
      aggregateId: r.case_id,
      partitionKey: r.person_id ?? r.org_id ?? r.case_id,
      payload: { caseId: r.case_id, itemCode: r.item_code, score: r.score, outcome: input.outcome, regionCode: r.region_code, servicePointId: r.service_point_id },
    });
  });
  const [entry] = await selectRatings(db, prefix, { caseId });
  return entry!;
}

