/**
 * The electronic receipt (电子票据) for every contribution payment. Posting a payment
 * queues this in the payment's own transaction (a durable timer with the payment id as
 * its dedup key), so every posted payment gets exactly one receipt, issued by whichever
 * replica's worker takes it, and a duplicated bank callback queues nothing new.
 */
import type { Db } from '../../db/connect.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { getPerson } from '../masterdata/persons.js';
import { getOrganisation } from '../masterdata/organisations.js';
import { defaultArchiveStore } from '../archives/store.js';
import { scheduleTimer } from '../cases/engine.js';
import type { TimerHandler } from '../cases/timers.js';
import { issueDocument } from './service.js';
import type { Holder } from './kinds.js';

/** What the payment side hands over: all the receipt shows, nothing to look up in its tables. */
export interface PaymentReceiptRequest {
  paymentId: string;
  billNo: string;
  orgId: string | null;
  personId: string | null;
  /** 'YYYY-MM' the bill is for. */
  month: string;
  bankCode: string;
  txRef: string;
  amountFen: number;
  principalFen: number;
  lateFeeFen: number;
  creditFen: number;
  paidOn: string;
}

export const PAYMENT_RECEIPT_TIMER = 'document.payment_receipt';

export async function requestPaymentReceipt(trx: Db, req: PaymentReceiptRequest, now = new Date()): Promise<void> {
  await scheduleTimer(trx, { kind: PAYMENT_RECEIPT_TIMER, dueAt: now, payload: { ...req }, dedupKey: `payment_receipt:${req.paymentId}` });
}

export const paymentReceiptHandler: TimerHandler = async (trx, timer) => {
  const p = timer.payload as unknown as PaymentReceiptRequest;
  let holder: Holder;
  if (p.orgId) {
    const org = await getOrganisation(trx, p.orgId);
    holder = { orgId: p.orgId, name: org?.name ?? '', idNumber: org?.creditCode ?? null };
  } else {
    const person = p.personId ? await getPerson(trx, p.personId) : undefined;
    holder = { personId: p.personId ?? '', name: person?.name ?? '', idNumber: person?.resident_id ?? null };
  }
  const items: { label: string; period?: string | null; amountFen: number }[] = [];
  if (p.principalFen > 0) items.push({ label: `社会保险费（核定单 ${p.billNo}）`, period: p.month, amountFen: p.principalFen });
  if (p.lateFeeFen > 0) items.push({ label: '滞纳金（《社会保险法》第八十六条）', period: p.month, amountFen: p.lateFeeFen });
  if (p.creditFen > 0) items.push({ label: '多缴转预存（抵下期）', period: null, amountFen: p.creditFen });
  const doc = await issueDocument(
    trx,
    defaultArchiveStore(),
    'payment_receipt',
    { holder, paymentRef: `${p.bankCode}-${p.txRef}`, paidAt: `${p.paidOn}T00:00:00+08:00`, channel: `银行 ${p.bankCode}`, items, totalFen: p.amountFen },
    SYSTEM_ACTOR,
  );
  await recordEvent(trx, {
    type: 'payment.receipt_issued',
    aggregateType: 'payment',
    aggregateId: p.paymentId,
    partitionKey: p.orgId ?? p.personId ?? p.paymentId,
    payload: { paymentId: p.paymentId, documentId: doc.documentId, archiveId: doc.archiveId, number: doc.number },
  });
};
