import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { requestPaymentReceipt } from '../documents/payment-receipts.js';
import { accruedLateFeeFen } from './money.js';
import { lateFeePpm } from './parameters.js';

/**
 * Collection: payments reported by a bank (see bank.ts), applied to a bill in this
 * order — the contributions (principal) first, so the late fee stops growing on what is
 * paid; then the late fee accrued up to the day of payment; anything left over is held
 * as the payer's credit (溢缴款) and used by their next bill. A payment is posted once
 * per bank transaction reference (unique constraint), however often the bank calls.
 * When a bill's principal is fully paid its monthly entries become paid and the
 * employee pension share is credited to each personal account.
 */

export interface BankPaymentNotice {
  bankCode: string;
  /** The bank's transaction reference: the idempotency key. */
  txRef: string;
  billNo: string;
  amountFen: number;
  paidOn: string;
}

export interface PostedPayment {
  paymentId: string;
  duplicate: boolean;
  billId: string;
  billNo: string;
  amountFen: number;
  principalFen: number;
  lateFeeFen: number;
  creditFen: number;
  billStatus: string;
}

type BillRow = Awaited<ReturnType<typeof lockBill>>;

async function lockBill(trx: Db, where: { billNo?: string; billId?: string }) {
  let q = trx.selectFrom('contribution_bills').selectAll().forUpdate();
  q = where.billId ? q.where('bill_id', '=', where.billId) : q.where('bill_no', '=', where.billNo!);
  return q.executeTakeFirst();
}

function payerKey(b: { org_id: string | null; person_id: string | null; payer_kind: string }): string {
  return b.payer_kind === 'employer' ? `org:${b.org_id}` : `person:${b.person_id}`;
}

/** Late fee accrued on a bill up to `asOf` (inclusive), from its principal payments. */
export async function lateFeeAccrued(trx: Db, bill: NonNullable<BillRow>, asOf: string, extra?: { date: string; fen: number }, ppm?: number): Promise<number> {
  const pays = await trx.selectFrom('payments').select(['paid_on', 'principal_fen']).where('bill_id', '=', bill.bill_id).where('principal_fen', '>', 0).execute();
  const list = pays.map((p) => ({ date: p.paid_on, fen: p.principal_fen }));
  if (extra && extra.fen > 0) list.push(extra);
  const rate = ppm ?? (await lateFeePpm(trx, bill.due_date));
  return accruedLateFeeFen(bill.principal_fen, bill.due_date, list, asOf, rate);
}

async function apply(trx: Db, bill: NonNullable<BillRow>, amountFen: number, paidOn: string) {
  const principalDue = bill.principal_fen - bill.paid_principal_fen;
  const principal = Math.min(amountFen, principalDue);
  const accrued = await lateFeeAccrued(trx, bill, paidOn, { date: paidOn, fen: principal });
  const fee = Math.min(amountFen - principal, Math.max(0, accrued - bill.late_fee_paid_fen));
  return { principal, fee, credit: amountFen - principal - fee, accrued };
}

async function afterPosting(trx: Db, bill: NonNullable<BillRow>, alloc: { principal: number; fee: number; credit: number; accrued: number }, paidOn: string) {
  const paidPrincipal = bill.paid_principal_fen + alloc.principal;
  const feePaid = bill.late_fee_paid_fen + alloc.fee;
  const settledNow = paidPrincipal >= bill.principal_fen && !bill.settled_on;
  const status = paidPrincipal >= bill.principal_fen && feePaid >= alloc.accrued ? 'paid' : paidPrincipal > 0 || feePaid > 0 ? 'partial' : 'open';
  const updated = await trx
    .updateTable('contribution_bills')
    .set({ paid_principal_fen: paidPrincipal, late_fee_paid_fen: feePaid, status, settled_on: settledNow ? paidOn : bill.settled_on })
    .where('bill_id', '=', bill.bill_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (alloc.credit > 0) {
    await trx
      .insertInto('payer_credits')
      .values({ payer_key: payerKey(bill), org_id: bill.org_id, person_id: bill.person_id, credit_fen: alloc.credit })
      .onConflict((oc) => oc.column('payer_key').doUpdateSet({ credit_fen: sql`payer_credits.credit_fen + excluded.credit_fen` }))
      .execute();
  }
  if (settledNow) await settleBill(trx, bill.bill_id, paidOn);
  return updated;
}

/**
 * The bill's contributions are in: its monthly entries become paid, and the employee
 * pension share (8 %) of each is credited to the person's account, once per month
 * (unique (person, 'contribution', month)).
 */
export async function settleBill(trx: Db, billId: string, paidOn: string): Promise<void> {
  await trx.updateTable('contribution_entries').set({ paid: true }).where('bill_id', '=', billId).execute();
  const year = Number(paidOn.slice(0, 4));
  await sql`
    with ins as (
      insert into pension_account_entries (person_id, kind, year, amount_fen, ref)
      select person_id, 'contribution', ${year}, employee_fen, month from contribution_entries
      where bill_id = ${billId} and insurance_type = 'pension_employee' and employee_fen > 0
      on conflict (person_id, kind, ref) do nothing
      returning person_id, amount_fen
    )
    insert into pension_accounts (person_id, balance_fen)
    select person_id, sum(amount_fen) from ins group by person_id
    on conflict (person_id) do update set balance_fen = pension_accounts.balance_fen + excluded.balance_fen, updated_at = now()`.execute(trx);
}

/**
 * Posts a bank's payment notice. Idempotent on (bank, transaction reference): a
 * duplicated callback returns the first posting and changes nothing.
 */
export async function postBankPayment(db: Db, notice: BankPaymentNotice, actor: Actor): Promise<PostedPayment> {
  if (!Number.isInteger(notice.amountFen) || notice.amountFen <= 0) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/amountFen', reason: '正整数（分）/ a positive integer of fen' }] });
  return db.transaction().execute(async (trx) => {
    const bill = await lockBill(trx, { billNo: notice.billNo });
    const prior = await trx.selectFrom('payments').selectAll().where('bank_code', '=', notice.bankCode).where('tx_ref', '=', notice.txRef).executeTakeFirst();
    if (prior) return presentPosted(prior, true, bill?.status ?? 'unknown');
    if (!bill) throw new AppError('BILL_NOT_FOUND', { detail: `No bill ${notice.billNo}` });
    const alloc = await apply(trx, bill, notice.amountFen, notice.paidOn);
    const paymentId = uuid7();
    const row = await trx
      .insertInto('payments')
      .values({
        payment_id: paymentId,
        bank_code: notice.bankCode,
        tx_ref: notice.txRef,
        bill_id: bill.bill_id,
        bill_no: bill.bill_no,
        org_id: bill.org_id,
        person_id: bill.person_id,
        amount_fen: notice.amountFen,
        paid_on: notice.paidOn,
        principal_fen: alloc.principal,
        late_fee_fen: alloc.fee,
        credit_fen: alloc.credit,
        source: 'bank',
      })
      // A concurrent duplicate that got past the check above still posts once.
      .onConflict((oc) => oc.columns(['bank_code', 'tx_ref']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      const first = await trx.selectFrom('payments').selectAll().where('bank_code', '=', notice.bankCode).where('tx_ref', '=', notice.txRef).executeTakeFirstOrThrow();
      return presentPosted(first, true, bill.status);
    }
    const updated = await afterPosting(trx, bill, alloc, notice.paidOn);
    const payload = {
      paymentId,
      billId: bill.bill_id,
      billNo: bill.bill_no,
      orgId: bill.org_id,
      personId: bill.person_id,
      month: bill.month,
      bankCode: notice.bankCode,
      txRef: notice.txRef,
      amountFen: notice.amountFen,
      principalFen: alloc.principal,
      lateFeeFen: alloc.fee,
      creditFen: alloc.credit,
      paidOn: notice.paidOn,
    };
    // The electronic receipt (电子票据): queued here, in the posting's transaction, issued once by a worker.
    if (payload.amountFen > 0) await requestPaymentReceipt(trx, payload);
    await recordEvent(trx, { type: 'payment.received', aggregateType: 'contribution_bill', aggregateId: bill.bill_id, partitionKey: bill.org_id ?? bill.person_id ?? bill.bill_id, payload });
    await appendAudit(trx, actor, { action: 'insurance.payment.post', objectType: 'payment', objectId: paymentId, after: { ...payload, bill_status: updated.status } });
    return presentPosted(row, false, updated.status);
  });
}

function presentPosted(p: { payment_id: string; bill_id: string | null; bill_no: string; amount_fen: number; principal_fen: number; late_fee_fen: number; credit_fen: number }, duplicate: boolean, billStatus: string): PostedPayment {
  return { paymentId: p.payment_id, duplicate, billId: p.bill_id ?? '', billNo: p.bill_no, amountFen: p.amount_fen, principalFen: p.principal_fen, lateFeeFen: p.late_fee_fen, creditFen: p.credit_fen, billStatus };
}

/** Uses the payer's held credit for a new bill (a payment of source 'credit', no bank money). */
export async function applyCredit(trx: Db, billId: string, actor: Actor) {
  const bill = await lockBill(trx, { billId });
  if (!bill || bill.principal_fen === 0) return bill;
  const key = payerKey(bill);
  const credit = await trx.selectFrom('payer_credits').selectAll().where('payer_key', '=', key).forUpdate().executeTakeFirst();
  if (!credit || credit.credit_fen <= 0) return bill;
  const use = Math.min(credit.credit_fen, bill.principal_fen - bill.paid_principal_fen);
  if (use <= 0) return bill;
  await trx.updateTable('payer_credits').set({ credit_fen: credit.credit_fen - use }).where('payer_key', '=', key).execute();
  const today = bill.due_date < new Date().toISOString().slice(0, 10) ? bill.due_date : new Date().toISOString().slice(0, 10);
  const paymentId = uuid7();
  await trx
    .insertInto('payments')
    .values({ payment_id: paymentId, bank_code: 'CREDIT', tx_ref: `credit:${bill.bill_no}`, bill_id: bill.bill_id, bill_no: bill.bill_no, org_id: bill.org_id, person_id: bill.person_id, amount_fen: use, paid_on: today, principal_fen: use, late_fee_fen: 0, credit_fen: 0, source: 'credit' })
    .execute();
  const updated = await afterPosting(trx, bill, { principal: use, fee: 0, credit: 0, accrued: 0 }, today);
  await appendAudit(trx, actor, { action: 'insurance.credit.apply', objectType: 'contribution_bill', objectId: bill.bill_id, after: { payer: key, used_fen: use } });
  return updated;
}

export interface ArrearsLine {
  billId: string;
  billNo: string;
  orgId: string | null;
  personId: string | null;
  month: string;
  dueDate: string;
  principalDueFen: number;
  lateFeeDueFen: number;
  daysLate: number;
}

/** Unpaid bills (欠费) past their due date on `asOf`, with the late fee owed that day. */
export async function arrears(db: Db, opts: { asOf: string; orgId?: string | undefined; personId?: string | undefined; regionPrefix?: string; limit?: number }): Promise<ArrearsLine[]> {
  let q = db.selectFrom('contribution_bills').selectAll().where('status', '<>', 'paid').where('due_date', '<', opts.asOf).orderBy('due_date').limit(opts.limit ?? 200);
  if (opts.regionPrefix) {
    const like = `${opts.regionPrefix}%`;
    q = q.where((eb) =>
      eb.or([
        eb('org_id', 'in', eb.selectFrom('organisations').select('org_id').where('region_code', 'like', like)),
        eb('person_id', 'in', eb.selectFrom('persons').select('person_id').where('region_code', 'like', like)),
      ]),
    );
  }
  if (opts.orgId) q = q.where('org_id', '=', opts.orgId);
  if (opts.personId) q = q.where('person_id', '=', opts.personId);
  const bills = await q.execute();
  const out: ArrearsLine[] = [];
  for (const b of bills) {
    const accrued = await lateFeeAccrued(db, b, opts.asOf);
    const dayMs = 86_400_000;
    out.push({
      billId: b.bill_id,
      billNo: b.bill_no,
      orgId: b.org_id,
      personId: b.person_id,
      month: b.month,
      dueDate: b.due_date,
      principalDueFen: b.principal_fen - b.paid_principal_fen,
      lateFeeDueFen: Math.max(0, accrued - b.late_fee_paid_fen),
      daysLate: Math.round((Date.parse(opts.asOf) - Date.parse(b.due_date)) / dayMs),
    });
  }
  return out;
}

export async function listPayments(db: Db, opts: { billId?: string | undefined; orgId?: string | undefined; paidOn?: string | undefined; limit?: number }) {
  let q = db.selectFrom('payments').selectAll().orderBy('received_at', 'desc').limit(opts.limit ?? 100);
  if (opts.billId) q = q.where('bill_id', '=', opts.billId);
  if (opts.orgId) q = q.where('org_id', '=', opts.orgId);
  if (opts.paidOn) q = q.where('paid_on', '=', opts.paidOn);
  return (await q.execute()).map((p) => ({
    paymentId: p.payment_id,
    bankCode: p.bank_code,
    txRef: p.tx_ref,
    billId: p.bill_id,
    billNo: p.bill_no,
    orgId: p.org_id,
    personId: p.person_id,
    amountFen: p.amount_fen,
    paidOn: p.paid_on,
    principalFen: p.principal_fen,
    lateFeeFen: p.late_fee_fen,
    creditFen: p.credit_fen,
    source: p.source,
  }));
}

export async function payerCredit(db: Db, key: { orgId?: string; personId?: string }): Promise<number> {
  const k = key.orgId ? `org:${key.orgId}` : `person:${key.personId}`;
  const r = await db.selectFrom('payer_credits').select('credit_fen').where('payer_key', '=', k).executeTakeFirst();
  return r?.credit_fen ?? 0;
}
