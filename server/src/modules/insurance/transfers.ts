import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { getPerson } from '../masterdata/persons.js';
import { isMonth, mulDivHalfUp } from './money.js';
import { ParameterUses, pooledFundShareBp } from './parameters.js';

/**
 * Transfers of the employees' pension between pooling areas (关系转移接续,
 * 国办发〔2009〕66号). Outgoing: a transfer record with the months and their bases, the
 * personal-account balance (moved with the person), and the pooled-fund amount due —
 * 12 % (transfer.pooled_fund_share) of the sum of the bases of the months from 1998-01
 * on, rounded half up to the fen once. The months stay in our record marked
 * transferred out, so they no longer count here. Legacy months summarised without bases
 * (prior_months) travel as a count; they carry no pooled-fund amount because their bases
 * are not on record. Incoming: each month is counted once — a month we already hold
 * (e.g. the person's own earlier months coming back) is merged, not added twice.
 */

export const POOLED_FUND_FROM = '1998-01';

export interface TransferMonth {
  month: string;
  baseFen: number;
}

export function pooledFundFen(months: TransferMonth[], shareBp: number): number {
  const sum = months.filter((m) => m.month >= POOLED_FUND_FROM).reduce((s, m) => s + m.baseFen, 0);
  return mulDivHalfUp(sum, shareBp, 10_000);
}

export async function transferOut(db: Db, input: { personId: string; toArea: string; date: string; reference?: string }, actor: Actor) {
  const person = await getPerson(db, input.personId);
  if (!person) throw new AppError('NOT_FOUND');
  const uses = new ParameterUses();
  const shareBp = await pooledFundShareBp(db, input.date, uses);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`transfer:${input.personId}`}))`.execute(trx);
    const status = await trx.selectFrom('insured_status').selectAll().where('person_id', '=', input.personId).where('insurance_type', '=', 'pension_employee').executeTakeFirst();
    if (!status) throw new AppError('NOT_ENROLLED', { detail: 'No employees’ pension record to transfer' });
    if (status.status === 'active') throw new AppError('TRANSFER_NOT_ALLOWED', { detail: 'Stop the current insurance (减员) before transferring out' });
    const months = await trx
      .selectFrom('contribution_entries')
      .select(['month', 'base_fen'])
      .where('person_id', '=', input.personId)
      .where('insurance_type', '=', 'pension_employee')
      .where('paid', '=', true)
      .where('transfer_out_id', 'is', null)
      .orderBy('month')
      .execute();
    const list = months.map((m) => ({ month: m.month, baseFen: m.base_fen }));
    const acct = await trx.selectFrom('pension_accounts').selectAll().where('person_id', '=', input.personId).forUpdate().executeTakeFirst();
    const balance = acct?.balance_fen ?? 0;
    const pooled = pooledFundFen(list, shareBp);
    const transferId = uuid7();
    const reference = input.reference ?? `OUT-${transferId}`;
    await trx
      .insertInto('transfers')
      .values({
        transfer_id: transferId,
        person_id: input.personId,
        direction: 'out',
        insurance_type: 'pension_employee',
        other_area: input.toArea,
        reference,
        months: list.length,
        prior_months: status.prior_months,
        first_month: list[0]?.month ?? null,
        last_month: list.at(-1)?.month ?? null,
        account_balance_fen: balance,
        pooled_fund_fen: pooled,
        detail: JSON.stringify({ months: list }),
        parameters: JSON.stringify(uses.list()),
      })
      .execute();
    await trx.updateTable('contribution_entries').set({ transfer_out_id: transferId }).where('person_id', '=', input.personId).where('insurance_type', '=', 'pension_employee').where('paid', '=', true).where('transfer_out_id', 'is', null).execute();
    await trx.updateTable('insured_status').set({ status: 'stopped', prior_months: 0, since: input.date }).where('person_id', '=', input.personId).where('insurance_type', '=', 'pension_employee').execute();
    if (balance !== 0) {
      await trx.insertInto('pension_account_entries').values({ person_id: input.personId, kind: 'transfer_out', year: Number(input.date.slice(0, 4)), amount_fen: -balance, ref: transferId, parameters: null }).execute();
      await trx.updateTable('pension_accounts').set({ balance_fen: 0, updated_at: new Date() }).where('person_id', '=', input.personId).execute();
    }
    const out = { transferId, reference, personId: input.personId, toArea: input.toArea, months: list.length, priorMonths: status.prior_months, firstMonth: list[0]?.month ?? null, lastMonth: list.at(-1)?.month ?? null, accountBalanceFen: balance, pooledFundFen: pooled, detail: list, parameters: uses.list() };
    await recordEvent(trx, { type: 'insurance.transferred_out', aggregateType: 'person', aggregateId: input.personId, payload: { transferId, toArea: input.toArea, months: list.length, priorMonths: status.prior_months, accountBalanceFen: balance, pooledFundFen: pooled } });
    await appendAudit(trx, actor, { action: 'insurance.transfer.out', objectType: 'person', objectId: input.personId, after: { transfer_id: transferId, to_area: input.toArea, months: list.length, prior_months: status.prior_months, account_balance_fen: balance, pooled_fund_fen: pooled } });
    return out;
  });
}

export interface IncomingTransfer {
  personId: string;
  fromArea: string;
  /** The sending area's reference: importing the same record twice changes nothing. */
  reference: string;
  date: string;
  months: TransferMonth[];
  /** Months the sender holds only as a count (no bases). */
  priorMonths: number;
  accountBalanceFen: number;
  pooledFundFen: number;
}

/**
 * Imports an incoming transfer record. Each month is counted once: a month we hold as
 * transferred out comes back (un-marked), a month we hold and count already is merged
 * (listed as overlapping, not added), and only a month we do not hold is added.
 */
export async function transferIn(db: Db, input: IncomingTransfer, actor: Actor) {
  const person = await getPerson(db, input.personId);
  if (!person) throw new AppError('NOT_FOUND');
  const bad = input.months.filter((m) => !isMonth(m.month) || !Number.isInteger(m.baseFen) || m.baseFen < 0);
  if (bad.length) throw new AppError('VALIDATION_FAILED', { errors: bad.slice(0, 20).map((m) => ({ field: `/body/months/${m.month}`, reason: 'month YYYY-MM and baseFen ≥ 0' })) });
  const unique = new Map<string, TransferMonth>();
  for (const m of input.months) unique.set(m.month, m); // a month listed twice in the record is one month
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`transfer:${input.personId}`}))`.execute(trx);
    const again = await trx.selectFrom('transfers').select(['transfer_id', 'detail']).where('person_id', '=', input.personId).where('direction', '=', 'in').where('reference', '=', input.reference).executeTakeFirst();
    if (again) return { transferId: again.transfer_id, duplicate: true, ...(again.detail as { added: number; returned: number; overlapping: string[] }) };
    const held = await trx.selectFrom('contribution_entries').select(['month', 'transfer_out_id']).where('person_id', '=', input.personId).where('insurance_type', '=', 'pension_employee').execute();
    const heldBy = new Map(held.map((h) => [h.month, h]));
    const returned: string[] = [];
    const overlapping: string[] = [];
    const added: TransferMonth[] = [];
    for (const m of [...unique.values()].sort((a, b) => a.month.localeCompare(b.month))) {
      const h = heldBy.get(m.month);
      if (!h) added.push(m);
      else if (h.transfer_out_id) returned.push(m.month);
      else overlapping.push(m.month);
    }
    const transferId = uuid7();
    if (returned.length) {
      await trx.updateTable('contribution_entries').set({ transfer_out_id: null }).where('person_id', '=', input.personId).where('insurance_type', '=', 'pension_employee').where('month', 'in', returned).execute();
    }
    for (let i = 0; i < added.length; i += 500) {
      await trx
        .insertInto('contribution_entries')
        .values(added.slice(i, i + 500).map((m) => ({ person_id: input.personId, insurance_type: 'pension_employee' as const, month: m.month, org_id: null, base_fen: m.baseFen, employer_fen: 0, employee_fen: 0, paid: true, bill_id: null, source: 'transfer_in' as const })))
        .execute();
    }
    await trx
      .insertInto('insured_status')
      .values({ person_id: input.personId, insurance_type: 'pension_employee', status: 'stopped', since: input.date, prior_months: input.priorMonths })
      .onConflict((oc) => oc.columns(['person_id', 'insurance_type']).doUpdateSet({ prior_months: sql`insured_status.prior_months + ${input.priorMonths}` }))
      .execute();
    if (input.accountBalanceFen !== 0) {
      await trx.insertInto('pension_account_entries').values({ person_id: input.personId, kind: 'transfer_in', year: Number(input.date.slice(0, 4)), amount_fen: input.accountBalanceFen, ref: transferId, parameters: null }).execute();
      await trx
        .insertInto('pension_accounts')
        .values({ person_id: input.personId, balance_fen: input.accountBalanceFen, interest_year: null })
        .onConflict((oc) => oc.column('person_id').doUpdateSet({ balance_fen: sql`pension_accounts.balance_fen + ${input.accountBalanceFen}`, updated_at: new Date() }))
        .execute();
    }
    const detail = { added: added.length, returned: returned.length, overlapping, months: [...unique.values()] };
    const sorted = [...unique.keys()].sort();
    await trx
      .insertInto('transfers')
      .values({
        transfer_id: transferId,
        person_id: input.personId,
        direction: 'in',
        insurance_type: 'pension_employee',
        other_area: input.fromArea,
        reference: input.reference,
        months: unique.size,
        prior_months: input.priorMonths,
        first_month: sorted[0] ?? null,
        last_month: sorted.at(-1) ?? null,
        account_balance_fen: input.accountBalanceFen,
        pooled_fund_fen: input.pooledFundFen,
        detail: JSON.stringify(detail),
        parameters: JSON.stringify([]),
      })
      .execute();
    await recordEvent(trx, { type: 'insurance.transferred_in', aggregateType: 'person', aggregateId: input.personId, payload: { transferId, fromArea: input.fromArea, reference: input.reference, added: added.length, returned: returned.length, overlapping: overlapping.length, priorMonths: input.priorMonths } });
    await appendAudit(trx, actor, { action: 'insurance.transfer.in', objectType: 'person', objectId: input.personId, after: { transfer_id: transferId, from_area: input.fromArea, reference: input.reference, added: added.length, returned: returned.length, overlapping: overlapping.length, account_balance_fen: input.accountBalanceFen } });
    return { transferId, duplicate: false, added: added.length, returned: returned.length, overlapping };
  });
}

export async function listTransfers(db: Db, personId: string) {
  const rows = await db.selectFrom('transfers').selectAll().where('person_id', '=', personId).orderBy('created_at').execute();
  return rows.map((t) => ({
    transferId: t.transfer_id,
    direction: t.direction,
    insuranceType: t.insurance_type,
    otherArea: t.other_area,
    reference: t.reference,
    months: t.months,
    priorMonths: t.prior_months,
    firstMonth: t.first_month,
    lastMonth: t.last_month,
    accountBalanceFen: t.account_balance_fen,
    pooledFundFen: t.pooled_fund_fen,
    createdAt: t.created_at.toISOString(),
  }));
}
