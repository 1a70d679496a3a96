import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { freshDatabase } from '../../test/db.js';
import { PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { ROLES } from '../iam/roles.js';
import { parseCreditCode } from '../masterdata/identity/credit-code.js';
import { parseResidentId } from '../masterdata/identity/resident-id.js';
import { DEMO_ACCOUNTS, seedDemoCity, type SeedSummary } from './seed.js';

let t: TestContext;
let summary: SeedSummary;
before(async () => {
  t = await setupTestApp({ seed: false });
  summary = await seedDemoCity(t.db, { persons: 500, seed: 7 });
});
after(async () => t.close());

async function count(db: Db, query: string): Promise<number> {
  const r = await sql<{ n: number }>`${sql.raw(query)}`.execute(db);
  return Number(r.rows[0]!.n);
}

test('the demo city has the reference map: 73 towns, 1,058 communities and a service point for each', async () => {
  assert.equal(await count(t.db, 'select count(*) n from regions where level = 3'), 73);
  assert.equal(await count(t.db, 'select count(*) n from regions where level = 4'), 1058);
  assert.equal(await count(t.db, "select count(*) n from regions where level = 2 and parent_code = '371000'"), 4);
  const kinds = await t.db.selectFrom('service_points').select(['kind', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('kind').execute();
  const byKind = Object.fromEntries(kinds.map((k) => [k.kind, Number(k.n)]));
  assert.equal(byKind.bureau, 1);
  assert.equal(byKind.district_centre, 4);
  assert.equal(byKind.town_office, 73);
  assert.equal(byKind.community_station, 1058);
  assert.ok(byKind.kiosk! > 0 && byKind.bank_outlet! > 0);
  // Every town office sits in its own town.
  assert.equal(await count(t.db, "select count(*) n from service_points where kind = 'town_office' and id <> 'SP' || region_code"), 0);
  assert.equal(summary.persons, 500);
  assert.equal(await count(t.db, 'select count(*) n from persons'), 500);
});

test('every resident ID is valid and agrees with the stored birth date, sex and area; persons live in a Weihai community', async () => {
  const rows = await t.db.selectFrom('persons').select(['resident_id', 'birth_date', 'sex', 'id_area_code', 'region_code', 'name', 'name_pinyin', 'phone']).execute();
  assert.equal(rows.length, 500);
  const communities = new Set((await t.db.selectFrom('regions').select('code').where('level', '=', 4).execute()).map((r) => r.code));
  let local = 0;
  for (const p of rows) {
    const id = parseResidentId(p.resident_id);
    assert.ok(id.ok, p.resident_id);
    assert.equal(id.value.birthDate, p.birth_date);
    assert.equal(id.value.sex, p.sex);
    assert.equal(id.value.area, p.id_area_code);
    assert.ok(communities.has(p.region_code), p.region_code);
    assert.match(p.name_pinyin, /^[a-z]+$/);
    if (p.phone) assert.match(p.phone, /^1[3-9][0-9]{9}$/);
    if (/^37(1002|1003|1082|1083)$/.test(p.id_area_code)) local++;
  }
  assert.ok(local / rows.length > 0.75, 'most were registered in Weihai');
  assert.ok(local < rows.length, 'some are migrants');
  const history = await count(t.db, "select count(distinct person_id) n from person_field_history where source_kind = 'system' and source_ref = 'demo-seed' and field = 'name'");
  assert.equal(history, 500);
});

test('households hold 1 to 5 persons with exactly one head, who is the household head on record', async () => {
  const households = await sql<{ n: number; heads: number; ok: boolean }>`
    select count(p.*)::int n, count(*) filter (where p.household_relation = '户主')::int heads, bool_or(p.person_id = h.head_person_id) ok
    from households h join persons p on p.household_id = h.household_id group by h.household_id`.execute(t.db);
  assert.equal(households.rows.length, summary.households);
  for (const h of households.rows) {
    assert.ok(h.n >= 1 && h.n <= 5);
    assert.equal(h.heads, 1);
    assert.equal(h.ok, true);
  }
});

test('employers carry valid credit codes and most adults a social security card the search recognises', async () => {
  const orgs = await t.db.selectFrom('organisations').select(['credit_code', 'name', 'industry_code']).execute();
  assert.ok(orgs.length >= 5);
  for (const o of orgs) {
    const code = parseCreditCode(o.credit_code);
    assert.ok(code.ok, o.credit_code);
    assert.match(o.industry_code ?? '', /^[A-T]$/);
  }
  const cards = await t.db.selectFrom('ss_cards').select(['card_no', 'status']).execute();
  for (const c of cards) assert.match(c.card_no, /^[A-Z][0-9]{8}$/);
  const adults = await count(t.db, "select count(*) n from persons where birth_date <= date '2008-01-01'");
  const withCard = await count(t.db, "select count(distinct p.person_id) n from persons p join ss_cards c on c.person_id = p.person_id and c.status = 'active' where p.birth_date <= date '2008-01-01'");
  assert.ok(withCard / adults > 0.8, `${withCard}/${adults} adults have a card`);
});

test('there are staff of every staff role, and they can sign in with the demo password', async () => {
  assert.equal(PASSWORD, DEMO_ACCOUNTS.password);
  const staff = await t.db.selectFrom('users').select(['username', 'roles', 'scope_region', 'service_point_id']).where('kind', '=', 'staff').execute();
  const roles = new Set(staff.flatMap((s) => s.roles));
  for (const role of ROLES.filter((r) => r !== 'citizen' && r !== 'employer_agent')) assert.ok(roles.has(role), `a ${role}`);
  for (const s of staff) {
    const sp = await t.db.selectFrom('service_points').select('id').where('id', '=', s.service_point_id!).executeTakeFirst();
    assert.ok(sp, `${s.username}'s service point exists`);
  }
  for (const a of DEMO_ACCOUNTS.staff) assert.match(await t.staffCookie(a.username), /=/);
});

test('the demo citizens sign in and read their own record and contribution history', async () => {
  const [working, retired, unemployed] = DEMO_ACCOUNTS.citizens;
  const cookie = await t.citizenCookie(working!.residentId);
  const person = await t.db.selectFrom('persons').select(['person_id', 'name', 'region_code']).where('resident_id', '=', working!.residentId).executeTakeFirstOrThrow();
  assert.equal(person.name, working!.name);
  assert.ok(person.region_code.startsWith('371002'));
  const own = await t.app.inject({ method: 'GET', url: `/api/persons/${person.person_id}/rights`, headers: { cookie } });
  assert.equal(own.statusCode, 200);
  const pension = own.json().insurances.find((i: { insuranceType: string }) => i.insuranceType === 'pension_employee');
  assert.equal(pension.status, 'active');
  assert.ok(pension.totalMonths > 200, `worked since 2008: ${pension.totalMonths} months`);

  for (const [citizen, status] of [
    [retired!, 'retired'],
    [unemployed!, 'stopped'],
  ] as const) {
    const p = await t.db.selectFrom('persons').select('person_id').where('resident_id', '=', citizen.residentId).executeTakeFirstOrThrow();
    const res = await t.app.inject({ method: 'GET', url: `/api/persons/${p.person_id}/rights`, headers: { cookie: await t.citizenCookie(citizen.residentId) } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().insurances.find((i: { insuranceType: string }) => i.insuranceType === 'pension_employee').status, status, citizen.name);
  }
});

test('a district teller finds the demo citizen of their district, and not one of another', async () => {
  const [working, retired] = DEMO_ACCOUNTS.citizens;
  const cookie = await t.staffCookie('teller.hc');
  const found = await t.app.inject({ method: 'GET', url: `/api/persons?q=${encodeURIComponent(working!.name)}`, headers: { cookie } });
  assert.ok(found.json().items.some((i: { name: string }) => i.name === working!.name));
  const other = await t.app.inject({ method: 'GET', url: `/api/persons?q=${encodeURIComponent(retired!.residentId)}`, headers: { cookie } });
  assert.equal(other.json().items.length, 0);
});

test('contributions are consistent: 16 % + 8 % pension of a base within 60 %–300 % of the average wage; retirees are old enough', async () => {
  const bad = await count(
    t.db,
    `select count(*) n from contribution_entries where insurance_type = 'pension_employee' and org_id is not null
       and (employee_fen <> (base_fen * 800 + 5000) / 10000 or employer_fen <> (base_fen * 1600 + 5000) / 10000)`,
  );
  assert.equal(bad, 0);
  const employee = await sql<{ base_fen: number; employee_fen: number }>`select base_fen, employee_fen from contribution_entries where insurance_type = 'pension_employee' and org_id is not null`.execute(t.db);
  assert.ok(employee.rows.length > 500);
  for (const e of employee.rows) {
    assert.ok(Math.abs(e.employee_fen - e.base_fen * 0.08) <= 0.5);
    // wage.average_monthly 2024–2026: 7,050.00 … 7,500.00 → 60 % of the lowest, 300 % of the highest.
    assert.ok(e.base_fen >= 423_000 && e.base_fen <= 2_250_000, `${e.base_fen}`);
  }
  assert.ok((await count(t.db, 'select count(*) n from contribution_entries where not paid')) > 0, 'some arrears');
  assert.equal(await count(t.db, "select count(distinct month) n from contribution_entries"), 24);
  const retirees = await sql<{ sex: string; birth_date: string; since: string }>`
    select p.sex, p.birth_date, s.since from insured_status s join persons p using (person_id)
    where s.insurance_type = 'pension_employee' and s.status = 'retired'`.execute(t.db);
  assert.ok(retirees.rows.length > 20);
  for (const r of retirees.rows) {
    const ageAtRetirement = Number(r.since.slice(0, 4)) - Number(r.birth_date.slice(0, 4));
    assert.ok(ageAtRetirement >= (r.sex === 'M' ? 60 : 50), `${r.sex} born ${r.birth_date} retired ${r.since}`);
  }
  // Children and students have no insurance of their own.
  assert.equal(await count(t.db, "select count(*) n from insured_status s join persons p using (person_id) where p.birth_date > date '2010-11-01'"), 0);
});

test('the contributory history: bills paid on time, late with a fee, or open; accounts with interest; pensions for the retired', async () => {
  const ins = summary.insurance!;
  assert.ok(ins.bills > 0 && ins.billsOpen > 0 && ins.billsPaidLate > 0, JSON.stringify(ins));
  // Every bill's principal is the sum of its entries; a paid bill's late fee is 0.05 %/day of it from the day after the due date.
  assert.equal(await count(t.db, `select count(*) n from contribution_bills b where principal_fen <> (select sum(employer_fen + employee_fen) from contribution_entries e where e.bill_id = b.bill_id)`), 0);
  assert.equal(await count(t.db, `select count(*) n from contribution_bills where status = 'paid' and late_fee_paid_fen <> (principal_fen * greatest(0, settled_on - due_date) * 500 * 2 + 1000000) / 2000000`), 0);
  assert.equal(await count(t.db, `select count(*) n from contribution_bills b where status = 'paid' and not exists (select 1 from payments p where p.bill_id = b.bill_id and p.amount_fen = b.principal_fen + b.late_fee_paid_fen)`), 0);
  assert.equal(await count(t.db, `select count(*) n from contribution_bills b where status = 'open' and exists (select 1 from contribution_entries e where e.bill_id = b.bill_id and e.paid)`), 0);
  // Accounts: balance = its postings, interest credited for 2024 and 2025.
  assert.equal(await count(t.db, `select count(*) n from pension_accounts a where balance_fen <> (select sum(amount_fen) from pension_account_entries e where e.person_id = a.person_id)`), 0);
  assert.ok((await count(t.db, `select count(distinct ref) n from pension_account_entries where kind = 'interest'`)) === 2);
  // Every retiree draws a pension, paid through October 2026.
  assert.equal(await count(t.db, `select count(*) n from insured_status s where s.status = 'retired' and not exists (select 1 from benefits b where b.person_id = s.person_id and b.kind = 'pension')`), 0);
  assert.equal(await count(t.db, `select count(*) n from benefits where status = 'active' and paid_through <> '2026-10'`), 0);
  const adults = await count(t.db, `select count(*) n from persons where birth_date <= date '2008-11-01'`);
  const employeePensions = await count(t.db, `select count(*) n from insured_status where status = 'retired' and insurance_type = 'pension_employee'`);
  assert.ok(employeePensions / adults > 0.12 && employeePensions / adults < 0.35, `${employeePensions} of ${adults} adults`);
});

test('the load is one event and one audit entry, not one per person; a second run is refused', async () => {
  assert.equal(await count(t.db, "select count(*) n from outbox where type = 'demo.seeded'"), 1);
  assert.equal(await count(t.db, "select count(*) n from outbox where type = 'person.created'"), 0);
  const audit = await t.db.selectFrom('audit_log').select(['action', 'after']).where('action', '=', 'demo.seed').execute();
  assert.equal(audit.length, 1);
  assert.equal((audit[0]!.after as { persons: number }).persons, 500);
  await assert.rejects(seedDemoCity(t.db, { persons: 500, seed: 7 }), /already holds 500 persons/);
  assert.equal(await count(t.db, 'select count(*) n from persons'), 500);
});

async function digest(persons: number, seed: number, parallel = false): Promise<string> {
  const h = await freshDatabase();
  try {
    await seedDemoCity(h.db, { persons, seed, parallel });
    const hash = createHash('sha256');
    const people = await sql<Record<string, unknown>>`select person_id, resident_id, name, birth_date, phone, address, household_id, region_code from persons order by resident_id`.execute(h.db);
    for (const r of people.rows) hash.update(JSON.stringify(r));
    const entries = await sql<Record<string, unknown>>`select * from contribution_entries order by person_id, insurance_type, month`.execute(h.db);
    for (const r of entries.rows) hash.update(JSON.stringify(r));
    const orgs = await sql<Record<string, unknown>>`select org_id, credit_code, name from organisations order by credit_code`.execute(h.db);
    for (const r of orgs.rows) hash.update(JSON.stringify(r));
    return hash.digest('hex');
  } finally {
    await h.close();
  }
}

test('the same seed gives the same city in another database, loaded in one transaction or in parallel; another seed gives other people', async () => {
  const first = await digest(300, 11);
  assert.equal(await digest(300, 11, true), first);
  assert.notEqual(await digest(300, 12), first);
});
