import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { creditYearInterest } from '../insurance/account.js';
import { applyYearlyAdjustment } from '../insurance/benefits.js';
import { AS_OF_MONTH, monthOf } from './params.js';

/**
 * The contributory core's history of the demo city, derived in a few set-based
 * statements from the monthly entries the generator wrote (so a first start stays fast):
 *
 * - every organisation registered as an insured employer (risk class from its
 *   work-injury rate), employments (增员/减员) and one base declaration per year;
 * - one bill per employer-month and flexible-worker-month; a bill whose entries are paid
 *   was paid in full — 92 % on time (before the due date), 8 % 1–40 days late with the
 *   late fee (0.05 %/day, rounded half up once); bills of employers in arrears are open;
 * - personal accounts: a legacy opening balance for the months before the window, the
 *   8 % share of every paid month, and the interest of 2024 and 2025;
 * - pensions for the retired (employees' pension from their contribution months,
 *   residents' pension a basic amount), the 2025 and 2026 adjustments, a few suspended
 *   (life certification missing); unemployment benefits for recent job losers.
 * Benefits are paid through October 2026: the first payroll to run is 2026-11.
 */

export interface InsuranceSeedSummary {
  employers: number;
  employments: number;
  declarations: number;
  bills: number;
  billsOpen: number;
  billsPaidLate: number;
  payments: number;
  accounts: number;
  pensions: number;
  pensionsSuspended: number;
  unemploymentBenefits: number;
}

const LAST_MONTH = monthOf(AS_OF_MONTH - 1);
const LAST_DAY = `${LAST_MONTH}-${new Date(Date.UTC(Number(LAST_MONTH.slice(0, 4)), Number(LAST_MONTH.slice(5, 7)), 0)).getUTCDate()}`;
const BANKS = sql.raw(`array['ICBC','CCB','ABC','BOC','WHCB']`);

async function n(db: Db, q: ReturnType<typeof sql>): Promise<number> {
  const r = await q.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export async function seedInsuranceHistory(db: Db): Promise<InsuranceSeedSummary> {
  const s: InsuranceSeedSummary = { employers: 0, employments: 0, declarations: 0, bills: 0, billsOpen: 0, billsPaidLate: 0, payments: 0, accounts: 0, pensions: 0, pensionsSuspended: 0, unemploymentBenefits: 0 };

  s.employers = await n(
    db,
    sql`insert into insurance_employers (org_id, credit_code, registered_on, risk_class, status)
      select o.org_id, o.credit_code, date '2008-01-01', coalesce(array_position(array[20,40,70,90,110,130,160,190]::bigint[], w.bp), 1), 'active'
      from organisations o
      left join (select org_id, max((employer_fen * 10000 * 2 + base_fen) / (2 * base_fen)) as bp from contribution_entries where insurance_type = 'work_injury' and base_fen > 0 group by org_id) w on w.org_id = o.org_id
      on conflict do nothing`,
  );
  s.employments = await n(
    db,
    sql`insert into employments (employment_id, org_id, person_id, start_month, end_month)
      select md5('E' || person_id::text || org_id::text)::uuid, org_id, person_id, min(month), case when max(month) >= ${LAST_MONTH} then null else max(month) end
      from contribution_entries where org_id is not null and insurance_type = 'pension_employee' group by person_id, org_id`,
  );
  s.declarations = await n(
    db,
    sql`insert into contribution_declarations (org_id, person_id, month, wage_fen, source)
      select org_id, person_id, min(month), base_fen, 'demo'
      from contribution_entries where org_id is not null and insurance_type = 'pension_employee' group by org_id, person_id, base_fen
      on conflict do nothing`,
  );
  await n(
    db,
    sql`insert into flexible_enrolments (person_id, start_month, end_month, base_fen)
      select person_id, min(month), null, (array_agg(base_fen order by month desc))[1]
      from contribution_entries where org_id is null and source = 'local' and bill_id is not null group by person_id`,
  );

  // Bills: one per payer and month, with the payment day and late fee drawn from a hash
  // of the bill (deterministic). On time: 1–14 days before the due date; late: 1–40 days after.
  s.bills = await n(
    db,
    sql`insert into contribution_bills (bill_id, bill_no, payer_kind, org_id, person_id, month, due_date, principal_fen, paid_principal_fen, late_fee_paid_fen, settled_on, status, parameters)
      with g as (
        select e.bill_id, min(e.org_id::text)::uuid as org_id, case when min(e.org_id::text) is null then min(e.person_id::text)::uuid end as person_id, e.month,
          sum(e.employer_fen + e.employee_fen)::bigint as principal, bool_and(e.paid) as paid
        from contribution_entries e where e.bill_id is not null group by e.bill_id, e.month
      ), d as (
        select g.*, (to_date(g.month, 'YYYY-MM') + interval '1 month' - interval '1 day')::date as due, (hashtext(g.bill_id::text)::bigint & 2147483647) as h from g
      ), p as (
        select d.*, case when not d.paid then null
                         when d.h % 100 < 8 then least(${LAST_DAY}::date, d.due + (1 + d.h % 40)::int)
                         else d.due - (d.h % 14)::int end as paid_on
        from d
      )
      select p.bill_id,
        case when p.org_id is not null then 'B' || replace(p.month, '-', '') || '-' || o.credit_code else 'F' || replace(p.month, '-', '') || '-' || substr(replace(p.person_id::text, '-', ''), 1, 16) end,
        case when p.org_id is not null then 'employer' else 'person' end, p.org_id, p.person_id, p.month, p.due, p.principal,
        case when p.paid then p.principal else 0 end,
        case when p.paid and p.paid_on > p.due then (p.principal * (p.paid_on - p.due) * 500 * 2 + 1000000) / 2000000 else 0 end,
        p.paid_on, case when p.paid then 'paid' else 'open' end, '[]'::jsonb
      from p left join organisations o on o.org_id = p.org_id`,
  );
  s.payments = await n(
    db,
    sql`insert into payments (payment_id, bank_code, tx_ref, bill_id, bill_no, org_id, person_id, amount_fen, paid_on, principal_fen, late_fee_fen, credit_fen, source)
      select md5('P' || b.bill_id::text)::uuid, (${BANKS})[1 + (hashtext(b.bill_no)::bigint & 2147483647) % 5], 'DEMO' || replace(b.settled_on::text, '-', '') || substr(md5(b.bill_id::text), 1, 12),
        b.bill_id, b.bill_no, b.org_id, b.person_id, b.principal_fen + b.late_fee_paid_fen, b.settled_on, b.principal_fen, b.late_fee_paid_fen, 0, 'bank'
      from contribution_bills b where b.status = 'paid'`,
  );
  const counts = await sql<{ open: number; late: number }>`select count(*) filter (where status = 'open')::int as open, count(*) filter (where late_fee_paid_fen > 0)::int as late from contribution_bills`.execute(db);
  s.billsOpen = Number(counts.rows[0]?.open ?? 0);
  s.billsPaidLate = Number(counts.rows[0]?.late ?? 0);

  // Personal accounts: a legacy opening balance (prior months at ~8 % of a 4,000–6,000 yuan
  // base, interest included), then each paid month's 8 % in the year it was paid.
  await n(
    db,
    sql`insert into pension_account_entries (person_id, kind, year, amount_fen, ref)
      select s.person_id, 'opening', 2023, s.prior_months * (32000 + (hashtext(s.person_id::text)::bigint & 2147483647) % 16000), 'legacy'
      from insured_status s where s.insurance_type = 'pension_employee' and s.status in ('active', 'stopped') and s.prior_months > 0`,
  );
  await n(
    db,
    sql`insert into pension_account_entries (person_id, kind, year, amount_fen, ref)
      select e.person_id, 'contribution', extract(year from b.settled_on)::int, e.employee_fen, e.month
      from contribution_entries e join contribution_bills b on b.bill_id = e.bill_id
      where e.insurance_type = 'pension_employee' and e.paid and e.employee_fen > 0 and b.settled_on is not null`,
  );
  s.accounts = await n(db, sql`insert into pension_accounts (person_id, balance_fen) select person_id, sum(amount_fen)::bigint from pension_account_entries group by person_id`);
  await creditYearInterest(db, 2024, SYSTEM_ACTOR);
  await creditYearInterest(db, 2025, SYSTEM_ACTOR);

  // Pensions of the retired. Employees' pension (国发〔2005〕38号 shape): basic part
  // ≈ 7,500.00 × (1 + index 0.6–1.4) / 2 × years × 1 %; account part ≈ months × 400.00 / 139.
  s.pensions = await n(
    db,
    sql`insert into benefits (benefit_id, person_id, kind, start_month, end_month, basic_fen, account_fen, status, suspended_from, paid_through, bank_code, account_no, account_name, decision_ref)
      select md5('PEN' || s.person_id::text)::uuid, s.person_id, 'pension', to_char(s.since, 'YYYY-MM'), null,
        case when s.insurance_type = 'pension_employee'
             then (750000::bigint * (160 + (hashtext(s.person_id::text)::bigint & 2147483647) % 80) / 200) * s.prior_months / 1200
             else 20000 + (hashtext(s.person_id::text)::bigint & 2147483647) % 6000 end,
        case when s.insurance_type = 'pension_employee' then s.prior_months * 40000 / 139 else 2000 + (hashtext(s.person_id::text)::bigint & 2147483647) % 3000 end,
        case when (hashtext('S' || s.person_id::text)::bigint & 2147483647) % 200 = 0 then 'suspended' else 'active' end,
        case when (hashtext('S' || s.person_id::text)::bigint & 2147483647) % 200 = 0 then '2026-09' end,
        case when (hashtext('S' || s.person_id::text)::bigint & 2147483647) % 200 = 0 then '2026-08' else ${LAST_MONTH} end,
        (${BANKS})[1 + (hashtext(s.person_id::text)::bigint & 2147483647) % 5], 'SSC' || coalesce(c.card_no, substr(md5(s.person_id::text), 1, 12)), (select name from persons where person_id = s.person_id), 'DEMO-LEGACY'
      from insured_status s
      left join lateral (select card_no from ss_cards where person_id = s.person_id and status = 'active' limit 1) c on true
      where s.status = 'retired' and s.insurance_type in ('pension_employee', 'pension_resident')
      on conflict do nothing`,
  );
  const susp = await sql<{ n: number }>`select count(*)::int as n from benefits where status = 'suspended'`.execute(db);
  s.pensionsSuspended = Number(susp.rows[0]?.n ?? 0);
  await applyYearlyAdjustment(db, 2025, SYSTEM_ACTOR);
  await applyYearlyAdjustment(db, 2026, SYSTEM_ACTOR);

  // Unemployment benefits (社会保险法第四十六条/第四十七条 shape): those who lost their job
  // in the last year draw 12 months of 90 % of the minimum wage (1,980.00).
  s.unemploymentBenefits = await n(
    db,
    sql`insert into benefits (benefit_id, person_id, kind, start_month, end_month, basic_fen, account_fen, status, suspended_from, paid_through, bank_code, account_no, account_name, decision_ref)
      select md5('UNE' || s.person_id::text)::uuid, s.person_id, 'unemployment', to_char(s.since, 'YYYY-MM'), to_char(s.since + interval '11 months', 'YYYY-MM'), 198000, 0,
        'active', null, ${LAST_MONTH}, (${BANKS})[1 + (hashtext(s.person_id::text)::bigint & 2147483647) % 5], 'SSC' || coalesce(c.card_no, substr(md5(s.person_id::text), 1, 12)), (select name from persons where person_id = s.person_id), 'DEMO-LEGACY'
      from insured_status s
      left join lateral (select card_no from ss_cards where person_id = s.person_id and status = 'active' limit 1) c on true
      where s.insurance_type = 'unemployment' and s.status = 'stopped' and s.since > ${LAST_DAY}::date - interval '11 months'
      on conflict do nothing`,
  );
  return s;
}
