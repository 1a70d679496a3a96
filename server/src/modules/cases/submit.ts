/**
 * Submission (申请): the wizard's answers become either a one-time notice of everything
 * missing (一次性告知, no case) or a case with a tracking number and a receipt. A teller
 * at a counter accepts (受理) at once; instant items (即办件) complete at once.
 */
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import type { Channel, ServiceItem } from '../catalogue/types.js';
import type { Decision, Facts } from '../policy/types.js';
import { applyAction, canWorkTask, DuplicateClientKey, scopeOfStep, runInTx, openStepTask, recordTransition, SYSTEM_STAFF, issueNotice, type CaseRow, type Ctx, type MissingMaterial, type Staff, type TaskRow } from './engine.js';
import { addWorkingDays, ports, type ItemVersion } from './ports.js';
import { chinaDate } from './clock.js';
import { nextTrackingNo } from './tracking.js';
import { personFactsQueries, wizardStep, validateAnswers, type Applicant, type MaterialView } from './wizard.js';
import { readTogetherQuery } from '../../db/read-together.js';
import { compiledTemplate } from '../../db/template.js';

export type MaterialInput = { code: string; archiveId: string } | { code: string; reuse: true };

export interface SubmitInput {
  itemCode: string;
  channel: Channel;
  servicePointId: string | null;
  answers: Record<string, unknown>;
  materials: MaterialInput[];
  /** `<user>:<Idempotency-Key>`, when the client sent one. */
  clientKey: string | null;
}

export interface Receipt {
  trackingNo: string;
  itemCode: string;
  itemName: { zh: string; en: string };
  applicantName: string;
  status: string;
  channel: string;
  servicePointId: string | null;
  submittedAt: string;
  acceptedAt: string | null;
  promisedDate: string;
  statutoryDate: string;
  materials: { code: string; source: 'submitted' | 'reused' }[];
  documentId: string | null;
  sealId: string | null;
}

export type SubmitResult =
  | { result: 'notice'; notice: { number: string; itemCode: string; itemName: { zh: string; en: string }; issuedAt: string; missing: MissingMaterial[] } }
  | { result: 'receipt'; case: CaseRow; receipt: Receipt; replayed: boolean };

/** Every required material not given (or not usable): the whole list, at once. */
export async function missingMaterials(db: Db, applicant: Applicant, views: MaterialView[], given: MaterialInput[]): Promise<{ missing: MissingMaterial[]; materials: Record<string, string> }> {
  const byCode = new Map(given.map((g) => [g.code, g]));
  const missing: MissingMaterial[] = [];
  const materials: Record<string, string> = {};
  const owner = { personId: applicant.personId, orgId: applicant.orgId };
  for (const v of views) {
    const g = byCode.get(v.code);
    if (g && 'archiveId' in g) {
      if (await ports.archiveRecordOwnedBy(db, g.archiveId, owner)) {
        materials[v.code] = g.archiveId;
        continue;
      }
      if (v.required) missing.push({ code: v.code, name: v.name, reason: '所附电子材料不存在或不属于申请人 / the attached record was not found for this applicant' });
      continue;
    }
    if (g && 'reuse' in g) {
      if (v.reusable) {
        materials[v.code] = v.reusable.archiveId ?? 'reused';
        continue;
      }
      if (v.required) missing.push({ code: v.code, name: v.name, reason: '系统中没有可复用的该材料，请提交 / nothing on file to reuse; please submit it' });
      continue;
    }
    if (v.required) missing.push({ code: v.code, name: v.name, reason: v.reason });
  }
  return { missing, materials };
}

export function receiptOf(c: CaseRow, applicantName: string, extra: { documentId?: string | null; sealId?: string | null; itemName: { zh: string; en: string } }): Receipt {
  return {
    trackingNo: c.tracking_no,
    itemCode: c.item_code,
    itemName: extra.itemName,
    applicantName,
    status: c.status,
    channel: c.channel,
    servicePointId: c.service_point_id,
    submittedAt: new Date(c.created_at).toISOString(),
    acceptedAt: c.accepted_at ? new Date(c.accepted_at).toISOString() : null,
    promisedDate: c.promised_date,
    statutoryDate: c.statutory_date,
    materials: Object.entries(c.materials).map(([code, v]) => ({ code, source: v === 'reused' ? 'reused' : 'submitted' })),
    documentId: extra.documentId ?? null,
    sealId: extra.sealId ?? null,
  };
}

export interface CreateCaseInput {
  version: ItemVersion;
  applicant: Applicant;
  answers: Record<string, unknown>;
  materials: Record<string, string>;
  facts: Facts;
  decision: Decision;
  channel: string;
  servicePointId: string | null;
  submittedBy: string | null;
  clientKey: string | null;
  /** A teller accepting at the counter; the system for instant items; null = wait for acceptance. */
  acceptBy: Staff | null;
}

/**
 * Creates the case, its first task, and (when someone accepts at once) runs the acceptance.
 * Returns null when a case with the same client key already exists (a retried request).
 */
export async function createCase(trx: Db, ctx: Ctx, input: CreateCaseInput): Promise<{ case: CaseRow; created: boolean }> {
  const item = input.version.item;
  const today = chinaDate(ctx.now);
  const [promised, statutory, trackingNo] = await Promise.all([
    addWorkingDays(trx, today, item.timeLimit.promisedDays),
    addWorkingDays(trx, today, item.timeLimit.statutoryDays),
    nextTrackingNo(trx, today),
  ]);
  const now = new Date();
  const row: CaseRow = {
    id: uuid7(),
    tracking_no: trackingNo,
    item_code: item.code,
    item_version_id: input.version.versionId,
    item_name: item.name.zh,
    domain: item.domain,
    person_id: input.applicant.personId,
    org_id: input.applicant.orgId,
    region_code: input.applicant.regionCode,
    answers: input.answers,
    materials: input.materials,
    facts: input.facts as unknown as Record<string, unknown>,
    decision: input.decision as unknown as Record<string, unknown>,
    channel: input.channel,
    service_point_id: input.servicePointId,
    submitted_by: input.submittedBy,
    client_key: input.clientKey,
    status: 'submitted',
    current_step: item.steps[0]!.key,
    promised_date: promised,
    statutory_date: statutory,
    outcome_reason: null,
    outcome_citation: null,
    created_at: now,
    updated_at: now,
    accepted_at: null,
    decided_at: null,
    completed_at: null,
    version: 1,
  };
  const values = { ...row, answers: JSON.stringify(row.answers), materials: JSON.stringify(row.materials), facts: JSON.stringify(row.facts), decision: JSON.stringify(row.decision), outcome_citation: null };
  let c: CaseRow;
  if (ctx.deferred) {
    // Written by the transition's one statement, with its first task and history (runInTx);
    // a clash on the client key undoes that statement (DuplicateClientKey, see submitApplication).
    ctx.deferred.newCase = values;
    c = row;
  } else {
    const inserted = await trx.insertInto('cases').values(values).onConflict((oc) => oc.column('client_key').doNothing()).returningAll().executeTakeFirst();
    if (!inserted) {
      const existing = await trx.selectFrom('cases').selectAll().where('client_key', '=', input.clientKey).executeTakeFirstOrThrow();
      return { case: existing, created: false };
    }
    c = inserted;
  }
  await recordTransition(trx, ctx, c, { kind: 'case.submitted', from: null, detail: { channel: input.channel, servicePointId: input.servicePointId, outcome: input.decision.outcome } });
  // Accepted at once (a teller at the counter, or an instant item): the acceptance task is born done.
  const task = await openStepTask(trx, ctx, c, item, 0, input.acceptBy ? { by: input.acceptBy.userId, action: 'accept' } : undefined);
  if (input.acceptBy) c = await applyAction(trx, ctx, c, item, task, { action: 'accept' });
  return { case: c, created: true };
}

/**
 * The whole submission. `staff` is the teller when a teller submits at a counter (the
 * acceptance is theirs at once when the acceptance task falls in their scope).
 */
export async function submitApplication(db: Db, ctx: Ctx, applicant: Applicant, input: SubmitInput, opts: { submittedBy: string; staff: Staff | null }): Promise<SubmitResult> {
  const today = chinaDate(ctx.now);
  const opening = await readOpening(db, applicant, input, today);
  if (opening.existing) {
    // A retry of a request whose case already exists: the same receipt again, nothing new.
    return replayReceipt(db, await db.selectFrom('cases').selectAll().where('id', '=', opening.existing).executeTakeFirstOrThrow(), applicant);
  }
  const version = opening.version && (await ports.itemVersionOfRow(db, opening.version));
  if (!version) throw new AppError('NOT_FOUND', { detail: `no item ${input.itemCode} in force on ${today}` });
  if (opening.factRows) applicant = { ...applicant, factRows: opening.factRows };
  const item = version.item;
  if (!item.channels.includes(input.channel)) throw new AppError('CHANNEL_NOT_ALLOWED', { detail: `${item.code} is offered on: ${item.channels.join(', ')}` });
  if ((item.applicant === 'organisation') !== (applicant.kind === 'organisation')) {
    throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/applicantId', reason: `${item.code} is applied for by ${item.applicant === 'organisation' ? 'an organisation' : 'a person'}`, code: 'applicant_kind' }] });
  }
  const step = await wizardStep(db, version, applicant, input.answers, today);
  const errors = validateAnswers(item, input.answers, step.known, { requireAll: true });
  const codes = new Set(item.materials.map((m) => m.code));
  input.materials.forEach((m, i) => {
    if (!codes.has(m.code)) errors.push({ field: `/body/materials/${i}/code`, reason: `${m.code} is not a material of ${item.code}`, code: 'unknown_material' });
  });
  if (errors.length) throw new AppError('VALIDATION_FAILED', { errors });

  const { missing, materials } = await missingMaterials(db, applicant, step.materials, input.materials);
  if (missing.length) {
    const notice = await runInTx(db, ctx, (trx, ctx) => issueNotice(trx, ctx, { kind: 'submission', item, itemVersionId: version.versionId, personId: applicant.personId, orgId: applicant.orgId, missing }));
    return { result: 'notice', notice: { number: notice.number, itemCode: item.code, itemName: item.name, issuedAt: notice.createdAt.toISOString(), missing } };
  }

  const acceptBy = await whoAcceptsNow(db, item, input, opts.staff, applicant);
  const out = await runInTx(db, ctx, async (trx, ctx) => {
    const made = await createCase(trx, ctx, {
      version,
      applicant,
      answers: step.facts.answers,
      materials,
      facts: step.facts as unknown as Facts,
      decision: step.decision,
      channel: input.channel,
      servicePointId: input.servicePointId,
      submittedBy: opts.submittedBy,
      clientKey: input.clientKey,
      acceptBy,
    });
    if (!made.created) return { ...made, sealId: null, documentId: null };
    const seal = await ports.sealSubmission(trx, {
      caseId: made.case.id,
      personId: made.case.person_id,
      orgId: made.case.org_id,
      trackingNo: made.case.tracking_no,
      itemCode: item.code,
      payload: { answers: made.case.answers, materials, decision: { outcome: step.decision.outcome, factsHash: step.decision.factsHash } },
      actor: ctx.actor,
    });
    return { ...made, sealId: seal?.id ?? null, documentId: null };
  }).catch(async (e) => {
    // The same request again, concurrently: the first one's case stands, this one replays it.
    if (!(e instanceof DuplicateClientKey) || !input.clientKey) throw e;
    const existing = await db.selectFrom('cases').selectAll().where('client_key', '=', input.clientKey).executeTakeFirstOrThrow();
    return { case: existing, created: false, sealId: null, documentId: null };
  });
  if (!out.created) return replayReceipt(db, out.case, applicant);
  return { result: 'receipt', case: out.case, receipt: receiptOf(out.case, applicant.name, { itemName: item.name, documentId: out.documentId, sealId: out.sealId }), replayed: false };
}

// What an application starts from, in one round trip: a case already made under its client key
// (no key: '' matches none), the item version in force and, for a person, the facts' rows.
const openingReads = (db: Db, clientKey: string, itemCode: string, date: string) => ({
  existing: db.selectFrom('cases').select('id').where('client_key', '=', clientKey),
  version: ports.versionInForceQuery(db, itemCode, date),
});
const personOpening = compiledTemplate((db: Db, clientKey: string, itemCode: string, date: string, personId: string) =>
  readTogetherQuery(db, { ...openingReads(db, clientKey, itemCode, date), ...personFactsQueries(db, personId) }),
);
const organisationOpening = compiledTemplate((db: Db, clientKey: string, itemCode: string, date: string) => readTogetherQuery(db, openingReads(db, clientKey, itemCode, date)));

async function readOpening(db: Db, applicant: Applicant, input: SubmitInput, date: string) {
  const key = input.clientKey ?? '';
  if (applicant.kind === 'person' && applicant.personId) {
    const { existing, version, ...factRows } = (await db.executeQuery(personOpening(db, key, input.itemCode, date, applicant.personId))).rows[0]!;
    return { existing: existing[0]?.id, version: version[0], factRows };
  }
  const { existing, version } = (await db.executeQuery(organisationOpening(db, key, input.itemCode, date))).rows[0]!;
  return { existing: existing[0]?.id, version: version[0], factRows: undefined };
}

async function replayReceipt(db: Db, c: CaseRow, applicant: Applicant): Promise<SubmitResult> {
  const v = await ports.itemVersionById(db, c.item_version_id);
  return { result: 'receipt', case: c, receipt: receiptOf(c, applicant.name, { itemName: v?.item.name ?? { zh: c.item_name, en: c.item_code } }), replayed: true };
}

/**
 * Acceptance at once: by the teller at the counter when the acceptance task falls in their
 * scope (通办: the task is scoped to the teller's own service point), by the system for
 * instant items; otherwise the case waits in the acceptance queue (online applications).
 */
async function whoAcceptsNow(db: Db, item: ServiceItem, input: SubmitInput, staff: Staff | null, applicant: Applicant): Promise<Staff | null> {
  if (staff && input.servicePointId) {
    const scope = await scopeOfStep(db, { service_point_id: input.servicePointId, region_code: applicant.regionCode, domain: item.domain }, item.steps[0]!, 0);
    if (canWorkTask(staff, { role: item.steps[0]!.role, scope, region_code: applicant.regionCode })) return staff;
  }
  return item.instant ? SYSTEM_STAFF : null;
}
