import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { readTogether } from '../../db/read-together.js';
import { AppError } from '../../http/errors.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { getPerson } from '../masterdata/persons.js';
import { maskResidentId } from '../../lib/mask.js';
import { INSURANCE_TYPES, type InsuranceType } from '../rights/schema.js';
import { creditingRatePpm, ParameterUses } from './parameters.js';
import { parameterAsOf } from '../policy/parameters.js';

/** Runs `work` in the caller's transaction when there is one (the demo seed), else in a new one. */
export function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/**
 * The personal pension account (个人账户) and the contribution certificate data.
 *
 * Interest convention — the annual method of 《职工基本养老保险个人账户管理暂行办法》
 * (劳办发〔1997〕116号), credited once per account and calendar year Y at the crediting
 * rate r published for Y (pension.crediting_rate):
 *   interest(Y) = round(opening(Y) × r) + round(credited(Y) × r × 1.083 × ½)
 * opening(Y) = every posting before Y (contributions, earlier interest, transfers);
 * credited(Y) = the contributions and transfers posted during Y. Each term rounded half
 * up to the fen (money.ts yearInterestFen is the same formula in TypeScript).
 * Idempotent: unique (person, 'interest', 'Y').
 */
export async function creditYearInterest(db: Db, year: number, actor: Actor, opts: { personId?: string } = {}) {
  const uses = new ParameterUses();
  const ppm = await creditingRatePpm(db, year, uses);
  const params = JSON.stringify(uses.list());
  return inTransaction(db, async (trx) => {
    const personFilter = opts.personId ? sql`and a.person_id = ${opts.personId}` : sql``;
    const result = await sql<{ accounts: number; interest: number }>`
      with agg as (
        select a.person_id,
          coalesce(sum(e.amount_fen) filter (where e.year < ${year}), 0)::bigint as opening,
          coalesce(sum(e.amount_fen) filter (where e.year = ${year} and e.kind <> 'interest'), 0)::bigint as credited
        from pension_accounts a join pension_account_entries e on e.person_id = a.person_id
        where true ${personFilter}
        group by a.person_id
      ), calc as (
        select person_id,
          (opening * ${ppm}::bigint * 2 + 1000000) / 2000000
          + (credited * ${ppm}::bigint * 1083 * 2 + 2000000000) / 4000000000 as interest
        from agg where opening > 0 or credited > 0
      ), ins as (
        insert into pension_account_entries (person_id, kind, year, amount_fen, ref, parameters)
        select person_id, 'interest', ${year}, interest, ${String(year)}, ${params}::jsonb from calc
        on conflict (person_id, kind, ref) do nothing
        returning person_id, amount_fen
      ), upd as (
        update pension_accounts a set balance_fen = a.balance_fen + ins.amount_fen, interest_year = ${year}, updated_at = now()
        from ins where a.person_id = ins.person_id
        returning ins.amount_fen
      )
      select count(*)::int as accounts, coalesce(sum(amount_fen), 0)::bigint as interest from upd`.execute(trx);
    const row = result.rows[0] ?? { accounts: 0, interest: 0 };
    await recordEvent(trx, { type: 'insurance.interest_credited', aggregateType: 'pension_account_year', aggregateId: String(year), payload: { year, accounts: Number(row.accounts), interestFen: Number(row.interest), parameters: uses.list() } });
    await appendAudit(trx, actor, { action: 'insurance.interest.credit', objectType: 'pension_account_year', objectId: String(year), after: { year, accounts: Number(row.accounts), interest_fen: Number(row.interest), rate_ppm: ppm, parameters: uses.list().map((u) => u.versionId), person_id: opts.personId ?? null } });
    return { year, accounts: Number(row.accounts), interestFen: Number(row.interest), ratePpm: ppm, parameters: uses.list() };
  });
}

/** The personal account's balance in fen (no row: 0), as a query to read beside others (the rules' facts need nothing more). */
export function accountBalanceQuery(db: Db, personId: string) {
  return db.selectFrom('pension_accounts').select('balance_fen').where('person_id', '=', personId);
}

export async function accountStatement(db: Db, personId: string) {
  const acct = await db.selectFrom('pension_accounts').selectAll().where('person_id', '=', personId).executeTakeFirst();
  const entries = await db.selectFrom('pension_account_entries').select(['kind', 'year', 'amount_fen', 'ref']).where('person_id', '=', personId).orderBy('year').orderBy('id').execute();
  const years = new Map<number, { year: number; contributionsFen: number; interestFen: number; transfersFen: number; openingFen: number }>();
  for (const e of entries) {
    const y = years.get(e.year) ?? { year: e.year, contributionsFen: 0, interestFen: 0, transfersFen: 0, openingFen: 0 };
    if (e.kind === 'contribution') y.contributionsFen += e.amount_fen;
    else if (e.kind === 'interest') y.interestFen += e.amount_fen;
    else if (e.kind === 'opening') y.openingFen += e.amount_fen;
    else y.transfersFen += e.amount_fen;
    years.set(e.year, y);
  }
  return { personId, balanceFen: acct?.balance_fen ?? 0, interestYear: acct?.interest_year ?? null, years: [...years.values()] };
}

export interface ContributionCertificate {
  personId: string;
  name: string;
  residentIdMasked: string | null;
  asOf: string;
  insurances: {
    insuranceType: InsuranceType;
    status: string;
    since: string;
    /** Every month that counts: prior (legacy) + paid local + transferred-in months, each once. */
    totalMonths: number;
    priorMonths: number;
    paidMonths: number;
    transferredInMonths: number;
    unpaidMonths: number;
    firstMonth: string | null;
    lastMonth: string | null;
  }[];
  years: { year: number; insuranceType: InsuranceType; months: number; paidMonths: number; averageBaseFen: number; employerFen: number; employeeFen: number; employers: number }[];
  account: { balanceFen: number; interestYear: number | null };
}

/**
 * The contribution certificate (参保缴费证明) data of one person on `asOf`: months per
 * insurance type, year-by-year detail and the personal-account balance. Months
 * transferred out do not count; a month present twice (local and transferred in) is one
 * row of the record, so it counts once. The documents module renders and seals it.
 */
export async function contributionCertificate(db: Db, personId: string, asOf: string): Promise<ContributionCertificate> {
  const person = await getPerson(db, personId);
  if (!person) throw new AppError('NOT_FOUND');
  const asOfMonth = asOf.slice(0, 7);
  const statuses = await db.selectFrom('insured_status').selectAll().where('person_id', '=', personId).execute();
  const counts = await db
    .selectFrom('contribution_entries')
    .select(['insurance_type'])
    .select((eb) => [
      eb.fn.count<number>('month').filterWhere((w) => w.and([w('paid', '=', true), w('source', '=', 'local')])).as('paid_local'),
      eb.fn.count<number>('month').filterWhere('source', '=', 'transfer_in').as('transfer_in'),
      eb.fn.count<number>('month').filterWhere('paid', '=', false).as('unpaid'),
      eb.fn.min('month').as('first'),
      eb.fn.max('month').as('last'),
    ])
    .where('person_id', '=', personId)
    .where('month', '<=', asOfMonth)
    .where('transfer_out_id', 'is', null)
    .groupBy('insurance_type')
    .execute();
  const byType = new Map(counts.map((c) => [c.insurance_type, c]));
  const years = await sql<{ year: number; insurance_type: InsuranceType; months: number; paid_months: number; avg_base: number; employer: number; employee: number; employers: number }>`
    select substr(month, 1, 4)::int as year, insurance_type, count(*)::int as months, count(*) filter (where paid)::int as paid_months,
      (sum(base_fen)::bigint * 2 + count(*)) / (2 * count(*)) as avg_base, sum(employer_fen) as employer, sum(employee_fen) as employee, count(distinct org_id)::int as employers
    from contribution_entries
    where person_id = ${personId} and month <= ${asOfMonth} and transfer_out_id is null
    group by 1, 2 order by 1, 2`.execute(db);
  const acct = await db.selectFrom('pension_accounts').selectAll().where('person_id', '=', personId).executeTakeFirst();
  return {
    personId,
    name: person.name,
    residentIdMasked: maskResidentId(person.resident_id),
    asOf,
    insurances: statuses
      .sort((a, b) => INSURANCE_TYPES.indexOf(a.insurance_type) - INSURANCE_TYPES.indexOf(b.insurance_type))
      .map((s) => {
        const c = byType.get(s.insurance_type);
        const paid = Number(c?.paid_local ?? 0);
        const tin = Number(c?.transfer_in ?? 0);
        return {
          insuranceType: s.insurance_type,
          status: s.status,
          since: s.since,
          totalMonths: s.prior_months + paid + tin,
          priorMonths: s.prior_months,
          paidMonths: paid,
          transferredInMonths: tin,
          unpaidMonths: Number(c?.unpaid ?? 0),
          firstMonth: (c?.first as string | null) ?? null,
          lastMonth: (c?.last as string | null) ?? null,
        };
      }),
    years: years.rows.map((y) => ({ year: Number(y.year), insuranceType: y.insurance_type, months: Number(y.months), paidMonths: Number(y.paid_months), averageBaseFen: Number(y.avg_base), employerFen: Number(y.employer), employeeFen: Number(y.employee), employers: Number(y.employers) })),
    account: { balanceFen: acct?.balance_fen ?? 0, interestYear: acct?.interest_year ?? null },
  };
}

/**
 * 本人平均缴费工资指数 for the basic pension: each paid month's base over the average wage
 * of its year, averaged over all months. Months carried over from before the monthly
 * record (legacy or transferred in, without bases) count at 1.0, and so do years with no
 * published average wage. Null for someone with no pension months at all.
 */
export async function averageContributionIndex(db: Db, personId: string): Promise<number | null> {
  return averageIndexOf(db, await readTogether(db, averageIndexQueries(db, personId)));
}

/** What the average index is computed from, as queries to read beside others (readTogether). */
export function averageIndexQueries(db: Db, personId: string) {
  return {
    pensionYears: db
      .selectFrom('contribution_entries')
      .select((eb) => [sql<string>`substr(month, 1, 4)`.as('year'), eb.fn.sum<number>('base_fen').as('base'), eb.fn.countAll<number>().as('months')])
      .where('person_id', '=', personId)
      .where('insurance_type', '=', 'pension_employee')
      .where('paid', '=', true)
      .where('base_fen', '>', 0)
      .groupBy(sql`substr(month, 1, 4)`),
    pensionPrior: db.selectFrom('insured_status').select('prior_months').where('person_id', '=', personId).where('insurance_type', '=', 'pension_employee'),
  };
}

type IndexInputs = Awaited<ReturnType<typeof readTogether<ReturnType<typeof averageIndexQueries>>>>;

export async function averageIndexOf(db: Db, { pensionYears, pensionPrior }: IndexInputs): Promise<number | null> {
  let months = pensionPrior[0]?.prior_months ?? 0;
  let weighted = months;
  for (const y of pensionYears) {
    const n = Number(y.months);
    months += n;
    try {
      const wage = await parameterAsOf<number>(db, 'wage.average_monthly', `${y.year}-01-01`);
      weighted += Number(y.base) / wage.value;
    } catch {
      weighted += n;
    }
  }
  return months ? Math.round((weighted / months) * 10_000) / 10_000 : null;
}
