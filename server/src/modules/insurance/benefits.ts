import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { getPerson } from '../masterdata/persons.js';
import { addMonths, isMonth } from './money.js';
import { yearlyAdjustment } from './parameters.js';
import { inTransaction } from './account.js';
import { lockBenefitsAgainstPayroll, paidThrough } from './payroll.js';

/**
 * Running benefits (待遇): pensions and unemployment benefits, started by the case
 * engine's decisions and paid by the monthly payroll (payroll.ts). Amounts are decided
 * elsewhere (the retirement decision computes basic and account parts); this module
 * pays them, adds the yearly adjustments, and suspends and reinstates.
 */

/** Banks the demo city's social security cards are issued with (financial cards, 社保卡金融账户). */
export const PAYING_BANKS = ['ICBC', 'CCB', 'ABC', 'BOC', 'WHCB'] as const;

/** Where a benefit is paid when the decision names no account: the person's social security card account. */
export async function defaultPayAccount(db: Db, personId: string): Promise<{ bankCode: string; accountNo: string }> {
  const card = await db.selectFrom('ss_cards').select('card_no').where('person_id', '=', personId).where('status', '=', 'active').executeTakeFirst();
  const h = createHash('sha256').update(personId).digest();
  return { bankCode: PAYING_BANKS[h[0]! % PAYING_BANKS.length]!, accountNo: card ? `SSC${card.card_no}` : `SSC${h.toString('hex').slice(0, 16).toUpperCase()}` };
}

function presentBenefit(b: { benefit_id: string; person_id: string; kind: string; start_month: string; end_month: string | null; basic_fen: number; account_fen: number; status: string; suspended_from: string | null; paid_through: string | null; bank_code: string; decision_ref: string }) {
  return { benefitId: b.benefit_id, personId: b.person_id, kind: b.kind, startMonth: b.start_month, endMonth: b.end_month, basicFen: b.basic_fen, accountFen: b.account_fen, status: b.status, suspendedFrom: b.suspended_from, paidThrough: b.paid_through, bankCode: b.bank_code, decisionRef: b.decision_ref };
}

async function insertBenefit(db: Db, kind: 'pension' | 'unemployment', v: { personId: string; startMonth: string; endMonth: string | null; basicFen: number; accountFen: number; decisionRef: string; bankCode?: string | undefined; accountNo?: string | undefined; accountName?: string | undefined }, actor: Actor) {
  if (!isMonth(v.startMonth)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/startMonth', reason: 'YYYY-MM' }] });
  for (const [k, n] of [['basicFen', v.basicFen], ['accountFen', v.accountFen]] as const) {
    if (!Number.isInteger(n) || n < 0) throw new AppError('VALIDATION_FAILED', { errors: [{ field: `/body/${k}`, reason: '非负整数（分）/ a non-negative integer of fen' }] });
  }
  const person = await getPerson(db, v.personId);
  if (!person) throw new AppError('NOT_FOUND', { detail: 'No such person' });
  const pay = v.bankCode && v.accountNo ? { bankCode: v.bankCode, accountNo: v.accountNo } : await defaultPayAccount(db, v.personId);
  return inTransaction(db, async (trx) => {
    const benefitId = uuid7();
    const row = await trx
      .insertInto('benefits')
      .values({ benefit_id: benefitId, person_id: v.personId, kind, start_month: v.startMonth, end_month: v.endMonth, basic_fen: v.basicFen, account_fen: v.accountFen, suspended_from: null, paid_through: null, bank_code: pay.bankCode, account_no: pay.accountNo, account_name: v.accountName ?? person.name, decision_ref: v.decisionRef })
      .onConflict((oc) => oc.columns(['person_id', 'kind']).where('status', '<>', sql.lit('ended')).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('BENEFIT_EXISTS', { detail: `A ${kind} is already running for this person` });
    if (kind === 'pension') {
      await trx
        .insertInto('insured_status')
        .values({ person_id: v.personId, insurance_type: 'pension_employee', status: 'retired', since: `${v.startMonth}-01`, prior_months: 0 })
        .onConflict((oc) => oc.columns(['person_id', 'insurance_type']).doUpdateSet({ status: 'retired', since: `${v.startMonth}-01` }))
        .execute();
    }
    await recordEvent(trx, { type: `benefit.${kind}_started`, aggregateType: 'person', aggregateId: v.personId, payload: { benefitId, personId: v.personId, startMonth: v.startMonth, endMonth: v.endMonth, basicFen: v.basicFen, accountFen: v.accountFen, decisionRef: v.decisionRef } });
    await appendAudit(trx, actor, { action: `benefit.${kind}.start`, objectType: 'benefit', objectId: benefitId, after: { person_id: v.personId, start_month: v.startMonth, end_month: v.endMonth, basic_fen: v.basicFen, account_fen: v.accountFen, decision_ref: v.decisionRef, bank_code: pay.bankCode } });
    return presentBenefit(row);
  });
}

/** Starts a pension (basic + personal-account parts, monthly, in fen) from `startMonth`. Called by the retirement case. */
export async function startPension(db: Db, input: { personId: string; startMonth: string; basicFen: number; accountFen: number; decisionRef: string; bankCode?: string; accountNo?: string; accountName?: string }, actor: Actor) {
  return insertBenefit(db, 'pension', { ...input, endMonth: null }, actor);
}

/** Starts an unemployment benefit of `monthlyFen` for `months` months from `startMonth`. Called by the unemployment case. */
export async function startUnemploymentBenefit(db: Db, input: { personId: string; startMonth: string; months: number; monthlyFen: number; decisionRef: string; bankCode?: string; accountNo?: string; accountName?: string }, actor: Actor) {
  if (!Number.isInteger(input.months) || input.months < 1 || input.months > 24) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/months', reason: '1–24 (社会保险法第四十六条)' }] });
  return insertBenefit(db, 'unemployment', { personId: input.personId, startMonth: input.startMonth, endMonth: addMonths(input.startMonth, input.months - 1), basicFen: input.monthlyFen, accountFen: 0, decisionRef: input.decisionRef, bankCode: input.bankCode, accountNo: input.accountNo, accountName: input.accountName }, actor);
}

/** The running benefit, locked, with the month it is really paid through (see paidThrough). */
async function runningBenefit(trx: Db, personId: string, kind: 'pension' | 'unemployment') {
  // Not while a payroll chunk is being computed: it would pay from a state this changes.
  await lockBenefitsAgainstPayroll(trx, 'change');
  const b = await trx.selectFrom('benefits').selectAll().where('person_id', '=', personId).where('kind', '=', kind).where('status', '<>', 'ended').forUpdate().executeTakeFirst();
  if (!b) throw new AppError('NOT_FOUND', { detail: `No running ${kind}` });
  return { ...b, paid_through: await paidThrough(trx, b) };
}

/**
 * Suspends a pension from `fromMonth` (暂停发放, e.g. the yearly life certification not
 * done). Months from then on are not paid by the payroll until reinstated.
 */
export async function suspendPension(db: Db, input: { personId: string; fromMonth: string; reason: string }, actor: Actor) {
  if (!isMonth(input.fromMonth)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/fromMonth', reason: 'YYYY-MM' }] });
  return inTransaction(db, async (trx) => {
    const b = await runningBenefit(trx, input.personId, 'pension');
    if (b.status === 'suspended') throw new AppError('CONFLICT', { detail: 'Already suspended' });
    // Months already paid stay paid; the suspension takes effect from the first unpaid month at the earliest.
    const from = b.paid_through && b.paid_through >= input.fromMonth ? addMonths(b.paid_through, 1) : input.fromMonth;
    // paid_through is written here: the payroll will not pay this benefit next month, so
    // the month it was paid through can no longer be read from the previous run.
    // It leaves the monthly rhythm (rhythm_from, D17): after a reinstatement, the run that
    // pays it again starts it anew.
    const row = await trx.updateTable('benefits').set({ status: 'suspended', suspended_from: from, paid_through: b.paid_through, rhythm_from: null }).where('benefit_id', '=', b.benefit_id).returningAll().executeTakeFirstOrThrow();
    await recordEvent(trx, { type: 'benefit.pension_suspended', aggregateType: 'person', aggregateId: input.personId, payload: { benefitId: b.benefit_id, fromMonth: from, reason: input.reason } });
    await appendAudit(trx, actor, { action: 'benefit.pension.suspend', objectType: 'benefit', objectId: b.benefit_id, before: { status: b.status }, after: { status: 'suspended', suspended_from: from, reason: input.reason } });
    return presentBenefit(row);
  });
}

/**
 * Reinstates a suspended pension (恢复发放). With `payArrears` (the default: the
 * suspension was only a pending check) the months missed are paid as arrears (补发) by
 * the next payroll run; without, payment resumes from `fromMonth` and the months of the
 * suspension are forfeited.
 */
export async function reinstatePension(db: Db, input: { personId: string; fromMonth: string; payArrears?: boolean; reason?: string }, actor: Actor) {
  if (!isMonth(input.fromMonth)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/fromMonth', reason: 'YYYY-MM' }] });
  const payArrears = input.payArrears ?? true;
  return inTransaction(db, async (trx) => {
    const b = await runningBenefit(trx, input.personId, 'pension');
    if (b.status !== 'suspended') throw new AppError('CONFLICT', { detail: 'Not suspended' });
    const through = payArrears ? b.paid_through : addMonths(input.fromMonth, -1) > (b.paid_through ?? '') ? addMonths(input.fromMonth, -1) : b.paid_through;
    const row = await trx.updateTable('benefits').set({ status: 'active', suspended_from: null, paid_through: through, rhythm_from: null }).where('benefit_id', '=', b.benefit_id).returningAll().executeTakeFirstOrThrow();
    await recordEvent(trx, { type: 'benefit.pension_reinstated', aggregateType: 'person', aggregateId: input.personId, payload: { benefitId: b.benefit_id, fromMonth: input.fromMonth, payArrears, suspendedFrom: b.suspended_from } });
    await appendAudit(trx, actor, { action: 'benefit.pension.reinstate', objectType: 'benefit', objectId: b.benefit_id, before: { status: 'suspended', suspended_from: b.suspended_from }, after: { status: 'active', pay_arrears: payArrears, paid_through: through, reason: input.reason ?? null } });
    return presentBenefit(row);
  });
}

/**
 * The yearly pension adjustment (养老金调整) of `year`: every pension that started
 * before the year gets fixedFen + percentBp of its pension before the adjustment
 * (basic + account + earlier adjustments), rounded half up to the fen, from January.
 * Set-based and idempotent (primary key (benefit, effective month)).
 */
export async function applyYearlyAdjustment(db: Db, year: number, actor: Actor) {
  const adj = await yearlyAdjustment(db, year);
  if (!adj) throw new AppError('NOT_FOUND', { detail: `No pension adjustment published for ${year}` });
  const month = `${year}-01`;
  return inTransaction(db, async (trx) => {
    const r = await sql<{ n: number; total: number }>`
      with ins as (
        insert into benefit_adjustments (benefit_id, person_id, effective_month, amount_fen, parameter_version)
        select b.benefit_id, b.person_id, ${month},
          ${adj.fixedFen}::bigint + ((b.basic_fen + b.account_fen + coalesce(p.prior, 0)) * ${adj.percentBp}::bigint * 2 + 10000) / 20000,
          ${adj.version.versionId}
        from benefits b
        left join lateral (select sum(a.amount_fen)::bigint as prior from benefit_adjustments a where a.benefit_id = b.benefit_id and a.effective_month < ${month}) p on true
        where b.kind = 'pension' and b.status <> 'ended' and b.start_month < ${month}
        on conflict do nothing
        returning benefit_id, effective_month, amount_fen
      ), in_force as (
        -- What the payroll reads (see chunkStatement): only for adjustments added now.
        update benefits b set adjustments_fen = b.adjustments_fen + ins.amount_fen, last_adjustment_month = greatest(b.last_adjustment_month, ins.effective_month)
        from ins where b.benefit_id = ins.benefit_id
      ) select count(*)::int as n, coalesce(sum(amount_fen), 0)::bigint as total from ins`.execute(trx);
    const row = r.rows[0]!;
    await recordEvent(trx, { type: 'benefit.pensions_adjusted', aggregateType: 'pension_adjustment', aggregateId: String(year), payload: { year, pensions: Number(row.n), monthlyTotalFen: Number(row.total), versionId: adj.version.versionId } });
    await appendAudit(trx, actor, { action: 'benefit.pension.adjust', objectType: 'pension_adjustment', objectId: String(year), after: { year, pensions: Number(row.n), monthly_total_fen: Number(row.total), version: adj.version.versionId } });
    return { year, pensions: Number(row.n), monthlyTotalFen: Number(row.total), versionId: adj.version.versionId };
  });
}

export async function benefitsOf(db: Db, personId: string) {
  const stored = await db.selectFrom('benefits').selectAll().where('person_id', '=', personId).orderBy('created_at').execute();
  const rows = await Promise.all(stored.map(async (b) => ({ ...b, paid_through: await paidThrough(db, b) })));
  const adj = await db.selectFrom('benefit_adjustments').select(['benefit_id', 'effective_month', 'amount_fen']).where('person_id', '=', personId).orderBy('effective_month').execute();
  return rows.map((b) => ({ ...presentBenefit(b), adjustments: adj.filter((a) => a.benefit_id === b.benefit_id).map((a) => ({ effectiveMonth: a.effective_month, amountFen: a.amount_fen })) }));
}
