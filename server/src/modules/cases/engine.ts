/**
 * The case (办件) and task engine. Every transition runs in one transaction that
 * changes the case and its tasks, writes the case history, an audit entry and an
 * outbox event together. Tasks are queued for a role in a scope, never for a person;
 * two people finishing one task is settled by a conditional UPDATE (one wins, the
 * other gets CONFLICT).
 */
import { CompiledQuery, sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from '../../db/connect.js';
import { SOLE_STATEMENT } from '../../db/lazy-begin.js';
import { insertRows } from '../../db/insert-rows.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, auditRows, type Actor, type AuditEntryInput } from '../audit/service.js';
import { outboxRows, recordEvent, type DomainEvent } from '../events/outbox.js';
import type { Citation } from '../policy/types.js';
import type { ItemStep, ServiceItem } from '../catalogue/types.js';
import type { CaseEventTable, CaseStatus, CaseTable, TaskTable, TimerTable } from './schema.js';
import { FINAL_STATUSES } from './schema.js';
import { addWorkingDays, itemVersion } from './ports.js';
import { requestDocument } from './documents.js';
import { chinaDate, chinaMidnight, nextDay } from './clock.js';
import { nextNoticeNo } from './tracking.js';

export type CaseRow = Selectable<CaseTable>;
export type TaskRow = Selectable<TaskTable>;

/** The staff member doing something: who, with which roles, seeing which region prefix. */
export interface Staff {
  userId: string;
  roles: readonly string[];
  scopeRegion: string | null;
}

export const SYSTEM_STAFF: Staff = { userId: '00000000-0000-7000-8000-000000000000', roles: [], scopeRegion: null };

/** What each kind of step may do with its task. */
export const STEP_ACTIONS: Record<string, readonly string[]> = {
  accept: ['accept', 'not_accept', 'request_correction'],
  review: ['approve', 'reject'],
  approve: ['approve', 'reject'],
  complete: ['complete'],
  deliver: ['deliver'],
};
export type TaskAction = 'accept' | 'not_accept' | 'request_correction' | 'approve' | 'reject' | 'complete' | 'deliver';

export interface ActionInput {
  action: TaskAction;
  reason?: string | undefined;
  citation?: Citation | undefined;
  /** For request_correction: the material codes still missing. */
  missing?: { code: string; reason?: string | undefined }[] | undefined;
}

export interface Ctx {
  actor: Actor;
  now: Date;
  /**
   * What this transaction writes at its end, all in ONE statement: history rows, outbox events,
   * timers and audit entries. Every statement is a round trip to the database, and round trips
   * are most of a transition's cost (P3 in docs/PERFORMANCE.md).
   */
  deferred?: Deferred;
}

interface Deferred {
  /** A case created by this transition: the final statement's first insert (createCase). */
  newCase: Insertable<CaseTable> | null;
  /** Tasks this transition opened (the next step's), for the caller to hand on. */
  opened: TaskRow[];
  /** New tasks, inserted by the final statement (their ids are made here, so nothing waits for them). */
  tasks: TaskRow[];
  /** The transition's one guarded case UPDATE, the final statement's main query. */
  caseUpdate: { original: CaseRow; patch: CasePatch } | null;
  history: Insertable<CaseEventTable>[];
  events: DomainEvent[];
  timers: Insertable<TimerTable>[];
  audits: { actor: Actor; input: AuditEntryInput }[];
}

/** Appends now, or at the end of the transaction when the context defers (runInTx). */
export async function audit(trx: Db, ctx: Ctx, input: AuditEntryInput): Promise<void> {
  if (ctx.deferred) ctx.deferred.audits.push({ actor: ctx.actor, input });
  else await appendAudit(trx, ctx.actor, input);
}

async function event(trx: Db, ctx: Ctx, e: DomainEvent): Promise<void> {
  if (ctx.deferred) ctx.deferred.events.push(e);
  else await recordEvent(trx, e);
}

async function history(trx: Db, ctx: Ctx, row: Insertable<CaseEventTable>): Promise<void> {
  if (ctx.deferred) ctx.deferred.history.push(row);
  else await trx.insertInto('case_events').values(row).execute();
}

function emptyDeferred(): Deferred {
  return { newCase: null, opened: [], tasks: [], caseUpdate: null, history: [], events: [], timers: [], audits: [] };
}

/** One transaction for one transition: the change, then its history, events, timers and audit entries in one statement, then commit. */
export async function runInTx<T>(db: Db, ctx: Ctx, fn: (trx: Db, ctx: Ctx) => Promise<T>): Promise<T> {
  const run = async (trx: Db) => {
    const inner: Ctx = { ...ctx, deferred: ctx.deferred ?? emptyDeferred() };
    const out = await fn(trx, inner);
    // Owning the transaction, the deferred statement is its last: when it is also the first, it
    // needs no BEGIN and COMMIT (db/lazy-begin.ts).
    if (!ctx.deferred) await writeDeferred(trx, inner.deferred!, { last: !db.isTransaction });
    return out;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/**
 * Everything deferred as ONE statement: the inserts as data-modifying CTEs and, when the transition
 * changed the case, its guarded UPDATE as the main query (PostgreSQL checks the foreign keys at the
 * end of the statement, so the tasks and history rows may reference each other).
 */
async function writeDeferred(trx: Db, d: Deferred, opts: { take?: CompiledQuery; last?: boolean } = {}): Promise<void> {
  const { take } = opts;
  const send = (queries: CompiledQuery[]) => trx.executeQuery(oneStatement(queries, opts.last ? SOLE_STATEMENT : ''));
  // Each part, and what it must have done (one row) for the statement to stand.
  const parts: { q: CompiledQuery; expect?: 'task' | 'client_key' | 'case' }[] = [];
  if (take) parts.push({ q: take, expect: 'task' });
  // A retry with the same client key finds its case already made: nothing of this statement stays.
  if (d.newCase) parts.push({ q: insertRows('cases', [d.newCase], 'on conflict ("client_key") do nothing returning "id"'), expect: 'client_key' });
  if (d.tasks.length) parts.push({ q: insertRows('tasks', d.tasks) });
  if (d.history.length) parts.push({ q: insertRows('case_events', d.history) });
  if (d.events.length) parts.push({ q: insertRows('outbox', outboxRows(d.events)) });
  if (d.timers.length) parts.push({ q: insertRows('timers', d.timers, 'on conflict ("dedup_key") do nothing') });
  if (d.audits.length) parts.push({ q: insertRows('audit_log', auditRows(d.audits)) });
  if (d.caseUpdate) parts.push({ q: caseUpdateQuery(trx, d.caseUpdate.original, d.caseUpdate.patch).returning('id').compile(), expect: 'case' });
  if (parts.length === 0) return;
  const checks = parts.flatMap((p, i) => (p.expect ? [`tongban_expect((select count(*) from w${i}) = 1, '${p.expect}')`] : []));
  if (checks.length === 0) {
    await send(parts.map((p) => p.q));
    return;
  }
  // The main query checks what the parts did; a false check aborts the whole statement, every
  // part with it (SQLSTATE TB409, raised by tongban_expect).
  try {
    await send([...parts.map((p) => p.q), CompiledQuery.raw(`select ${checks.join(', ')}`, [])]);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code !== 'TB409') throw e;
    if (err.message === 'client_key') throw new DuplicateClientKey();
    throw new AppError('CONFLICT', { detail: err.message === 'task' ? 'the task was completed or claimed by someone else' : 'the case was changed concurrently' });
  }
}

/** The case a transition was creating exists already under its client key (a retried request). */
export class DuplicateClientKey extends Error {
  constructor() {
    super('a case with this client key exists already');
  }
}

// A transition of one kind sends the same statement text every time: renumbering its
// placeholders is done once per shape (the texts of its parts), not per transition.
const STATEMENT_TEXTS_MAX = 500;
const statementTexts = new Map<string, string>();

/**
 * `with w0 as (q0), w1 as (q1) qN` from compiled queries, their $n parameters renumbered,
 * after `prefix` (a comment such as SOLE_STATEMENT).
 * Kysely passes every value as a parameter, so `$<digits>` in its SQL is always a placeholder.
 */
export function oneStatement(queries: CompiledQuery[], prefix = ''): CompiledQuery {
  const parameters = queries.flatMap((q) => q.parameters);
  const key = `${prefix}\u0000${queries.map((q) => q.sql).join('\u0000')}`;
  let text = statementTexts.get(key);
  if (text === undefined) {
    let offset = 0;
    const texts = queries.map((q) => {
      const at = offset;
      offset += q.parameters.length;
      return q.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + at}`);
    });
    const last = texts.pop()!;
    text = prefix + (texts.length ? `with ${texts.map((t, i) => `w${i} as (${t})`).join(', ')} ${last}` : last);
    if (statementTexts.size >= STATEMENT_TEXTS_MAX) statementTexts.clear();
    statementTexts.set(key, text);
  }
  return CompiledQuery.raw(text, parameters);
}

const CENTRAL = 'central:';

/** May this staff member see and work this task? Role and scope, nothing else. */
export function canWorkTask(staff: Staff, task: Pick<TaskRow, 'role' | 'scope' | 'region_code'>): boolean {
  if (!staff.roles.includes(task.role) || !staff.scopeRegion) return false;
  // Central back-office tasks are seen by holders of the role whose scope covers the applicant.
  if (task.scope.startsWith(CENTRAL)) return task.region_code.startsWith(staff.scopeRegion);
  return task.scope.startsWith(staff.scopeRegion);
}

/**
 * Where a step's task is queued. Acceptance (the first step) of an application made at a
 * service point stays at that service point whatever the applicant's district (通办);
 * `central` goes to the back office of the item's domain.
 */
export async function scopeOfStep(trx: Db, c: Pick<CaseRow, 'service_point_id' | 'region_code' | 'domain'>, step: ItemStep, index: number): Promise<string> {
  if (step.scope === 'central') return `${CENTRAL}${c.domain}`;
  if ((step.scope === 'service_point' || index === 0) && c.service_point_id) {
    const region = await servicePointRegion(trx, c.service_point_id);
    if (region) return region;
  }
  return c.region_code;
}

// Where a service point is changes about never; asking once a minute per process is enough.
const SERVICE_POINT_CACHE_MS = 60_000;
const servicePointRegions = new Map<string, { region: string | null; at: number }>();

async function servicePointRegion(trx: Db, id: string): Promise<string | null> {
  const hit = servicePointRegions.get(id);
  if (hit && Date.now() - hit.at < SERVICE_POINT_CACHE_MS) return hit.region;
  const sp = await trx.selectFrom('service_points').select('region_code').where('id', '=', id).executeTakeFirst();
  if (servicePointRegions.size > 5000) servicePointRegions.clear();
  servicePointRegions.set(id, { region: sp?.region_code ?? null, at: Date.now() });
  return sp?.region_code ?? null;
}

function partitionKey(c: Pick<CaseRow, 'person_id' | 'org_id' | 'id'>): string {
  return c.person_id ?? c.org_id ?? c.id;
}

export function caseEventPayload(c: CaseRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { caseId: c.id, trackingNo: c.tracking_no, itemCode: c.item_code, status: c.status, personId: c.person_id, orgId: c.org_id, ...extra };
}

/** History row + audit entry + outbox event for one transition of a case. */
export async function recordTransition(
  trx: Db,
  ctx: Ctx,
  c: CaseRow,
  e: { kind: string; from: string | null; taskId?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  const detail = e.detail ?? {};
  await history(trx, ctx, { case_id: c.id, person_id: c.person_id, org_id: c.org_id, actor_id: ctx.actor.userId, kind: e.kind, from_status: e.from, to_status: c.status, task_id: e.taskId ?? null, detail: JSON.stringify(detail) });
  await audit(trx, ctx, {
    action: e.kind,
    objectType: 'case',
    objectId: c.id,
    before: e.from ? { status: e.from } : null,
    after: { status: c.status, trackingNo: c.tracking_no, itemCode: c.item_code, taskId: e.taskId ?? null, ...detail },
  });
  await event(trx, ctx, { type: e.kind, aggregateType: 'case', aggregateId: c.id, partitionKey: partitionKey(c), payload: caseEventPayload(c, { taskId: e.taskId ?? null, ...detail }) });
}

/** Audit + outbox for a task-only change (claim, release, delegate). */
async function recordTaskChange(trx: Db, ctx: Ctx, t: TaskRow, kind: string, detail: Record<string, unknown>): Promise<void> {
  await audit(trx, ctx, { action: kind, objectType: 'task', objectId: t.id, after: { caseId: t.case_id, step: t.step_key, status: t.status, ...detail } });
  await event(trx, ctx, { type: kind, aggregateType: 'task', aggregateId: t.id, partitionKey: t.person_id ?? t.org_id ?? t.case_id, payload: { taskId: t.id, caseId: t.case_id, step: t.step_key, role: t.role, scope: t.scope, status: t.status, ...detail } });
}

/**
 * Opens the task of step `index`, with its due dates and its overdue timer. With `done`, the task
 * is recorded as done at once by that person (a teller accepting at the counter) and needs no timer.
 */
export async function openStepTask(trx: Db, ctx: Ctx, c: CaseRow, item: ServiceItem, index: number, done?: { by: string; action: TaskAction }): Promise<TaskRow> {
  const step = item.steps[index]!;
  const today = chinaDate(ctx.now);
  const [due, statutory, scope] = await Promise.all([
    addWorkingDays(trx, today, step.promisedDays),
    addWorkingDays(trx, today, step.statutoryDays),
    scopeOfStep(trx, c, step, index),
  ]);
  const task: TaskRow = {
    id: uuid7(),
    case_id: c.id,
    person_id: c.person_id,
    org_id: c.org_id,
    step_key: step.key,
    step_index: index,
    role: step.role,
    scope,
    region_code: c.region_code,
    status: done ? 'done' : 'open',
    claimed_by: null,
    claimed_at: null,
    due_date: due,
    statutory_due: statutory,
    escalated_at: null,
    completed_by: done?.by ?? null,
    completed_at: done ? ctx.now : null,
    action: done?.action ?? null,
    created_at: new Date(),
    version: 1,
  };
  if (ctx.deferred) ctx.deferred.tasks.push(task);
  else await trx.insertInto('tasks').values(task).execute();
  if (done) return task;
  ctx.deferred?.opened.push(task);
  // Overdue = still not done when the promised day is over (00:00 China time the next day).
  await scheduleTimer(trx, { kind: 'task.overdue', dueAt: chinaMidnight(nextDay(due)), payload: { taskId: task.id }, dedupKey: `overdue:${task.id}` }, ctx);
  return task;
}

/** Schedules a timer now, or at the end of the transition when `ctx` defers (runInTx). */
export async function scheduleTimer(trx: Db, t: { kind: string; dueAt: Date; payload: Record<string, unknown>; dedupKey?: string }, ctx?: Ctx): Promise<void> {
  const row = { kind: t.kind, due_at: t.dueAt, payload: JSON.stringify(t.payload), dedup_key: t.dedupKey ?? null, fired_at: null, last_error: null };
  if (ctx?.deferred) ctx.deferred.timers.push(row);
  else await trx.insertInto('timers').values(row).onConflict((oc) => oc.column('dedup_key').doNothing()).execute();
}

/** Chains of the item that fire when the case ends this way: queued as timers, run by the workers. */
async function scheduleChains(trx: Db, ctx: Ctx, c: CaseRow, item: ServiceItem, on: 'approved' | 'completed'): Promise<void> {
  const chains = item.chains ?? [];
  for (let i = 0; i < chains.length; i++) {
    if (chains[i]!.on !== on) continue;
    const triggerKey = `${on}:${i}`;
    await scheduleTimer(trx, { kind: 'chain', dueAt: ctx.now, payload: { caseId: c.id, triggerKey }, dedupKey: `chain:${c.id}:${triggerKey}` }, ctx);
  }
}

type CasePatch = Partial<Omit<CaseRow, 'id' | 'version' | 'created_at'>>;

/**
 * The changes one transition makes to a case, gathered and written as ONE guarded UPDATE at
 * its end (accept → approve → complete is one statement and one version step, not three).
 */
class CaseChange {
  private patch: CasePatch = {};
  constructor(
    private readonly original: CaseRow,
    public row: CaseRow,
  ) {}
  set(p: CasePatch): CaseRow {
    this.patch = { ...this.patch, ...p };
    this.row = { ...this.row, ...p } as CaseRow;
    return this.row;
  }
  /** Written now, or as the final statement's main query when the transition defers (the row returned is then what that UPDATE will write). */
  async write(trx: Db, ctx: Ctx): Promise<CaseRow> {
    if (!Object.keys(this.patch).length) return this.row;
    const d = ctx.deferred;
    if (d?.newCase && d.newCase.id === this.original.id) {
      // Created in this same statement: an UPDATE there would not see the row, so the
      // patch goes into the INSERT (the case is born in its new state, at version 1).
      const p = this.patch;
      Object.assign(d.newCase, p, p.outcome_citation !== undefined ? { outcome_citation: p.outcome_citation === null ? null : JSON.stringify(p.outcome_citation) } : {});
      return this.row;
    }
    if (!d || d.caseUpdate) return updateCase(trx, this.original, this.patch);
    const updatedAt = new Date();
    d.caseUpdate = { original: this.original, patch: { ...this.patch, updated_at: updatedAt } };
    return { ...this.row, updated_at: updatedAt, version: this.original.version + 1 };
  }
}

/** The guarded UPDATE of a case: only the version it was read at. */
function caseUpdateQuery(trx: Db, c: CaseRow, patch: CasePatch) {
  return trx
    .updateTable('cases')
    .set({
      updated_at: new Date(),
      ...(patch as Record<string, unknown>),
      ...(patch.outcome_citation !== undefined ? { outcome_citation: patch.outcome_citation === null ? null : JSON.stringify(patch.outcome_citation) } : {}),
      version: sql<number>`version + 1`,
    } as never)
    .where('id', '=', c.id)
    .where('version', '=', c.version);
}

async function updateCase(trx: Db, c: CaseRow, patch: CasePatch): Promise<CaseRow> {
  const row = await caseUpdateQuery(trx, c, patch).returningAll().executeTakeFirst();
  if (!row) throw new AppError('CONFLICT', { detail: 'the case was changed concurrently' });
  return row;
}

/** The case row, locked for this transaction. */
export async function lockCase(trx: Db, caseId: string): Promise<CaseRow> {
  const c = await trx.selectFrom('cases').selectAll().where('id', '=', caseId).forUpdate().executeTakeFirst();
  if (!c) throw new AppError('NOT_FOUND');
  return c;
}

/** Index of the step whose passing decides the case (the last review or approval; acceptance when there is none). */
export function decisiveIndex(item: ServiceItem): number {
  let d = 0;
  item.steps.forEach((s, i) => {
    if (s.key === 'review' || s.key === 'approve') d = i;
  });
  return d;
}

/** Rules that failed and have no confirmed override: approval is refused while any remain. */
export async function unmetRules(trx: Db, c: CaseRow): Promise<string[]> {
  const decision = c.decision as unknown as { outcome: string; trace: { ruleId: string; result: string; value?: unknown }[] };
  const failing = (decision.trace ?? []).filter((t) => t.result === 'fail').map((t) => t.ruleId);
  if (failing.length === 0) return [];
  const overridden = await trx.selectFrom('overrides').select('rule_id').where('case_id', '=', c.id).where('status', '=', 'approved').execute();
  const ok = new Set(overridden.map((o) => o.rule_id));
  return failing.filter((r) => !ok.has(r));
}

async function approve(trx: Db, ctx: Ctx, change: CaseChange, item: ServiceItem, taskId: string | null): Promise<void> {
  const unmet = await unmetRules(trx, change.row);
  if (unmet.length) throw new AppError('RULES_NOT_MET', { detail: `rules not met and not overridden: ${unmet.join(', ')}` });
  const from = change.row.status;
  const c = change.set({ status: 'approved', decided_at: ctx.now });
  await recordTransition(trx, ctx, c, { kind: 'case.approved', from, taskId });
  // Instant items (即办件) give their outcome at once; a decision letter is for decided applications.
  if (!item.instant) await requestDocument(trx, ctx, { kind: 'decision_letter', caseId: c.id, outcome: 'approved' });
  await scheduleChains(trx, ctx, c, item, 'approved');
}

async function complete(trx: Db, ctx: Ctx, change: CaseChange, item: ServiceItem, taskId: string | null): Promise<void> {
  const from = change.row.status;
  const c = change.set({ status: 'completed', completed_at: ctx.now, current_step: null });
  await recordTransition(trx, ctx, c, { kind: 'case.completed', from, taskId });
  await scheduleChains(trx, ctx, c, item, 'completed');
}

/**
 * Applies an action to a case whose task `task` has just been marked done. Opens the
 * next step's task when the process goes on.
 */
export async function applyAction(trx: Db, ctx: Ctx, c: CaseRow, item: ServiceItem, task: TaskRow, input: ActionInput): Promise<CaseRow> {
  const step = item.steps[task.step_index]!;
  const allowed = STEP_ACTIONS[step.key] ?? [];
  if (!allowed.includes(input.action)) {
    throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/action', reason: `a ${step.key} task allows: ${allowed.join(', ')}`, code: 'action' }] });
  }
  const from = c.status;
  switch (input.action) {
    case 'not_accept': {
      const reason = requireReason(input);
      c = await updateCase(trx, c, { status: 'not_accepted', decided_at: ctx.now, current_step: null, outcome_reason: reason, outcome_citation: (input.citation ?? null) as never });
      await recordTransition(trx, ctx, c, { kind: 'case.not_accepted', from, taskId: task.id, detail: { reason, citation: input.citation ?? null } });
      await requestDocument(trx, ctx, { kind: 'decision_letter', caseId: c.id, outcome: 'not_accepted', reason, citation: input.citation ?? null });
      return c;
    }
    case 'reject': {
      const reason = requireReason(input);
      if (!input.citation?.law) {
        throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/citation', reason: 'a rejection names its legal basis (citation.law)', code: 'required' }] });
      }
      c = await updateCase(trx, c, { status: 'rejected', decided_at: ctx.now, current_step: null, outcome_reason: reason, outcome_citation: input.citation as never });
      await recordTransition(trx, ctx, c, { kind: 'case.rejected', from, taskId: task.id, detail: { reason, citation: input.citation } });
      await requestDocument(trx, ctx, { kind: 'decision_letter', caseId: c.id, outcome: 'rejected', reason, citation: input.citation ?? null });
      return c;
    }
    case 'request_correction': {
      const missing = correctionList(item, input);
      const notice = await issueNotice(trx, ctx, { kind: 'correction', c, item, missing });
      c = await updateCase(trx, c, { status: 'correction_requested', current_step: step.key });
      await recordTransition(trx, ctx, c, { kind: 'case.correction_requested', from, taskId: task.id, detail: { noticeNumber: notice.number, missing: missing.map((m) => m.code) } });
      return c;
    }
    default:
      break;
  }

  // The step passed (accept / approve / complete / deliver): one UPDATE of the case at the end.
  const change = new CaseChange(c, c);
  if (step.key === 'accept') {
    await recordTransition(trx, ctx, change.set({ status: 'accepted', accepted_at: ctx.now }), { kind: 'case.accepted', from, taskId: task.id });
    await requestDocument(trx, ctx, { kind: 'acceptance_receipt', caseId: c.id });
  }
  const instant = item.instant;
  if (instant || task.step_index === decisiveIndex(item)) await approve(trx, ctx, change, item, task.id);
  if (step.key === 'complete' || (instant && change.row.status === 'approved')) await complete(trx, ctx, change, item, task.id);
  if (step.key === 'deliver') {
    const f = change.row.status;
    await recordTransition(trx, ctx, change.set({ status: 'delivered', current_step: null }), { kind: 'case.delivered', from: f, taskId: task.id });
  }
  const next = instant ? undefined : item.steps[task.step_index + 1];
  if (!next) {
    if (change.row.status === 'approved') await complete(trx, ctx, change, item, task.id);
    else if (!FINAL_STATUSES.includes(change.row.status)) change.set({ current_step: null });
    return change.write(trx, ctx);
  }
  await openStepTask(trx, ctx, change.row, item, task.step_index + 1);
  const f = change.row.status;
  const status: CaseStatus = next.key === 'review' || next.key === 'approve' ? 'in_review' : f;
  change.set({ status, current_step: next.key });
  if (status !== f) await recordTransition(trx, ctx, change.row, { kind: 'case.in_review', from: f, taskId: task.id, detail: { step: next.key } });
  return change.write(trx, ctx);
}

function requireReason(input: ActionInput): string {
  const reason = input.reason?.trim();
  if (!reason) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/reason', reason: `${input.action} needs a reason`, code: 'required' }] });
  return reason;
}

export interface MissingMaterial {
  code: string;
  name: { zh: string; en: string };
  reason: string;
}

function correctionList(item: ServiceItem, input: ActionInput): MissingMaterial[] {
  if (!input.missing?.length) {
    throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/missing', reason: 'list every missing material at once (一次性告知)', code: 'required' }] });
  }
  const errors = [];
  const out: MissingMaterial[] = [];
  for (const [i, m] of input.missing.entries()) {
    const spec = item.materials.find((s) => s.code === m.code);
    if (!spec) errors.push({ field: `/body/missing/${i}/code`, reason: `${m.code} is not a material of ${item.code}`, code: 'unknown_material' });
    else out.push({ code: spec.code, name: spec.name, reason: m.reason ?? input.reason ?? '材料缺失或不符合要求 / missing or not acceptable' });
  }
  if (errors.length) throw new AppError('VALIDATION_FAILED', { errors });
  return out;
}

/** 一次性告知书: stored with a number; at submission there is no case. */
export async function issueNotice(
  trx: Db,
  ctx: Ctx,
  n: { kind: 'submission' | 'correction'; c?: CaseRow; item: ServiceItem; itemVersionId?: string; personId?: string | null; orgId?: string | null; missing: MissingMaterial[] },
): Promise<{ id: string; number: string; createdAt: Date }> {
  const number = await nextNoticeNo(trx, chinaDate(ctx.now));
  const row = await trx
    .insertInto('notices')
    .values({
      id: uuid7(),
      number,
      kind: n.kind,
      case_id: n.c?.id ?? null,
      item_code: n.item.code,
      item_version_id: n.c?.item_version_id ?? n.itemVersionId ?? '',
      person_id: n.c?.person_id ?? n.personId ?? null,
      org_id: n.c?.org_id ?? n.orgId ?? null,
      missing: JSON.stringify(n.missing),
      issued_by: ctx.actor.userId,
      channel: ctx.actor.channel ?? 'web',
      service_point_id: ctx.actor.servicePointId,
    })
    .returning(['id', 'number', 'created_at'])
    .executeTakeFirstOrThrow();
  if (n.kind === 'submission') {
    // A notice without a case is still a thing the bureau said: audited and published.
    await audit(trx, ctx, { action: 'notice.issued', objectType: 'notice', objectId: row.id, after: { number, itemCode: n.item.code, missing: n.missing.map((m) => m.code) } });
    await event(trx, ctx, { type: 'notice.issued', aggregateType: 'notice', aggregateId: row.id, partitionKey: n.personId ?? n.orgId ?? row.id, payload: { number, itemCode: n.item.code, personId: n.personId ?? null, orgId: n.orgId ?? null, missing: n.missing.map((m) => m.code) } });
  }
  await requestDocument(trx, ctx, { kind: 'one_time_notice', noticeId: row.id, caseId: n.c?.id ?? null });
  return { id: row.id, number, createdAt: row.created_at };
}

// ---------------------------------------------------------------------------------
// Task operations

// Every column of a task, for statements that return a task beside another row.
const TASK_COLUMNS = ['id', 'case_id', 'person_id', 'org_id', 'step_key', 'step_index', 'role', 'scope', 'region_code', 'status', 'claimed_by', 'claimed_at', 'due_date', 'statutory_due', 'escalated_at', 'completed_by', 'completed_at', 'action', 'created_at', 'version'] as const satisfies readonly (keyof TaskRow)[];
// A column added to TaskRow and not to the list above fails the type check here.
const taskColumnsComplete: [Exclude<keyof TaskRow, (typeof TASK_COLUMNS)[number]>] extends [never] ? true : never = true;
void taskColumnsComplete;

async function loadTaskFor(trx: Db, staff: Staff, taskId: string): Promise<TaskRow> {
  const t = await trx.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
  // A task outside one's role and scope looks exactly like a missing one.
  if (!t || !canWorkTask(staff, t)) throw new AppError('NOT_FOUND');
  return t;
}

export async function claimTask(db: Db, ctx: Ctx, staff: Staff, taskId: string): Promise<TaskRow> {
  return runInTx(db, ctx, async (trx, ctx) => {
    await loadTaskFor(trx, staff, taskId);
    const t = await trx
      .updateTable('tasks')
      .set({ status: 'claimed', claimed_by: staff.userId, claimed_at: ctx.now, version: sql<number>`version + 1` })
      .where('id', '=', taskId)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirst();
    if (!t) throw new AppError('CONFLICT', { detail: 'the task is no longer open' });
    await recordTaskChange(trx, ctx, t, 'task.claimed', { claimedBy: staff.userId });
    return t;
  });
}

export async function releaseTask(db: Db, ctx: Ctx, staff: Staff, taskId: string): Promise<TaskRow> {
  return runInTx(db, ctx, async (trx, ctx) => {
    await loadTaskFor(trx, staff, taskId);
    const t = await trx
      .updateTable('tasks')
      .set({ status: 'open', claimed_by: null, claimed_at: null, version: sql<number>`version + 1` })
      .where('id', '=', taskId)
      .where('status', '=', 'claimed')
      .where('claimed_by', '=', staff.userId)
      .returningAll()
      .executeTakeFirst();
    if (!t) throw new AppError('CONFLICT', { detail: 'the task is not claimed by you' });
    await recordTaskChange(trx, ctx, t, 'task.released', {});
    return t;
  });
}

/** Hands a task to another staff member who holds its role and sees its scope. */
export async function delegateTask(db: Db, ctx: Ctx, staff: Staff, taskId: string, toUserId: string): Promise<TaskRow> {
  return runInTx(db, ctx, async (trx, ctx) => {
    const task = await loadTaskFor(trx, staff, taskId);
    const target = await trx.selectFrom('users').select(['user_id', 'kind', 'roles', 'scope_region', 'disabled']).where('user_id', '=', toUserId).executeTakeFirst();
    const targetStaff: Staff | null = target && target.kind === 'staff' && !target.disabled ? { userId: target.user_id, roles: target.roles, scopeRegion: target.scope_region } : null;
    if (!targetStaff || !canWorkTask(targetStaff, task)) {
      throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/toUserId', reason: `the user must hold the role ${task.role} and see the task's scope`, code: 'not_eligible' }] });
    }
    const t = await trx
      .updateTable('tasks')
      .set({ status: 'claimed', claimed_by: toUserId, claimed_at: ctx.now, version: sql<number>`version + 1` })
      .where('id', '=', taskId)
      // Only an open task, or one's own claimed task, can be handed on.
      .where((eb) => eb.or([eb('status', '=', 'open'), eb.and([eb('status', '=', 'claimed'), eb('claimed_by', '=', staff.userId)])]))
      .returningAll()
      .executeTakeFirst();
    if (!t) throw new AppError('CONFLICT', { detail: 'the task is done or claimed by someone else' });
    await recordTaskChange(trx, ctx, t, 'task.delegated', { from: staff.userId, to: toUserId });
    return t;
  });
}

/** The task as `staff` may take it: role and scope, still open or claimed by them (`q`: the table's name or alias). */
function takeable(q: string, staff: Staff, prefix: string) {
  const col = (c: string) => sql.ref(`${q}.${c}`);
  return sql<boolean>`${col('role')} in (${sql.join([...staff.roles])})
    and ((${col('scope')} not like ${`${CENTRAL}%`} and ${col('scope')} like ${prefix}) or (${col('scope')} like ${`${CENTRAL}%`} and ${col('region_code')} like ${prefix}))
    and (${col('status')} = 'open' or (${col('status')} = 'claimed' and ${col('claimed_by')} = ${staff.userId}))`;
}

/** A row of `select cases.*, t.<col> as task__<col>` split into the task and its case. */
function taskAndCase(row: unknown): { t: TaskRow; c: CaseRow } {
  const r = row as Record<string, unknown>;
  const t = Object.fromEntries(TASK_COLUMNS.map((col) => [col, r[`task__${col}`]])) as unknown as TaskRow;
  const c = Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('task__'))) as unknown as CaseRow;
  return { t, c };
}

/** Actions that only pass a step: everything they write is deferred to the transition's one statement. */
const PASSING: ReadonlySet<TaskAction> = new Set(['accept', 'approve', 'complete', 'deliver']);

/**
 * Completes a task with an action. Exactly one of several concurrent completions wins:
 * the task row is switched to done only WHERE it is still open or claimed by the caller.
 */
export async function completeTask(db: Db, ctx: Ctx, staff: Staff, taskId: string, input: ActionInput): Promise<{ task: TaskRow; case: CaseRow; next: TaskRow | null }> {
  if (!staff.scopeRegion || staff.roles.length === 0) throw new AppError('NOT_FOUND');
  const prefix = `${staff.scopeRegion}%`;
  const done = { status: 'done' as const, claimed_by: null, completed_by: staff.userId, completed_at: ctx.now, action: input.action };
  if (PASSING.has(input.action) && !db.isTransaction && !ctx.deferred) return passStep(db, ctx, staff, taskId, input, prefix);
  return runInTx(db, ctx, async (trx, ctx) => {
    // One statement takes the task (role and scope checked in its WHERE: two people, one winner)
    // and locks its case: the common path is one round trip.
    const row = await trx
      .with('t', (qb) =>
        qb
          .updateTable('tasks')
          .set({ ...done, version: sql<number>`version + 1` })
          .where('id', '=', taskId)
          .where(takeable('tasks', staff, prefix))
          .returningAll(),
      )
      .selectFrom('t')
      .innerJoin('cases', 'cases.id', 't.case_id')
      .selectAll('cases')
      .select(TASK_COLUMNS.map((col) => sql.ref(`t.${col}`).as(`task__${col}`)))
      .forUpdate('cases')
      .executeTakeFirst();
    if (!row) {
      await loadTaskFor(trx, staff, taskId); // NOT_FOUND when it is not this person's to see
      throw new AppError('CONFLICT', { detail: 'the task was completed or claimed by someone else' });
    }
    const { t, c } = taskAndCase(row);
    const { item } = await itemVersion(trx, c.item_version_id);
    const after = await applyAction(trx, ctx, c, item, t, input);
    await recordTaskChange(trx, ctx, t, 'task.completed', { action: input.action });
    return { task: t, case: after, next: ctx.deferred?.opened.at(-1) ?? null };
  });
}

/**
 * A step passed (accept, approve, complete, deliver) in two round trips and no explicit
 * transaction: the task and its case are read without locks, the transition is worked out,
 * and ONE autocommit statement writes it — taking the task (still takeable, at the version
 * read), the case's UPDATE at the version read, the next task, history, events, timers and
 * audit entries — and aborts as a whole (tongban_expect, SQLSTATE TB409) when the task or
 * the case changed in between: then the caller gets CONFLICT, as the loser of a race does.
 */
async function passStep(db: Db, ctx: Ctx, staff: Staff, taskId: string, input: ActionInput, prefix: string) {
  const row = await db
    .selectFrom('tasks as t')
    .innerJoin('cases', 'cases.id', 't.case_id')
    .selectAll('cases')
    .select(TASK_COLUMNS.map((col) => sql.ref(`t.${col}`).as(`task__${col}`)))
    .where('t.id', '=', taskId)
    .where(takeable('t', staff, prefix))
    .executeTakeFirst();
  if (!row) {
    await loadTaskFor(db, staff, taskId); // NOT_FOUND when it is not this person's to see
    throw new AppError('CONFLICT', { detail: 'the task was completed or claimed by someone else' });
  }
  const { t: read, c } = taskAndCase(row);
  const t: TaskRow = { ...read, status: 'done', claimed_by: null, completed_by: staff.userId, completed_at: ctx.now, action: input.action, version: read.version + 1 };
  const inner: Ctx = { ...ctx, deferred: emptyDeferred() };
  const { item } = await itemVersion(db, c.item_version_id);
  const after = await applyAction(db, inner, c, item, t, input);
  await recordTaskChange(db, inner, t, 'task.completed', { action: input.action });
  const take = db
    .updateTable('tasks')
    .set({ status: 'done', claimed_by: null, completed_by: staff.userId, completed_at: ctx.now, action: input.action, version: t.version })
    .where('id', '=', taskId)
    .where('version', '=', read.version)
    .where(takeable('tasks', staff, prefix))
    .returning('id')
    .compile();
  await writeDeferred(db, inner.deferred!, { take });
  return { task: t, case: after, next: inner.deferred!.opened.at(-1) ?? null };
}

/** The applicant withdraws (撤回) a case that is not decided yet; its live tasks are cancelled. */
export async function withdrawCase(db: Db, ctx: Ctx, caseId: string, reason: string | undefined): Promise<CaseRow> {
  return runInTx(db, ctx, async (trx, ctx) => {
    let c = await lockCase(trx, caseId);
    if (!['submitted', 'correction_requested', 'accepted', 'in_review'].includes(c.status)) {
      throw new AppError('CASE_STATE', { detail: `a case in status ${c.status} cannot be withdrawn` });
    }
    await trx.updateTable('tasks').set({ status: 'cancelled', claimed_by: null, version: sql<number>`version + 1` }).where('case_id', '=', caseId).where('status', 'in', ['open', 'claimed']).execute();
    const from = c.status;
    c = await updateCase(trx, c, { status: 'withdrawn', current_step: null, outcome_reason: reason ?? null });
    await recordTransition(trx, ctx, c, { kind: 'case.withdrawn', from, detail: { reason: reason ?? null } });
    return c;
  });
}

/** After 补正: the applicant supplies the missing materials and the case waits for acceptance again. */
export async function resubmitCase(db: Db, ctx: Ctx, caseId: string, materials: Record<string, string>): Promise<CaseRow> {
  return runInTx(db, ctx, async (trx, ctx) => {
    let c = await lockCase(trx, caseId);
    if (c.status !== 'correction_requested') throw new AppError('CASE_STATE', { detail: `only a case waiting for correction can be resubmitted (status ${c.status})` });
    const { item } = await itemVersion(trx, c.item_version_id);
    const from = c.status;
    c = await updateCase(trx, c, { status: 'submitted', current_step: item.steps[0]!.key, materials: JSON.stringify({ ...c.materials, ...materials }) as never });
    await openStepTask(trx, ctx, c, item, 0);
    await recordTransition(trx, ctx, c, { kind: 'case.resubmitted', from, detail: { materials: Object.keys(materials) } });
    return c;
  });
}
