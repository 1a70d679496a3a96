import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { clampBase, dueDateOf, isMonth, lineAmountFen } from './money.js';
import { baseLimitsAt, contributionRates, ParameterUses, type ContributionRates } from './parameters.js';
import { applyCredit } from './payments.js';
import type { BillTable } from './schema.js';

/**
 * Contribution assessment (缴费核定). For each month and employer: every employee
 * enrolled in the month, the wage declared for it (the latest declaration at or before
 * the month; none yet → the floor), the base clamped to the month's limits (60 %–300 %
 * of the average monthly wage in force on the month's first day), and one line per
 * insurance type and party, each rounded half up to the fen (HALF_UP_PER_LINE in
 * money.ts). The bill is the sum of its lines. One bill per employer per month.
 */

export interface AssessedLine {
  insuranceType: 'pension_employee' | 'unemployment' | 'work_injury' | 'medical_employee';
  baseFen: number;
  employerFen: number;
  employeeFen: number;
}

/** The lines of one employee-month: what the SQL below computes, in TypeScript (tests and previews). */
export function employeeLines(wageFen: number, limits: { floorFen: number; ceilingFen: number }, rates: ContributionRates, riskClass: number): AssessedLine[] {
  const base = clampBase(wageFen, limits);
  const line = (t: AssessedLine['insuranceType'], er: number, ee: number): AssessedLine => ({ insuranceType: t, baseFen: base, employerFen: lineAmountFen(base, er), employeeFen: lineAmountFen(base, ee) });
  return [
    line('pension_employee', rates.pension_employee.employerBp, rates.pension_employee.employeeBp),
    line('unemployment', rates.unemployment.employerBp, rates.unemployment.employeeBp),
    line('work_injury', rates.workInjuryByClass[riskClass - 1]!, 0),
    line('medical_employee', rates.medical_employee.employerBp, rates.medical_employee.employeeBp),
  ];
}

/**
 * A flexible worker's month: pension only, the whole rate paid by the person; the line
 * records the pooled part (totalBp − accountBp, 12 %) as employer_fen and the personal
 * account part (8 %) as employee_fen, each rounded half up.
 */
export function flexibleLine(chosenFen: number, limits: { floorFen: number; ceilingFen: number }, rates: ContributionRates): AssessedLine {
  const base = clampBase(chosenFen, limits);
  return { insuranceType: 'pension_employee', baseFen: base, employerFen: lineAmountFen(base, rates.flexible.totalBp - rates.flexible.accountBp), employeeFen: lineAmountFen(base, rates.flexible.accountBp) };
}

export interface BillView {
  billId: string;
  billNo: string;
  payerKind: 'employer' | 'person';
  orgId: string | null;
  personId: string | null;
  month: string;
  dueDate: string;
  principalFen: number;
  paidPrincipalFen: number;
  lateFeePaidFen: number;
  settledOn: string | null;
  status: string;
  parameters: { key: string; versionId: string }[];
}

export function presentBill(b: Selectable<BillTable>): BillView {
  return {
    billId: b.bill_id,
    billNo: b.bill_no,
    payerKind: b.payer_kind,
    orgId: b.org_id,
    personId: b.person_id,
    month: b.month,
    dueDate: b.due_date,
    principalFen: b.principal_fen,
    paidPrincipalFen: b.paid_principal_fen,
    lateFeePaidFen: b.late_fee_paid_fen,
    settledOn: b.settled_on,
    status: b.status,
    parameters: b.parameters,
  };
}

async function billParameters(db: Db, month: string) {
  const uses = new ParameterUses();
  const date = `${month}-01`;
  const rates = await contributionRates(db, date, uses);
  const limits = await baseLimitsAt(db, date, uses);
  return { uses, rates, limits };
}

/**
 * Assesses one employer's month: writes the monthly entries of the rights record and
 * the bill. Idempotent: a month already assessed returns its bill unchanged.
 */
export async function assessEmployerMonth(db: Db, input: { orgId: string; month: string }, actor: Actor): Promise<{ bill: BillView; created: boolean; lines: number }> {
  if (!isMonth(input.month)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/month', reason: 'YYYY-MM' }] });
  const employer = await db.selectFrom('insurance_employers').selectAll().where('org_id', '=', input.orgId).executeTakeFirst();
  if (!employer) throw new AppError('NOT_FOUND', { detail: 'No such insured employer' });
  const { uses, rates, limits } = await billParameters(db, input.month);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`bill:${input.orgId}:${input.month}`}))`.execute(trx);
    const existing = await trx.selectFrom('contribution_bills').selectAll().where('payer_kind', '=', 'employer').where('org_id', '=', input.orgId).where('month', '=', input.month).executeTakeFirst();
    if (existing) return { bill: presentBill(existing), created: false, lines: 0 };
    const billId = uuid7();
    const billNo = `B${input.month.replace('-', '')}-${employer.credit_code}`;
    const m = input.month;
    const wi = rates.workInjuryByClass[employer.risk_class - 1]!;
    const r = rates;
    // One statement: employees of the month × insurance types; the same integer half-up
    // rule as lineAmountFen ((base × bp × 2 + 10000) / 20000 = half up for base ≥ 0).
    const inserted = await sql`
      insert into contribution_entries (person_id, insurance_type, month, org_id, base_fen, employer_fen, employee_fen, paid, bill_id, source)
      select e.person_id, rt.t, ${m}, e.org_id, b.base, (b.base * rt.er * 2 + 10000) / 20000, (b.base * rt.ee * 2 + 10000) / 20000, false, ${billId}::uuid, 'local'
      from employments e
      cross join lateral (
        select coalesce((select d.wage_fen from contribution_declarations d where d.org_id = e.org_id and d.person_id = e.person_id and d.month <= ${m} order by d.month desc limit 1), ${limits.floorFen}::bigint) as wage
      ) w
      cross join lateral (select least(${limits.ceilingFen}::bigint, greatest(${limits.floorFen}::bigint, w.wage)) as base) b
      cross join (values
        ('pension_employee', ${r.pension_employee.employerBp}::bigint, ${r.pension_employee.employeeBp}::bigint),
        ('unemployment', ${r.unemployment.employerBp}::bigint, ${r.unemployment.employeeBp}::bigint),
        ('work_injury', ${wi}::bigint, 0::bigint),
        ('medical_employee', ${r.medical_employee.employerBp}::bigint, ${r.medical_employee.employeeBp}::bigint)
      ) as rt(t, er, ee)
      where e.org_id = ${input.orgId} and e.start_month <= ${m} and (e.end_month is null or e.end_month >= ${m})
      on conflict (person_id, insurance_type, month) do nothing`.execute(trx);
    const lines = Number(inserted.numAffectedRows ?? 0);
    const sum = await trx
      .selectFrom('contribution_entries')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>(sql<number>`employer_fen + employee_fen`), sql<number>`0`).as('total'))
      .where('bill_id', '=', billId)
      .executeTakeFirstOrThrow();
    const bill = await trx
      .insertInto('contribution_bills')
      .values({ bill_id: billId, bill_no: billNo, payer_kind: 'employer', org_id: input.orgId, person_id: null, month: m, due_date: dueDateOf(m), principal_fen: Number(sum.total), parameters: JSON.stringify(uses.list()) })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, { type: 'insurance.bill_issued', aggregateType: 'organisation', aggregateId: input.orgId, payload: { billId, billNo, orgId: input.orgId, month: m, principalFen: bill.principal_fen, lines } });
    await appendAudit(trx, actor, { action: 'insurance.assess', objectType: 'contribution_bill', objectId: billId, after: { org_id: input.orgId, month: m, principal_fen: bill.principal_fen, lines, parameters: uses.list().map((u) => u.versionId) } });
    const after = await applyCredit(trx, billId, actor);
    return { bill: presentBill(after ?? bill), created: true, lines };
  });
}

/** A flexible worker's enrolment (灵活就业参保) from a month, at a base they choose within the limits. */
export async function enrolFlexible(db: Db, input: { personId: string; startMonth: string; baseFen: number }, actor: Actor) {
  if (!isMonth(input.startMonth)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/startMonth', reason: 'YYYY-MM' }] });
  const limits = await baseLimitsAt(db, `${input.startMonth}-01`);
  if (input.baseFen < limits.floorFen || input.baseFen > limits.ceilingFen) {
    throw new AppError('BASE_OUT_OF_LIMITS', { detail: `The base must lie between ${limits.floorFen} and ${limits.ceilingFen} fen`, errors: [{ field: '/body/baseFen', reason: `${limits.floorFen}–${limits.ceilingFen}` }] });
  }
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('flexible_enrolments').set({ end_month: sql`to_char(to_date(${input.startMonth}, 'YYYY-MM') - interval '1 month', 'YYYY-MM')` }).where('person_id', '=', input.personId).where('end_month', 'is', null).where('start_month', '<', input.startMonth).execute();
    await trx
      .insertInto('flexible_enrolments')
      .values({ person_id: input.personId, start_month: input.startMonth, end_month: null, base_fen: input.baseFen })
      .onConflict((oc) => oc.columns(['person_id', 'start_month']).doUpdateSet({ base_fen: input.baseFen, end_month: null }))
      .execute();
    await trx
      .insertInto('insured_status')
      .values({ person_id: input.personId, insurance_type: 'pension_employee', status: 'active', since: `${input.startMonth}-01`, prior_months: 0 })
      .onConflict((oc) => oc.columns(['person_id', 'insurance_type']).doUpdateSet({ status: 'active' }))
      .execute();
    await recordEvent(trx, { type: 'insurance.flexible_enrolled', aggregateType: 'person', aggregateId: input.personId, payload: { personId: input.personId, startMonth: input.startMonth, baseFen: input.baseFen } });
    await appendAudit(trx, actor, { action: 'insurance.flexible.enrol', objectType: 'person', objectId: input.personId, after: { start_month: input.startMonth, base_fen: input.baseFen } });
    return { personId: input.personId, startMonth: input.startMonth, baseFen: input.baseFen };
  });
}

/** Assesses a flexible worker's month: one pension line and one bill they pay themselves. */
export async function assessFlexibleMonth(db: Db, input: { personId: string; month: string }, actor: Actor): Promise<{ bill: BillView; created: boolean }> {
  const enrolment = await db
    .selectFrom('flexible_enrolments')
    .selectAll()
    .where('person_id', '=', input.personId)
    .where('start_month', '<=', input.month)
    .where((eb) => eb.or([eb('end_month', 'is', null), eb('end_month', '>=', input.month)]))
    .orderBy('start_month', 'desc')
    .executeTakeFirst();
  if (!enrolment) throw new AppError('NOT_ENROLLED', { detail: `Not enrolled as a flexible worker in ${input.month}` });
  const { uses, rates, limits } = await billParameters(db, input.month);
  const line = flexibleLine(enrolment.base_fen, limits, rates);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`bill:${input.personId}:${input.month}`}))`.execute(trx);
    const existing = await trx.selectFrom('contribution_bills').selectAll().where('payer_kind', '=', 'person').where('person_id', '=', input.personId).where('month', '=', input.month).executeTakeFirst();
    if (existing) return { bill: presentBill(existing), created: false };
    const billId = uuid7();
    const inserted = await trx
      .insertInto('contribution_entries')
      .values({ person_id: input.personId, insurance_type: 'pension_employee', month: input.month, org_id: null, base_fen: line.baseFen, employer_fen: line.employerFen, employee_fen: line.employeeFen, paid: false, bill_id: billId, source: 'local' })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    const principal = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 ? line.employerFen + line.employeeFen : 0;
    const bill = await trx
      .insertInto('contribution_bills')
      .values({ bill_id: billId, bill_no: `F${input.month.replace('-', '')}-${input.personId.replaceAll('-', '').slice(0, 16)}`, payer_kind: 'person', org_id: null, person_id: input.personId, month: input.month, due_date: dueDateOf(input.month), principal_fen: principal, parameters: JSON.stringify(uses.list()) })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, { type: 'insurance.bill_issued', aggregateType: 'person', aggregateId: input.personId, payload: { billId, billNo: bill.bill_no, personId: input.personId, month: input.month, principalFen: principal } });
    await appendAudit(trx, actor, { action: 'insurance.assess', objectType: 'contribution_bill', objectId: billId, after: { person_id: input.personId, month: input.month, principal_fen: principal, base_fen: line.baseFen } });
    const after = await applyCredit(trx, billId, actor);
    return { bill: presentBill(after ?? bill), created: true };
  });
}

/** Assesses every active employer and flexible worker for a month (the monthly batch). */
export async function assessMonth(db: Db, month: string, actor: Actor, onProgress?: (done: number, total: number) => void) {
  const employers = await db.selectFrom('insurance_employers').select('org_id').where('status', '=', 'active').orderBy('org_id').execute();
  const flexible = await db
    .selectFrom('flexible_enrolments')
    .select('person_id')
    .distinct()
    .where('start_month', '<=', month)
    .where((eb) => eb.or([eb('end_month', 'is', null), eb('end_month', '>=', month)]))
    .execute();
  const total = employers.length + flexible.length;
  let done = 0;
  let created = 0;
  for (const e of employers) {
    if ((await assessEmployerMonth(db, { orgId: e.org_id, month }, actor)).created) created++;
    onProgress?.(++done, total);
  }
  for (const f of flexible) {
    if ((await assessFlexibleMonth(db, { personId: f.person_id, month }, actor)).created) created++;
    onProgress?.(++done, total);
  }
  return { month, bills: total, created };
}

export async function getBill(db: Db, billId: string) {
  const b = await db.selectFrom('contribution_bills').selectAll().where('bill_id', '=', billId).executeTakeFirst();
  return b ? presentBill(b) : undefined;
}

export async function billLines(db: Db, billId: string) {
  return db
    .selectFrom('contribution_entries')
    .select(['person_id', 'insurance_type', 'month', 'base_fen', 'employer_fen', 'employee_fen', 'paid'])
    .where('bill_id', '=', billId)
    .orderBy('person_id')
    .orderBy('insurance_type')
    .execute();
}

export async function listBills(db: Db, opts: { orgId?: string | undefined; personId?: string | undefined; month?: string | undefined; status?: string | undefined; limit?: number; offset?: number }) {
  let q = db.selectFrom('contribution_bills').selectAll().orderBy('month', 'desc').orderBy('bill_no').limit(opts.limit ?? 50).offset(opts.offset ?? 0);
  if (opts.orgId) q = q.where('org_id', '=', opts.orgId);
  if (opts.personId) q = q.where('person_id', '=', opts.personId);
  if (opts.month) q = q.where('month', '=', opts.month);
  if (opts.status) q = q.where('status', '=', opts.status as 'open');
  return (await q.execute()).map(presentBill);
}
