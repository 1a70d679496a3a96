import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { parseYuan } from './money.js';
import type { ReconciliationKind } from './schema.js';

/**
 * Daily reconciliation (对账) of the payments posted from one bank against that bank's
 * statement of the day (CSV: tx_ref, bill_no, amount in yuan, paid_on). Each transaction
 * is matched on the bank's reference: matched, missing in our ledger (the bank has it,
 * no callback arrived), missing at the bank (we posted it, the bank does not list it),
 * or amount mismatch. Reconciliation only reports: nothing is posted here, so nothing
 * can be posted twice; staff post a missing payment through the normal, idempotent path.
 */

export interface ReconItem {
  kind: ReconciliationKind;
  txRef: string;
  ledgerFen: number | null;
  bankFen: number | null;
  paymentId: string | null;
}

export interface StatementLine {
  txRef: string;
  billNo: string;
  amountFen: number;
  paidOn: string;
}

export function parseStatement(csv: string): StatementLine[] {
  let records: Record<string, string>[];
  try {
    records = parse(csv.replace(/^\uFEFF/, ''), { columns: (h: string[]) => h.map((x) => x.trim().toLowerCase()), skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new AppError('MALFORMED_REQUEST', { detail: `The statement is not readable CSV: ${(e as Error).message}` });
  }
  const errors: { field: string; reason: string }[] = [];
  const out: StatementLine[] = [];
  records.forEach((r, i) => {
    const amount = parseYuan(r.amount ?? '');
    if (!r.tx_ref || amount === null || !/^\d{4}-\d{2}-\d{2}$/.test(r.paid_on ?? '')) {
      errors.push({ field: `/file/row/${i + 2}`, reason: '需要 tx_ref, bill_no, amount, paid_on / needs tx_ref, bill_no, amount, paid_on' });
      return;
    }
    out.push({ txRef: r.tx_ref, billNo: r.bill_no ?? '', amountFen: amount, paidOn: r.paid_on! });
  });
  if (errors.length) throw new AppError('VALIDATION_FAILED', { detail: 'Statement rows could not be read', errors });
  return out;
}

/** Compares a statement with the ledger (pure: used by reconcile and its tests). */
export function compare(statement: StatementLine[], ledger: { paymentId: string; txRef: string; amountFen: number }[]): ReconItem[] {
  const bank = new Map(statement.map((s) => [s.txRef, s]));
  const ours = new Map(ledger.map((l) => [l.txRef, l]));
  const items: ReconItem[] = [];
  for (const l of ledger) {
    const s = bank.get(l.txRef);
    if (!s) items.push({ kind: 'missing_in_bank', txRef: l.txRef, ledgerFen: l.amountFen, bankFen: null, paymentId: l.paymentId });
    else items.push({ kind: s.amountFen === l.amountFen ? 'matched' : 'amount_mismatch', txRef: l.txRef, ledgerFen: l.amountFen, bankFen: s.amountFen, paymentId: l.paymentId });
  }
  for (const s of statement) if (!ours.has(s.txRef)) items.push({ kind: 'missing_in_ledger', txRef: s.txRef, ledgerFen: null, bankFen: s.amountFen, paymentId: null });
  return items;
}

export async function reconcile(db: Db, input: { bankCode: string; statementDate: string; csv: string }, actor: Actor) {
  const statement = parseStatement(input.csv);
  const foreign = statement.filter((s) => s.paidOn !== input.statementDate);
  if (foreign.length) throw new AppError('VALIDATION_FAILED', { detail: `The statement lists days other than ${input.statementDate}`, errors: foreign.slice(0, 20).map((s) => ({ field: `/file/${s.txRef}`, reason: s.paidOn })) });
  const ledger = await db.selectFrom('payments').select(['payment_id', 'tx_ref', 'amount_fen']).where('bank_code', '=', input.bankCode).where('paid_on', '=', input.statementDate).where('source', '=', 'bank').execute();
  const items = compare(statement, ledger.map((l) => ({ paymentId: l.payment_id, txRef: l.tx_ref, amountFen: l.amount_fen })));
  const count = (k: ReconciliationKind) => items.filter((i) => i.kind === k).length;
  const reconId = uuid7();
  const sha = createHash('sha256').update(input.csv).digest('hex');
  return db.transaction().execute(async (trx) => {
    const summary = { matched: count('matched'), missing_in_ledger: count('missing_in_ledger'), missing_in_bank: count('missing_in_bank'), amount_mismatch: count('amount_mismatch') };
    await trx.insertInto('reconciliations').values({ recon_id: reconId, bank_code: input.bankCode, statement_date: input.statementDate, file_sha256: sha, ...summary, created_by: actor.userId }).execute();
    for (let i = 0; i < items.length; i += 1000) {
      await trx
        .insertInto('reconciliation_items')
        .values(items.slice(i, i + 1000).map((it) => ({ recon_id: reconId, kind: it.kind, tx_ref: it.txRef, ledger_fen: it.ledgerFen, bank_fen: it.bankFen, payment_id: it.paymentId })))
        .execute();
    }
    await recordEvent(trx, { type: 'insurance.reconciled', aggregateType: 'reconciliation', aggregateId: reconId, payload: { reconId, bankCode: input.bankCode, statementDate: input.statementDate, ...summary } });
    await appendAudit(trx, actor, { action: 'insurance.reconcile', objectType: 'reconciliation', objectId: reconId, after: { bank_code: input.bankCode, statement_date: input.statementDate, file_sha256: sha, ...summary } });
    return { reconId, bankCode: input.bankCode, statementDate: input.statementDate, fileSha256: sha, matched: summary.matched, missingInLedger: summary.missing_in_ledger, missingInBank: summary.missing_in_bank, amountMismatch: summary.amount_mismatch, exceptions: items.filter((i) => i.kind !== 'matched') };
  });
}

export async function getReconciliation(db: Db, reconId: string) {
  const r = await db.selectFrom('reconciliations').selectAll().where('recon_id', '=', reconId).executeTakeFirst();
  if (!r) return undefined;
  const items = await db.selectFrom('reconciliation_items').selectAll().where('recon_id', '=', reconId).where('kind', '<>', 'matched').orderBy('id').execute();
  return {
    reconId: r.recon_id,
    bankCode: r.bank_code,
    statementDate: r.statement_date,
    fileSha256: r.file_sha256,
    matched: r.matched,
    missingInLedger: r.missing_in_ledger,
    missingInBank: r.missing_in_bank,
    amountMismatch: r.amount_mismatch,
    exceptions: items.map((i) => ({ kind: i.kind, txRef: i.tx_ref, ledgerFen: i.ledger_fen, bankFen: i.bank_fen, paymentId: i.payment_id })),
  };
}
