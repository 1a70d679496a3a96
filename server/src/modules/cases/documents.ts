/**
 * Outcome documents of a case (受理回执, 一次性告知书, 决定书), issued by the documents module.
 * Issuing renders and seals a PDF (about a tenth of a second of CPU), so a transition only
 * queues it as a timer in its own transaction; a worker issues it once (the timer's dedup
 * key) and records it in the case history.
 */
import type { Db } from '../../db/connect.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import type { Citation } from '../policy/types.js';
import { getPerson } from '../masterdata/persons.js';
import { getOrganisation } from '../masterdata/organisations.js';
import { itemVersion, ports } from './ports.js';
import { chinaDate } from './clock.js';
import { scheduleTimer, type Ctx } from './engine.js';
import type { TimerHandler } from './timers.js';

export type CaseDocumentKind = 'acceptance_receipt' | 'one_time_notice' | 'decision_letter';

export interface DocumentRequest {
  kind: CaseDocumentKind;
  caseId?: string | null;
  noticeId?: string | null;
  outcome?: 'approved' | 'rejected' | 'not_accepted';
  reason?: string | null;
  citation?: Citation | null;
}

/** Queues the document in the caller's transaction; issued once by the workers. */
export async function requestDocument(trx: Db, ctx: Ctx, req: DocumentRequest): Promise<void> {
  const ref = req.caseId ?? req.noticeId ?? 'none';
  await scheduleTimer(trx, { kind: 'document', dueAt: ctx.now, payload: { ...req }, dedupKey: `document:${req.kind}:${ref}:${req.noticeId ?? req.outcome ?? ''}` }, ctx);
}

async function holderOf(db: Db, owner: { person_id: string | null; org_id: string | null }) {
  if (owner.person_id) {
    const p = await getPerson(db, owner.person_id);
    return { personId: owner.person_id, name: p?.name ?? '', idNumber: p?.resident_id ?? null };
  }
  const o = owner.org_id ? await getOrganisation(db, owner.org_id) : undefined;
  return { orgId: owner.org_id, name: o?.name ?? '', idNumber: o?.creditCode ?? null };
}

async function servicePointName(db: Db, id: string | null): Promise<string> {
  if (!id) return '网上办事大厅';
  const sp = await db.selectFrom('service_points').select('name').where('id', '=', id).executeTakeFirst();
  return sp?.name ?? id;
}

/** The timer: builds the document's data from the case (or notice) and issues it. */
export const documentHandler: TimerHandler = async (trx, timer, now) => {
  const req = timer.payload as unknown as DocumentRequest;
  const notice = req.noticeId ? await trx.selectFrom('notices').selectAll().where('id', '=', req.noticeId).executeTakeFirst() : undefined;
  const caseId = req.caseId ?? notice?.case_id ?? null;
  const c = caseId ? await trx.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirst() : undefined;
  const owner = c ?? notice;
  if (!owner) return;
  const holder = await holderOf(trx, owner);
  const item = (await itemVersion(trx, c?.item_version_id ?? notice!.item_version_id)).item;
  let issued: { id: string; number?: string } | null = null;
  if (req.kind === 'acceptance_receipt' && c) {
    const names = new Map(item.materials.map((m) => [m.code, m.name.zh]));
    issued = await ports.issueDocument(
      trx,
      'acceptance_receipt',
      {
        holder,
        caseId: c.id,
        caseNumber: c.tracking_no,
        itemName: item.name.zh,
        itemCode: item.code,
        acceptedAt: new Date(c.accepted_at ?? now).toISOString(),
        servicePointName: await servicePointName(trx, c.service_point_id),
        materials: Object.entries(c.materials).map(([code, v]) => ({ name: names.get(code) ?? code, how: v === 'reused' ? 'reused' : 'submitted' })),
        promisedDays: item.timeLimit.promisedDays,
        dueDate: c.promised_date,
      },
      SYSTEM_ACTOR,
      c.id,
    );
  } else if (req.kind === 'one_time_notice' && notice) {
    issued = await ports.issueDocument(
      trx,
      'one_time_notice',
      {
        holder,
        caseId: c?.id ?? null,
        caseNumber: c?.tracking_no ?? null,
        itemName: item.name.zh,
        missing: notice.missing.map((m) => ({ name: m.name.zh, requirement: m.reason })),
        servicePointName: await servicePointName(trx, notice.service_point_id),
        notes: `告知书编号 ${notice.number}`,
      },
      SYSTEM_ACTOR,
      c?.id ?? null,
    );
  } else if (req.kind === 'decision_letter' && c) {
    const rejected = req.outcome !== 'approved';
    issued = await ports.issueDocument(
      trx,
      'decision_letter',
      {
        holder,
        caseId: c.id,
        caseNumber: c.tracking_no,
        itemName: item.name.zh,
        outcome: rejected ? 'rejected' : 'approved',
        decidedOn: chinaDate(c.decided_at ?? now),
        summary: req.outcome === 'not_accepted' ? `您申请的${item.name.zh}不予受理。` : rejected ? `您申请的${item.name.zh}不予批准。` : `您申请的${item.name.zh}经审核予以批准。`,
        reasons: req.reason ? [req.reason] : [],
        legalBasis: req.citation ? [req.citation] : item.legalBasis,
      },
      SYSTEM_ACTOR,
      c.id,
    );
  }
  if (issued && c) {
    await trx
      .insertInto('case_events')
      .values({ case_id: c.id, person_id: c.person_id, org_id: c.org_id, actor_id: SYSTEM_ACTOR.userId, kind: 'document.issued', from_status: c.status, to_status: c.status, task_id: null, detail: JSON.stringify({ kind: req.kind, documentId: issued.id, number: issued.number ?? null }) })
      .execute();
    await recordEvent(trx, { type: 'case.document_issued', aggregateType: 'case', aggregateId: c.id, partitionKey: c.person_id ?? c.org_id ?? c.id, payload: { caseId: c.id, kind: req.kind, documentId: issued.id } });
  }
};
