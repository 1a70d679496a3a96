import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { DATE_PATTERN } from '../../lib/dates.js';
import { maskResidentId } from '../../lib/mask.js';
import { CHANNELS, type Channel } from '../catalogue/types.js';
import type { Decision, Facts } from '../policy/types.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { assertCanSeeCase, identifyAtCounter, resolveApplicant, staffOf } from './access.js';
import { claimTask, completeTask, delegateTask, releaseTask, resubmitCase, withdrawCase, type CaseRow, type Ctx, type TaskRow } from './engine.js';
import { ports } from './ports.js';
import { chinaDate } from './clock.js';
import { submitApplication } from './submit.js';
import { wizardStep } from './wizard.js';
import { decideOverride, dueFlag, flagContext, openEscalations, overdueTasks, overridesOf, requestOverride } from './supervision.js';
import { caseDetail, listCases, listTasks, rateCase } from './queries.js';
import { FOLLOW_UP_OUTCOMES } from './schema.js';

const Loc = Type.Object({ zh: Type.String(), en: Type.String() });
const Any = Type.Unknown();
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const CitationSchema = Type.Object(
  { law: Type.String({ minLength: 1, maxLength: 200 }), article: Type.Optional(Type.String({ maxLength: 100 })), docNo: Type.Optional(Type.String({ maxLength: 100 })), effectiveFrom: Type.Optional(Type.String({ pattern: DATE_PATTERN })), url: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const CaseSummarySchema = Type.Object({
  id: Type.String(),
  trackingNo: Type.String(),
  itemCode: Type.String(),
  itemName: Type.String(),
  itemVersionId: Type.String(),
  status: Type.String(),
  currentStep: Type.Union([Type.String(), Type.Null()]),
  personId: Type.Union([Type.String(), Type.Null()]),
  orgId: Type.Union([Type.String(), Type.Null()]),
  regionCode: Type.String(),
  channel: Type.String(),
  servicePointId: Type.Union([Type.String(), Type.Null()]),
  promisedDate: Type.String(),
  statutoryDate: Type.String(),
  createdAt: Type.String(),
  acceptedAt: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  completedAt: Type.Union([Type.String(), Type.Null()]),
  outcomeReason: Type.Union([Type.String(), Type.Null()]),
  outcomeCitation: Type.Union([Any, Type.Null()]),
  version: Type.Integer(),
});

export const TaskSchema = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  trackingNo: Type.Optional(Type.String()),
  itemCode: Type.Optional(Type.String()),
  itemName: Type.Optional(Type.String()),
  step: Type.String(),
  role: Type.String(),
  scope: Type.String(),
  regionCode: Type.String(),
  status: Type.String(),
  claimedBy: Type.Union([Type.String(), Type.Null()]),
  dueDate: Type.String(),
  statutoryDue: Type.String(),
  flag: Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red'), Type.Null()]),
  escalatedAt: Type.Union([Type.String(), Type.Null()]),
  completedBy: Type.Union([Type.String(), Type.Null()]),
  completedAt: Type.Union([Type.String(), Type.Null()]),
  action: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
});

const MaterialRef = Type.Union([
  Type.Object({ code: Type.String({ minLength: 1, maxLength: 60 }), archiveId: Type.String({ minLength: 1, maxLength: 60 }) }, { additionalProperties: false }),
  Type.Object({ code: Type.String({ minLength: 1, maxLength: 60 }), reuse: Type.Literal(true) }, { additionalProperties: false }),
]);

const ChannelSchema = Type.Union(CHANNELS.map((c) => Type.Literal(c)));

const WizardBody = Type.Object(
  {
    applicantId: Type.Optional(Type.String({ format: 'uuid' })),
    channel: ChannelSchema,
    servicePointId: Type.Optional(Type.String({ maxLength: 40 })),
    answers: Type.Record(Type.String({ maxLength: 60 }), Any, { default: {} }),
  },
  { additionalProperties: false },
);

const SubmitBody = Type.Object(
  {
    itemCode: Type.String({ minLength: 1, maxLength: 40 }),
    applicantId: Type.Optional(Type.String({ format: 'uuid' })),
    channel: ChannelSchema,
    servicePointId: Type.Optional(Type.String({ maxLength: 40 })),
    answers: Type.Record(Type.String({ maxLength: 60 }), Any, { default: {} }),
    materials: Type.Array(MaterialRef, { maxItems: 100, default: [] }),
  },
  { additionalProperties: false },
);

const MissingSchema = Type.Object({ code: Type.String(), name: Loc, reason: Type.String() });

const WizardResponse = Type.Object({
  item: Type.Object({ code: Type.String(), versionId: Type.String(), name: Loc, instant: Type.Boolean() }),
  known: Type.Array(Type.Object({ field: Type.String(), label: Loc, value: Any, source: Type.String() })),
  questions: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Loc,
      type: Type.String(),
      enum: Type.Optional(Type.Array(Any)),
      enumLabels: Type.Optional(Type.Array(Loc)),
      format: Type.Optional(Type.String()),
      required: Type.Boolean(),
      help: Type.Optional(Loc),
    }),
  ),
  eligibility: Type.Object({
    outcome: Type.String(),
    rules: Type.Array(Type.Object({ id: Type.String(), name: Loc, result: Type.String(), values: Any, citation: Any, failMessage: Type.Optional(Loc) })),
    results: Any,
  }),
  materials: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Loc,
      required: Type.Boolean(),
      reason: Type.String(),
      original: Type.Optional(Type.Boolean()),
      copies: Type.Optional(Type.Integer()),
      note: Type.Optional(Loc),
      reusable: Type.Optional(Type.Object({ archiveId: Type.Union([Type.String(), Type.Null()]), title: Type.String(), source: Type.String() })),
    }),
  ),
  complete: Type.Boolean(),
});

const ReceiptSchema = Type.Object({
  trackingNo: Type.String(),
  itemCode: Type.String(),
  itemName: Loc,
  applicantName: Type.String(),
  status: Type.String(),
  channel: Type.String(),
  servicePointId: Type.Union([Type.String(), Type.Null()]),
  submittedAt: Type.String(),
  acceptedAt: Type.Union([Type.String(), Type.Null()]),
  promisedDate: Type.String(),
  statutoryDate: Type.String(),
  materials: Type.Array(Type.Object({ code: Type.String(), source: Type.String() })),
  documentId: Type.Union([Type.String(), Type.Null()]),
  sealId: Type.Union([Type.String(), Type.Null()]),
});

const NoticeResponse = Type.Object({
  result: Type.Literal('notice'),
  notice: Type.Object({ number: Type.String(), itemCode: Type.String(), itemName: Loc, issuedAt: Type.String(), missing: Type.Array(MissingSchema) }),
});
const ReceiptResponse = Type.Object({ result: Type.Literal('receipt'), case: CaseSummarySchema, receipt: ReceiptSchema });

const OverrideSchema = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  ruleId: Type.String(),
  reason: Type.String(),
  status: Type.String(),
  requestedBy: Type.String(),
  requestedAt: Type.String(),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
});

/** On a case's own page: the names of who asked and who decided; for a citizen reader the reason, note, staff ids and names are null. */
const CaseOverrideSchema = Type.Object({
  ...OverrideSchema.properties,
  reason: Type.Union([Type.String(), Type.Null()]),
  requestedBy: Type.Union([Type.String(), Type.Null()]),
  requestedByName: Type.Union([Type.String(), Type.Null()]),
  decidedByName: Type.Union([Type.String(), Type.Null()]),
});

/** 差评回访 as the case shows it: outcome and date for everyone; the record and who did it for staff only. */
const RatingFollowUpSchema = Type.Object({
  outcome: Type.Union(FOLLOW_UP_OUTCOMES.map((o) => Type.Literal(o))),
  at: Type.String(),
  note: Type.Optional(Type.String()),
  byName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const CaseDetailSchema = Type.Intersect([
  CaseSummarySchema,
  Type.Object({
    answers: Any,
    materials: Any,
    decisionOutcome: Type.String(),
    tasks: Type.Array(TaskSchema),
    history: Type.Array(Type.Object({ at: Type.String(), kind: Type.String(), fromStatus: Type.Union([Type.String(), Type.Null()]), toStatus: Type.Union([Type.String(), Type.Null()]), detail: Any })),
    notices: Type.Array(Type.Object({ number: Type.String(), kind: Type.String(), issuedAt: Type.String(), missing: Type.Array(MissingSchema) })),
    rating: Type.Union([Type.Object({ score: Type.Integer(), comment: Type.Union([Type.String(), Type.Null()]), at: Type.String(), followUp: Type.Union([RatingFollowUpSchema, Type.Null()]) }), Type.Null()]),
    overrides: Type.Array(CaseOverrideSchema),
  }),
]);

export function presentCase(c: CaseRow): Static<typeof CaseSummarySchema> {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: c.id,
    trackingNo: c.tracking_no,
    itemCode: c.item_code,
    itemName: c.item_name,
    itemVersionId: c.item_version_id,
    status: c.status,
    currentStep: c.current_step,
    personId: c.person_id,
    orgId: c.org_id,
    regionCode: c.region_code,
    channel: c.channel,
    servicePointId: c.service_point_id,
    promisedDate: c.promised_date,
    statutoryDate: c.statutory_date,
    createdAt: new Date(c.created_at).toISOString(),
    acceptedAt: iso(c.accepted_at),
    decidedAt: iso(c.decided_at),
    completedAt: iso(c.completed_at),
    outcomeReason: c.outcome_reason,
    outcomeCitation: c.outcome_citation,
    version: c.version,
  };
}

export function presentTask(t: TaskRow & { tracking_no?: string; item_code?: string; item_name?: string }, flag: 'green' | 'yellow' | 'red' | null): Static<typeof TaskSchema> {
  const out: Static<typeof TaskSchema> = {
    id: t.id,
    caseId: t.case_id,
    step: t.step_key,
    role: t.role,
    scope: t.scope,
    regionCode: t.region_code,
    status: t.status,
    claimedBy: t.claimed_by,
    dueDate: t.due_date,
    statutoryDue: t.statutory_due,
    flag,
    escalatedAt: t.escalated_at ? new Date(t.escalated_at).toISOString() : null,
    completedBy: t.completed_by,
    completedAt: t.completed_at ? new Date(t.completed_at).toISOString() : null,
    action: t.action,
    version: t.version,
  };
  if (t.tracking_no) out.trackingNo = t.tracking_no;
  if (t.item_code) out.itemCode = t.item_code;
  if (t.item_name) out.itemName = t.item_name;
  return out;
}

function ctxOf(request: FastifyRequest): Ctx {
  return { actor: request.actor, now: new Date() };
}

/** The service point a request acts from: a teller's own (never one they name); a kiosk or partner may name one. */
function servicePointOf(request: FastifyRequest, named: string | undefined): string | null {
  const p = request.principal!;
  if (p.kind === 'staff') return p.servicePointId;
  return named ?? null;
}

async function loadVisibleCase(app: FastifyInstance, request: FastifyRequest, id: string): Promise<CaseRow> {
  const c = await app.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  if (!c) throw new AppError('NOT_FOUND');
  await assertCanSeeCase(app.db, request.principal!, c);
  return c;
}

export async function casesRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    '/api/wizard/:itemCode/next',
    {
      config: { access: 'case.submit' },
      schema: {
        tags: ['cases'],
        summary: 'The next step of the guided application: known facts, open questions, live eligibility with citations, the tailored materials list',
        params: Type.Object({ itemCode: Type.String({ minLength: 1, maxLength: 40 }) }),
        body: WizardBody,
        response: responses({ 200: WizardResponse }),
      },
    },
    async (request) => {
      const { itemCode } = request.params as { itemCode: string };
      const body = request.body as Static<typeof WizardBody>;
      const applicant = await resolveApplicant(app.db, request.principal!, body.applicantId);
      const today = chinaDate();
      const version = await ports.itemVersionAt(app.db, itemCode, today);
      if (!version) throw new AppError('NOT_FOUND', { detail: `no item ${itemCode} in force on ${today}` });
      if (!version.item.channels.includes(body.channel as Channel)) throw new AppError('CHANNEL_NOT_ALLOWED', { detail: `${itemCode} is offered on: ${version.item.channels.join(', ')}` });
      const step = await wizardStep(app.db, version, applicant, body.answers ?? {}, today);
      const { facts: _f, decision: _d, ...out } = step;
      return out;
    },
  );

  app.post(
    '/api/counter/identify',
    {
      config: { access: 'case.submit' },
      schema: {
        tags: ['cases'],
        summary: 'Universal teller (通办): identify a person from any district by the resident ID on their ID card; grants this teller access to serve them for 4 hours (audited)',
        body: Type.Object({ residentId: Type.String({ minLength: 15, maxLength: 40 }), reason: Type.String({ minLength: 2, maxLength: 200 }) }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ personId: Type.String(), name: Type.String(), residentId: Type.String(), regionCode: Type.String(), outOfRegion: Type.Boolean(), expiresAt: Type.String() }) }),
      },
    },
    async (request) => {
      const body = request.body as { residentId: string; reason: string };
      const r = await identifyAtCounter(app.db, request.principal!, request.actor, body);
      return { personId: r.person.person_id, name: r.person.name, residentId: maskResidentId(r.person.resident_id)!, regionCode: r.person.region_code, outOfRegion: r.outOfRegion, expiresAt: r.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/cases',
    {
      // A retry after a crash takes over the key after 10 s; the case itself is keyed by it, so nothing is created twice.
      config: { access: 'case.submit', idempotency: { reclaimAfterMs: 10_000 } },
      schema: {
        tags: ['cases'],
        summary: 'Submit an application: a one-time notice listing every missing material (no case), or 201 with the case and its receipt. Send an Idempotency-Key: retries never duplicate.',
        body: SubmitBody,
        response: responses({ 200: NoticeResponse, 201: ReceiptResponse }),
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof SubmitBody>;
      const p = request.principal!;
      const applicant = await resolveApplicant(app.db, p, body.applicantId);
      const claim = request.idempotencyClaim;
      const out = await submitApplication(
        app.db,
        ctxOf(request),
        applicant,
        { itemCode: body.itemCode, channel: body.channel as Channel, servicePointId: servicePointOf(request, body.servicePointId), answers: body.answers ?? {}, materials: body.materials ?? [], clientKey: claim ? `${claim.scope}:${claim.key}` : null },
        { submittedBy: p.userId, staff: p.kind === 'staff' && p.permissions.has('task.work') ? staffOf(p) : null },
      );
      if (out.result === 'notice') return reply.status(200).send(out);
      return reply.status(201).send({ result: 'receipt', case: presentCase(out.case), receipt: out.receipt });
    },
  );

  app.get(
    '/api/cases',
    {
      config: { access: 'case.read' },
      schema: {
        tags: ['cases'],
        summary: 'Cases: a citizen their own; staff those of applicants in their region (filters: status, item, tracking number, person)',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.String({ maxLength: 30 })),
            itemCode: Type.Optional(Type.String({ maxLength: 40 })),
            trackingNo: Type.Optional(Type.String({ maxLength: 30 })),
            personId: Type.Optional(Type.String({ format: 'uuid' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ items: Type.Array(CaseSummarySchema) }) }),
      },
    },
    async (request) => {
      const q = request.query as { status?: string; itemCode?: string; trackingNo?: string; personId?: string; limit?: number };
      const rows = await listCases(app.db, request.principal!, q);
      return { items: rows.map(presentCase) };
    },
  );

  app.get(
    '/api/cases/:id',
    {
      config: { access: 'case.read' },
      schema: { tags: ['cases'], summary: "A case with its tasks, history, notices, rating (with the follow-up of a poor one: outcome and date; staff also see the record and who) and overrides (a citizen only their own; another's is 404)", params: Id, response: responses({ 200: CaseDetailSchema }) },
    },
    async (request) => {
      const c = await loadVisibleCase(app, request, (request.params as { id: string }).id);
      const d = await caseDetail(app.db, c, request.principal!.kind === 'citizen' ? 'citizen' : 'staff');
      return { ...presentCase(c), ...d, tasks: d.tasks.map((t) => presentTask(t.row, t.flag)) };
    },
  );

  app.post(
    '/api/cases/:id/withdraw',
    {
      config: { access: 'case.submit' },
      schema: { tags: ['cases'], summary: 'Withdraw (撤回) an application that is not decided yet', params: Id, body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), response: responses({ 200: CaseSummarySchema }) },
    },
    async (request) => {
      const c = await loadVisibleCase(app, request, (request.params as { id: string }).id);
      return presentCase(await withdrawCase(app.db, ctxOf(request), c.id, (request.body as { reason?: string }).reason));
    },
  );

  app.post(
    '/api/cases/:id/correction',
    {
      config: { access: 'case.submit' },
      schema: {
        tags: ['cases'],
        summary: 'Supply the materials a correction notice (补正) asked for; the case waits for acceptance again',
        params: Id,
        body: Type.Object({ materials: Type.Array(MaterialRef, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
        response: responses({ 200: CaseSummarySchema }),
      },
    },
    async (request) => {
      const c = await loadVisibleCase(app, request, (request.params as { id: string }).id);
      const given = (request.body as { materials: ({ code: string; archiveId: string } | { code: string; reuse: true })[] }).materials;
      const materials: Record<string, string> = {};
      const errors = [];
      for (const [i, m] of given.entries()) {
        if ('archiveId' in m) {
          if (await ports.archiveRecordOwnedBy(app.db, m.archiveId, { personId: c.person_id, orgId: c.org_id })) materials[m.code] = m.archiveId;
          else errors.push({ field: `/body/materials/${i}/archiveId`, reason: 'no such archive record of the applicant', code: 'not_found' });
        } else materials[m.code] = 'reused';
      }
      if (errors.length) throw new AppError('VALIDATION_FAILED', { errors });
      return presentCase(await resubmitCase(app.db, ctxOf(request), c.id, materials));
    },
  );

  app.post(
    '/api/cases/:id/rating',
    {
      config: { access: 'case.submit' },
      schema: {
        tags: ['cases'],
        summary: 'Rate the service (好差评, 1–5) once the case is finished; one rating per case, by the applicant',
        params: Id,
        body: Type.Object({ score: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: responses({ 201: Type.Object({ caseId: Type.String(), score: Type.Integer(), comment: Type.Union([Type.String(), Type.Null()]) }) }),
      },
    },
    async (request, reply) => {
      const c = await loadVisibleCase(app, request, (request.params as { id: string }).id);
      if (request.principal!.kind !== 'citizen') throw new AppError('FORBIDDEN', { detail: 'only the applicant rates the service' });
      const body = request.body as { score: number; comment?: string };
      await rateCase(app.db, ctxOf(request), c, request.principal!.userId, body.score, body.comment ?? null);
      return reply.status(201).send({ caseId: c.id, score: body.score, comment: body.comment ?? null });
    },
  );

  app.get(
    '/api/cases/:id/decision',
    {
      config: { access: 'case.read' },
      schema: { tags: ['cases'], summary: 'The stored eligibility decision: every rule with the values it saw, its result and its legal citation, and the parameter versions used', params: Id, response: responses({ 200: Type.Object({ decision: Any, facts: Any }) }) },
    },
    async (request) => {
      const c = await loadVisibleCase(app, request, (request.params as { id: string }).id);
      return { decision: c.decision, facts: c.facts };
    },
  );

  app.post(
    '/api/cases/:id/decision/replay',
    {
      config: { access: 'case.read' },
      schema: {
        tags: ['cases'],
        summary: 'Replay the stored decision with the parameter versions it recorded; says whether the result is identical',
        params: Id,
        response: responses({ 200: Type.Object({ identical: Type.Boolean(), stored: Any, replayed: Any }) }),
      },
    },
    async (request) => {
      const c = await loadVisibleCase(app, request, (request.params as { id: string }).id);
      const stored = c.decision as unknown as Decision;
      const replayed = await ports.replayDecision(app.db, { decision: stored, facts: c.facts as unknown as Facts });
      return { identical: sameDecision(stored, replayed), stored, replayed };
    },
  );

  app.post(
    '/api/cases/:id/overrides',
    {
      config: { access: 'override.request' },
      schema: {
        tags: ['supervision'],
        summary: 'Request an override of a failed rule (needs a reason; a second person confirms)',
        params: Id,
        body: Type.Object({ ruleId: Type.String({ minLength: 1, maxLength: 100 }), reason: Type.String({ minLength: 5, maxLength: 1000 }) }, { additionalProperties: false }),
        response: responses({ 201: OverrideSchema }),
      },
    },
    async (request, reply) => {
      const c = await loadVisibleCase(app, request, (request.params as { id: string }).id);
      const body = request.body as { ruleId: string; reason: string };
      return reply.status(201).send(await requestOverride(app.db, ctxOf(request), request.principal!.userId, c.id, body));
    },
  );

  app.post(
    '/api/overrides/:id/decide',
    {
      config: { access: 'override.approve' },
      schema: {
        tags: ['supervision'],
        summary: 'Confirm or refuse a requested override (never by the person who requested it)',
        params: Id,
        body: Type.Object({ approve: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
        response: responses({ 200: OverrideSchema }),
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const o = await app.db.selectFrom('overrides').select('case_id').where('id', '=', id).executeTakeFirst();
      if (!o) throw new AppError('NOT_FOUND');
      await loadVisibleCase(app, request, o.case_id);
      const body = request.body as { approve: boolean; note?: string };
      return decideOverride(app.db, ctxOf(request), request.principal!.userId, id, body);
    },
  );

  app.get(
    '/api/tasks',
    {
      config: { access: 'task.work' },
      schema: {
        tags: ['tasks'],
        summary: 'Task queues with due flags: mine (claimed by me) or available (open, in my roles and scope)',
        querystring: Type.Object({ queue: Type.Union([Type.Literal('mine'), Type.Literal('available')], { default: 'available' }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ items: Type.Array(TaskSchema) }) }),
      },
    },
    async (request) => {
      const q = request.query as { queue: 'mine' | 'available'; limit?: number };
      const { today, soonLimit } = await flagContext(app.db);
      const rows = await listTasks(app.db, staffOf(request.principal!), q.queue, q.limit ?? 50);
      return { items: rows.map((t) => presentTask(t, dueFlag(t.due_date, today, soonLimit))) };
    },
  );

  // claim and release take no body; delegate names the colleague.
  const taskOp = (path: string, summary: string, run: (request: FastifyRequest, id: string) => Promise<TaskRow>, body?: TSchema) =>
    app.post(
      `/api/tasks/:id/${path}`,
      { config: { access: 'task.work' }, schema: { tags: ['tasks'], summary, params: Id, ...(body ? { body } : {}), response: responses({ 200: TaskSchema }) } },
      async (request) => presentTask(await run(request, (request.params as { id: string }).id), null),
    );
  taskOp('claim', 'Claim an open task (one of several claimers wins; the others get 409)', (r, id) => claimTask(app.db, ctxOf(r), staffOf(r.principal!), id));
  taskOp('release', 'Put a task I claimed back in the queue', (r, id) => releaseTask(app.db, ctxOf(r), staffOf(r.principal!), id));
  taskOp(
    'delegate',
    'Hand a task to another staff member holding its role and scope',
    (r, id) => delegateTask(app.db, ctxOf(r), staffOf(r.principal!), id, (r.body as { toUserId: string }).toUserId),
    Type.Object({ toUserId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
  );

  const CompleteBody = Type.Object(
    {
      action: Type.Union(['accept', 'not_accept', 'request_correction', 'approve', 'reject', 'complete', 'deliver'].map((a) => Type.Literal(a))),
      reason: Type.Optional(Type.String({ maxLength: 1000 })),
      citation: Type.Optional(CitationSchema),
      missing: Type.Optional(Type.Array(Type.Object({ code: Type.String({ minLength: 1, maxLength: 60 }), reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), { maxItems: 100 })),
    },
    { additionalProperties: false },
  );
  app.post(
    '/api/tasks/:id/complete',
    {
      config: { access: 'task.work' },
      schema: {
        tags: ['tasks'],
        summary: 'Complete a task: accept, not_accept (reason), request_correction (every missing material at once), approve, reject (reason and legal basis), complete, deliver. Two completing one task: one wins, the other gets 409.',
        params: Id,
        body: CompleteBody,
        response: responses({ 200: Type.Object({ task: TaskSchema, case: CaseSummarySchema }) }),
      },
    },
    async (request) => {
      const body = request.body as Static<typeof CompleteBody>;
      const r = await completeTask(app.db, ctxOf(request), staffOf(request.principal!), (request.params as { id: string }).id, body as never);
      return { task: presentTask(r.task, null), case: presentCase(r.case) };
    },
  );

  app.get(
    '/api/supervision/overdue',
    {
      config: { access: 'supervision.read' },
      schema: {
        tags: ['supervision'],
        summary: 'Red (overdue) and yellow (≤ 1 working day left) tasks of applicants in my region, with escalations',
        querystring: Type.Object({ flag: Type.Optional(Type.Union([Type.Literal('red'), Type.Literal('all')], { default: 'all' })) }, { additionalProperties: false }),
        response: responses({
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                taskId: Type.String(),
                caseId: Type.String(),
                trackingNo: Type.String(),
                itemCode: Type.String(),
                itemName: Type.String(),
                step: Type.String(),
                role: Type.String(),
                scope: Type.String(),
                status: Type.String(),
                claimedBy: Type.Union([Type.String(), Type.Null()]),
                dueDate: Type.String(),
                statutoryDue: Type.String(),
                flag: Type.String(),
                escalatedAt: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
            escalations: Type.Array(Type.Object({ id: Type.String(), taskId: Type.String(), caseId: Type.String(), trackingNo: Type.String(), scope: Type.String(), dueDate: Type.String(), escalatedAt: Type.String() })),
          }),
        }),
      },
    },
    async (request) => {
      const p = request.principal!;
      if (!p.scopeRegion) throw new AppError('FORBIDDEN');
      const { flag } = request.query as { flag?: 'red' | 'all' };
      const items = await overdueTasks(app.db, p.scopeRegion, { includeYellow: flag !== 'red' });
      const esc = await openEscalations(app.db, p.scopeRegion);
      return {
        items,
        escalations: esc.map((e) => ({ id: e.id, taskId: e.task_id, caseId: e.case_id, trackingNo: e.tracking_no, scope: e.scope, dueDate: e.due_date, escalatedAt: new Date(e.escalated_at).toISOString() })),
      };
    },
  );

  app.get(
    '/api/cases/:id/overrides',
    {
      config: { access: 'case.read' },
      schema: { tags: ['supervision'], summary: 'Overrides requested on a case', params: Id, response: responses({ 200: Type.Object({ items: Type.Array(CaseOverrideSchema) }) }) },
    },
    async (request) => {
      const c = await loadVisibleCase(app, request, (request.params as { id: string }).id);
      return { items: await overridesOf(app.db, c.id, request.principal!.kind === 'citizen' ? 'citizen' : 'staff') };
    },
  );
}

/** Two decisions are the same when outcome, every rule's result and value, and the results agree. */
export function sameDecision(a: Decision, b: Decision): boolean {
  const core = (d: Decision) => ({ outcome: d.outcome, results: d.results, trace: d.trace.map((t) => ({ id: t.ruleId, r: t.result, v: t.value ?? null })), parameters: d.parameters.map((p) => p.versionId), factsHash: d.factsHash });
  return canonicalJson(core(a)) === canonicalJson(core(b));
}
