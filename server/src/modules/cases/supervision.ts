/**
 * 监督管理: time-limit flags, escalation of overdue tasks to supervisors, and overrides
 * of rule outcomes (a reason and a second person).
 */
import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, SYSTEM_ACTOR } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { addWorkingDays } from './ports.js';
import { chinaDate } from './clock.js';
import { lockCase, recordTransition, runInTx, type Ctx, type TaskRow } from './engine.js';
import type { TimerHandler } from './timers.js';

export type DueFlag = 'green' | 'yellow' | 'red';

/**
 * yellow: at most one working day left (due today or on the next working day);
 * red: the due date has passed. `soonLimit` = addWorkingDays(today, 1), computed once per list.
 */
export function dueFlag(dueDate: string, today: string, soonLimit: string): DueFlag {
  if (dueDate < today) return 'red';
  if (dueDate <= soonLimit) return 'yellow';
  return 'green';
}

export async function flagContext(db: Db, now: Date = new Date()): Promise<{ today: string; soonLimit: string }> {
  const today = chinaDate(now);
  return { today, soonLimit: await addWorkingDays(db, today, 1) };
}

/**
 * The overdue timer: a task still open or claimed after its promised day is escalated to
 * the supervisors of its region: one escalation row (unique per task) and an event.
 */
export const overdueHandler: TimerHandler = async (trx, timer, now) => {
  const taskId = String(timer.payload.taskId);
  const t = await trx.selectFrom('tasks').selectAll().where('id', '=', taskId).forUpdate().executeTakeFirst();
  if (!t || (t.status !== 'open' && t.status !== 'claimed')) return;
  // The due date may have moved (a calendar change): only a task really past it is escalated.
  if (t.due_date >= chinaDate(now)) return;
  await escalateTask(trx, t, now);
};

export async function escalateTask(trx: Db, t: TaskRow, now: Date): Promise<boolean> {
  const inserted = await trx
    .insertInto('escalations')
    .values({ id: uuid7(), task_id: t.id, case_id: t.case_id, person_id: t.person_id, org_id: t.org_id, region_code: t.region_code, scope: t.scope, due_date: t.due_date, escalated_at: now })
    .onConflict((oc) => oc.column('task_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return false;
  await trx.updateTable('tasks').set({ escalated_at: now }).where('id', '=', t.id).execute();
  await appendAudit(trx, SYSTEM_ACTOR, { action: 'task.escalated', objectType: 'task', objectId: t.id, after: { caseId: t.case_id, step: t.step_key, dueDate: t.due_date, scope: t.scope } });
  await recordEvent(trx, {
    type: 'task.escalated',
    aggregateType: 'task',
    aggregateId: t.id,
    partitionKey: t.person_id ?? t.org_id ?? t.case_id,
    payload: { taskId: t.id, caseId: t.case_id, step: t.step_key, role: t.role, scope: t.scope, regionCode: t.region_code, dueDate: t.due_date, escalationId: inserted.id },
  });
  return true;
}

export interface OverdueEntry {
  taskId: string;
  caseId: string;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  step: string;
  role: string;
  scope: string;
  status: string;
  claimedBy: string | null;
  dueDate: string;
  statutoryDue: string;
  flag: DueFlag;
  escalatedAt: string | null;
}

/** Red and yellow tasks whose applicant lives in the supervisor's region (escalated first). */
export async function overdueTasks(db: Db, scopeRegion: string, opts: { includeYellow?: boolean; now?: Date; limit?: number } = {}): Promise<OverdueEntry[]> {
  const { today, soonLimit } = await flagContext(db, opts.now);
  const rows = await db
    .selectFrom('tasks as t')
    .innerJoin('cases as c', 'c.id', 't.case_id')
    .select(['t.id', 't.case_id', 'c.tracking_no', 'c.item_code', 'c.item_name', 't.step_key', 't.role', 't.scope', 't.status', 't.claimed_by', 't.due_date', 't.statutory_due', 't.escalated_at'])
    .where('t.status', 'in', ['open', 'claimed'])
    .where('t.region_code', 'like', `${scopeRegion}%`)
    .where('t.due_date', opts.includeYellow === false ? '<' : '<=', opts.includeYellow === false ? today : soonLimit)
    .orderBy('t.due_date')
    .limit(opts.limit ?? 200)
    .execute();
  return rows.map((r) => ({
    taskId: r.id,
    caseId: r.case_id,
    trackingNo: r.tracking_no,
    itemCode: r.item_code,
    itemName: r.item_name,
    step: r.step_key,
    role: r.role,
    scope: r.scope,
    status: r.status,
    claimedBy: r.claimed_by,
    dueDate: r.due_date,
    statutoryDue: r.statutory_due,
    flag: dueFlag(r.due_date, today, soonLimit),
    escalatedAt: r.escalated_at ? new Date(r.escalated_at).toISOString() : null,
  }));
}

// ------------------------------------------------------------------------ overrides

export interface OverrideView {
  id: string;
  caseId: string;
  ruleId: string;
  reason: string;
  status: string;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
}

function presentOverride(o: { id: string; case_id: string; rule_id: string; reason: string; status: string; requested_by: string; requested_at: Date; decided_by: string | null; decided_at: Date | null; decision_note: string | null }): OverrideView {
  return {
    id: o.id,
    caseId: o.case_id,
    ruleId: o.rule_id,
    reason: o.reason,
    status: o.status,
    requestedBy: o.requested_by,
    requestedAt: new Date(o.requested_at).toISOString(),
    decidedBy: o.decided_by,
    decidedAt: o.decided_at ? new Date(o.decided_at).toISOString() : null,
    note: o.decision_note,
  };
}

/** Step one of an override: a named failing rule, a reason, the requester. */
export async function requestOverride(db: Db, ctx: Ctx, requestedBy: string, caseId: string, input: { ruleId: string; reason: string }): Promise<OverrideView> {
  return runInTx(db, ctx, async (trx, ctx) => {
    const c = await lockCase(trx, caseId);
    if (['not_accepted', 'rejected', 'withdrawn', 'completed', 'delivered', 'approved'].includes(c.status)) throw new AppError('CASE_STATE', { detail: `the case is ${c.status}` });
    const trace = ((c.decision as unknown as { trace?: { ruleId: string; result: string }[] }).trace ?? []);
    const rule = trace.find((t) => t.ruleId === input.ruleId);
    if (!rule || rule.result !== 'fail') {
      throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/ruleId', reason: 'only a rule that failed in this case can be overridden', code: 'not_failing' }] });
    }
    const row = await trx
      .insertInto('overrides')
      .values({ id: uuid7(), case_id: c.id, person_id: c.person_id, org_id: c.org_id, rule_id: input.ruleId, reason: input.reason, requested_by: requestedBy, status: 'requested', decided_by: null, decided_at: null, decision_note: null })
      .onConflict((oc) => oc.columns(['case_id', 'rule_id']).where('status', '=', sql.lit('requested')).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('CONFLICT', { detail: 'an override of this rule is already waiting for confirmation' });
    await recordTransition(trx, ctx, c, { kind: 'override.requested', from: c.status, detail: { overrideId: row.id, ruleId: input.ruleId, reason: input.reason } });
    return presentOverride(row);
  });
}

/** Step two: another person with override.approve confirms or refuses. Never the requester. */
export async function decideOverride(db: Db, ctx: Ctx, decidedBy: string, overrideId: string, input: { approve: boolean; note?: string | undefined }): Promise<OverrideView> {
  return runInTx(db, ctx, async (trx, ctx) => {
    const o = await trx.selectFrom('overrides').selectAll().where('id', '=', overrideId).forUpdate().executeTakeFirst();
    if (!o) throw new AppError('NOT_FOUND');
    if (o.requested_by === decidedBy) throw new AppError('OVERRIDE_SECOND_PERSON');
    const row = await trx
      .updateTable('overrides')
      .set({ status: input.approve ? 'approved' : 'refused', decided_by: decidedBy, decided_at: ctx.now, decision_note: input.note ?? null })
      .where('id', '=', overrideId)
      .where('status', '=', 'requested')
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('CONFLICT', { detail: `the override was already ${o.status}` });
    const c = await trx.selectFrom('cases').selectAll().where('id', '=', o.case_id).executeTakeFirstOrThrow();
    await recordTransition(trx, ctx, c, { kind: input.approve ? 'override.approved' : 'override.refused', from: c.status, detail: { overrideId: row.id, ruleId: row.rule_id, requestedBy: row.requested_by } });
    return presentOverride(row);
  });
}

/** An override as a case shows it; for its applicant the staff-only parts are null. */
export interface CaseOverrideView extends Omit<OverrideView, 'reason' | 'requestedBy'> {
  reason: string | null;
  requestedBy: string | null;
  requestedByName: string | null;
  decidedByName: string | null;
}

/**
 * A case's overrides, oldest first. Staff see who asked and who decided, by name, and why. A
 * citizen reading their own case sees only what concerns them: which rule, where it stands and
 * when; the internal reason, the decision note and staff ids and names stay with staff.
 */
export async function overridesOf(db: Db, caseId: string, audience: 'citizen' | 'staff'): Promise<CaseOverrideView[]> {
  const rows = await db
    .selectFrom('overrides as o')
    .leftJoin('users as rq', 'rq.user_id', 'o.requested_by')
    .leftJoin('users as dc', 'dc.user_id', 'o.decided_by')
    .selectAll('o')
    .select(['rq.display_name as requested_by_name', 'dc.display_name as decided_by_name'])
    .where('o.case_id', '=', caseId)
    .orderBy('o.requested_at')
    .orderBy('o.id')
    .execute();
  return rows.map((r) => {
    const o = presentOverride(r);
    if (audience === 'staff') return { ...o, requestedByName: r.requested_by_name, decidedByName: r.decided_by_name };
    return { ...o, reason: null, requestedBy: null, decidedBy: null, note: null, requestedByName: null, decidedByName: null };
  });
}

/** Escalations not yet acknowledged, in a supervisor's region. */
export async function openEscalations(db: Db, scopeRegion: string) {
  return db
    .selectFrom('escalations as e')
    .innerJoin('cases as c', 'c.id', 'e.case_id')
    .select(['e.id', 'e.task_id', 'e.case_id', 'c.tracking_no', 'e.scope', 'e.due_date', 'e.escalated_at'])
    .where('e.acknowledged_at', 'is', null)
    .where('e.region_code', 'like', `${scopeRegion}%`)
    .orderBy('e.escalated_at')
    .limit(500)
    .execute();
}
