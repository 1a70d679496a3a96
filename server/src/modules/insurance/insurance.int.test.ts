import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import type { DbHandle } from '../../db/connect.js';
import { dropTemplates, freshDatabase, TEST_DB } from '../../test/db.js';
import { seedSmallCity } from '../../test/fixtures.js';
import { SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { creditCodeFor } from '../demo/employers.js';
import { makeResidentId } from '../masterdata/identity/resident-id.js';
import { createPerson, validatePerson } from '../masterdata/persons.js';
import { createParameterDraft, publishParameterDraft, syncParameterCatalog } from '../policy/parameters.js';
import { rightsSummary } from '../rights/service.js';
import { buildFacts } from '../cases/wizard.js';
import { accountStatement, averageContributionIndex, contributionCertificate, creditYearInterest } from './account.js';
import { assessEmployerMonth, assessFlexibleMonth, billLines, enrolFlexible } from './assessment.js';
import { SimulatedBank } from './bank.js';
import { applyYearlyAdjustment, benefitsOf, reinstatePension, startPension, startUnemploymentBenefit, suspendPension } from './benefits.js';
import { declareBases, declareFromXlsx, enrolEmployee, registerEmployer, stopEmployee } from './employers.js';
import { arrears, payerCredit, postBankPayment } from './payments.js';
import { releasePayroll, runPayroll } from './payroll.js';
import { reconcile } from './reconciliation.js';
import { transferIn, transferOut } from './transfers.js';

let h: DbHandle;
let city: Awaited<ReturnType<typeof seedSmallCity>>;
const actor: Actor = { ...SYSTEM_ACTOR, userId: 'clerk-1', role: 'teller' };

before(async () => {
  h = await freshDatabase();
  city = await seedSmallCity(h.db);
});
after(async () => {
  await h.close();
  await dropTemplates();
});

let seq = 0;
async function newPerson(birth = '1980-05-05') {
  seq++;
  const v = validatePerson({ residentId: makeResidentId('371002', birth, 300 + seq), name: `测${'甲乙丙丁戊己庚辛壬癸'[seq % 10]}${'子丑寅卯辰巳午未申酉'[Math.floor(seq / 10) % 10]}`, phone: null, regionCode: '371002001' });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return createPerson(h.db, SYSTEM_ACTOR, { kind: 'system', ref: 'test', actor: null }, v.value);
}

async function newEmployer(riskClass = 3) {
  seq++;
  return registerEmployer(h.db, { creditCode: creditCodeFor('91', '371002', `MA3T${String(seq).padStart(4, '0')}`), name: `威海测试${seq}有限公司`, regionCode: '371002001', riskClass, registeredOn: '2024-01-01' }, actor);
}

function bankFor() {
  const bank: SimulatedBank = new SimulatedBank(async (body) => {
    await postBankPayment(h.db, body, SYSTEM_ACTOR);
  });
  return bank;
}

test('assessment clamps bases to the month’s limits and bills one employer-month with per-line half-up amounts', async () => {
  const org = await newEmployer(3);
  const [low, mid, high] = [await newPerson(), await newPerson(), await newPerson()];
  for (const p of [low, mid, high]) await enrolEmployee(h.db, { orgId: org.orgId, personId: p.person_id, startMonth: '2026-01' }, actor);
  await declareBases(h.db, org.orgId, [
    { personId: low.person_id, month: '2026-01', wageFen: 200_000 },
    { personId: mid.person_id, month: '2026-01', wageFen: 612_345 },
    { personId: high.person_id, month: '2026-01', wageFen: 5_000_000 },
  ], actor);
  // wage.average_monthly 2026 = 7,500.00 → limits 4,500.00 – 22,500.00
  const { bill, created, lines } = await assessEmployerMonth(h.db, { orgId: org.orgId, month: '2026-03' }, actor);
  assert.equal(created, true);
  assert.equal(lines, 12);
  const rows = await billLines(h.db, bill.billId);
  const base = (pid: string) => rows.find((r) => r.person_id === pid && r.insurance_type === 'pension_employee')!.base_fen;
  assert.equal(base(low.person_id), 450_000);
  assert.equal(base(mid.person_id), 612_345);
  assert.equal(base(high.person_id), 2_250_000);
  const midPension = rows.find((r) => r.person_id === mid.person_id && r.insurance_type === 'pension_employee')!;
  assert.equal(midPension.employee_fen, 48_988); // 489.876 → 489.88
  assert.equal(bill.principalFen, rows.reduce((s, r) => s + r.employer_fen + r.employee_fen, 0));
  assert.equal(bill.dueDate, '2026-03-31');
  assert.ok(bill.parameters.some((p) => p.key === 'contribution.rates') && bill.parameters.some((p) => p.key === 'wage.average_monthly'), 'the bill records the parameter versions it used');
  // Assessing the same month again changes nothing.
  const again = await assessEmployerMonth(h.db, { orgId: org.orgId, month: '2026-03' }, actor);
  assert.equal(again.created, false);
  assert.equal(again.bill.billId, bill.billId);
});

test('a duplicated bank callback posts once; partial payment, late fee and overpayment held as credit', async () => {
  const org = await newEmployer(1);
  const p = await newPerson();
  await enrolEmployee(h.db, { orgId: org.orgId, personId: p.person_id, startMonth: '2026-02', wageFen: 800_000 }, actor);
  const { bill } = await assessEmployerMonth(h.db, { orgId: org.orgId, month: '2026-02' }, actor);
  const bank = bankFor();
  // Part on time, the rest 10 days late, then the bank repeats its callback.
  const part = 100_000;
  const tx1 = await bank.pay(bill.billNo, part, '2026-02-27');
  await bank.callback(tx1);
  await bank.callback(tx1);
  const count = await h.db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).where('bill_id', '=', bill.billId).executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 1);
  let b = await h.db.selectFrom('contribution_bills').selectAll().where('bill_id', '=', bill.billId).executeTakeFirstOrThrow();
  assert.equal(b.paid_principal_fen, part);
  assert.equal(b.status, 'partial');
  // Arrears on 2026-03-10: 9 days (1–9 March… to the 10th inclusive = 10 days) on the unpaid principal.
  const rest = bill.principalFen - part;
  const owed = await arrears(h.db, { asOf: '2026-03-10', orgId: org.orgId });
  assert.equal(owed[0]!.principalDueFen, rest);
  assert.equal(owed[0]!.lateFeeDueFen, Math.floor((rest * 10 * 500 * 2 + 1_000_000) / 2_000_000));
  const fee = owed[0]!.lateFeeDueFen;
  // Pays everything owed plus 50.00 too much.
  const tx2 = await bank.pay(bill.billNo, rest + fee + 5_000, '2026-03-10');
  await bank.callback(tx2);
  b = await h.db.selectFrom('contribution_bills').selectAll().where('bill_id', '=', bill.billId).executeTakeFirstOrThrow();
  assert.equal(b.status, 'paid');
  assert.equal(b.late_fee_paid_fen, fee);
  assert.equal(b.settled_on, '2026-03-10');
  assert.equal(await payerCredit(h.db, { orgId: org.orgId }), 5_000);
  // Settled: entries paid, the 8 % employee pension share in the personal account.
  const summary = await rightsSummary(h.db, p.person_id);
  assert.equal(summary.insurances.find((i) => i.insuranceType === 'pension_employee')!.paidMonths, 1);
  const acct = await accountStatement(h.db, p.person_id);
  assert.equal(acct.balanceFen, 64_000); // 8,000.00 × 8 %
  // The next bill uses the credit first.
  const next = await assessEmployerMonth(h.db, { orgId: org.orgId, month: '2026-03' }, actor);
  assert.equal(next.bill.paidPrincipalFen, 5_000);
  assert.equal(await payerCredit(h.db, { orgId: org.orgId }), 0);
  const events = await h.db.selectFrom('outbox').select('type').where('type', '=', 'payment.received').execute();
  assert.ok(events.length >= 2, 'each posting emits payment.received');
});

test('reconciliation against the bank statement lists each kind of difference and posts nothing', async () => {
  const org = await newEmployer(2);
  const p = await newPerson();
  await enrolEmployee(h.db, { orgId: org.orgId, personId: p.person_id, startMonth: '2026-04', wageFen: 700_000 }, actor);
  const bills = [];
  for (const m of ['2026-04', '2026-05', '2026-06', '2026-07']) bills.push((await assessEmployerMonth(h.db, { orgId: org.orgId, month: m }, actor)).bill);
  const bank = new SimulatedBank(async (body) => {
    await postBankPayment(h.db, body, SYSTEM_ACTOR);
  }, undefined, 'RECONBANK');
  const day = '2026-08-05';
  const matched = await bank.pay(bills[0]!.billNo, 1_000, day);
  const mismatched = await bank.pay(bills[1]!.billNo, 2_000, day);
  const lost = await bank.pay(bills[2]!.billNo, 3_000, day, { callback: false }); // the callback never arrived
  const notOnStatement = await bank.pay(bills[3]!.billNo, 4_000, day);
  const csv = bank.statementCsv(day, (lines) => lines.filter((l) => l.txRef !== notOnStatement).map((l) => (l.txRef === mismatched ? { ...l, amountFen: 2_100 } : l)));
  const before = await h.db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const r = await reconcile(h.db, { bankCode: 'RECONBANK', statementDate: day, csv }, actor);
  assert.deepEqual([r.matched, r.amountMismatch, r.missingInLedger, r.missingInBank], [1, 1, 1, 1]);
  const kind = (tx: string) => r.exceptions.find((e) => e.txRef === tx)?.kind;
  assert.equal(kind(mismatched), 'amount_mismatch');
  assert.equal(kind(lost), 'missing_in_ledger');
  assert.equal(kind(notOnStatement), 'missing_in_bank');
  assert.equal(kind(matched), undefined);
  const afterCount = await h.db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(afterCount.n), Number(before.n));
  // Reconciling the same day twice reports the same, still posting nothing.
  const again = await reconcile(h.db, { bankCode: 'RECONBANK', statementDate: day, csv }, actor);
  assert.deepEqual([again.matched, again.amountMismatch, again.missingInLedger, again.missingInBank], [1, 1, 1, 1]);
});

test('flexible worker: base chosen within the limits, pays their own bill, 8 % to the account; interest over two years', async () => {
  const p = await newPerson('1975-03-03');
  await assert.rejects(enrolFlexible(h.db, { personId: p.person_id, startMonth: '2024-01', baseFen: 100_000 }, actor), /outside the year/);
  // 2024 average 7,050.00 → floor 4,230.00. Base 5,000.00: account 400.00 a month.
  await enrolFlexible(h.db, { personId: p.person_id, startMonth: '2024-01', baseFen: 500_000 }, actor);
  const bank = bankFor();
  for (let m = 1; m <= 12; m++) {
    const month = `2024-${String(m).padStart(2, '0')}`;
    const { bill } = await assessFlexibleMonth(h.db, { personId: p.person_id, month }, actor);
    assert.equal(bill.principalFen, 100_000); // 20 % of 5,000.00
    await bank.pay(bill.billNo, bill.principalFen, `${month}-15`);
  }
  for (let m = 1; m <= 12; m++) {
    const month = `2025-${String(m).padStart(2, '0')}`;
    const { bill } = await assessFlexibleMonth(h.db, { personId: p.person_id, month }, actor);
    await bank.pay(bill.billNo, bill.principalFen, `${month}-15`);
  }
  // 2024: credited 12 × 400.00 = 4,800.00 at 2.62 %: 4,800.00 × 0.0262 × 1.083 / 2 = 68.09904 → 68.10
  await creditYearInterest(h.db, 2024, actor, { personId: p.person_id });
  // 2025 (rate 2.62 % carried): opening 4,868.10 × 0.0262 = 127.54422 → 127.54; year's 4,800.00 → 68.10
  await creditYearInterest(h.db, 2025, actor, { personId: p.person_id });
  await creditYearInterest(h.db, 2025, actor, { personId: p.person_id }); // once only
  const st = await accountStatement(h.db, p.person_id);
  assert.deepEqual(st.years.map((y) => [y.year, y.contributionsFen, y.interestFen]), [[2024, 480_000, 6_810], [2025, 480_000, 12_754 + 6_810]]);
  assert.equal(st.balanceFen, 960_000 + 6_810 + 12_754 + 6_810);
  const cert = await contributionCertificate(h.db, p.person_id, '2026-01-01');
  assert.equal(cert.insurances.find((i) => i.insuranceType === 'pension_employee')!.paidMonths, 24);
  assert.equal(cert.account.balanceFen, st.balanceFen);
  assert.deepEqual(cert.years.map((y) => [y.year, y.months]), [[2024, 12], [2025, 12]]);
});

test('a transfer out and back in counts every month once', async () => {
  const org = await newEmployer(1);
  const p = await newPerson('1982-08-08');
  await enrolEmployee(h.db, { orgId: org.orgId, personId: p.person_id, startMonth: '2025-01', wageFen: 600_000 }, actor);
  const bank = bankFor();
  const months = ['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06'];
  for (const m of months) {
    const { bill } = await assessEmployerMonth(h.db, { orgId: org.orgId, month: m }, actor);
    await bank.pay(bill.billNo, bill.principalFen, `${m}-20`);
  }
  await assert.rejects(transferOut(h.db, { personId: p.person_id, toArea: '370200', date: '2025-07-15' }, actor), /transferred out/);
  await stopEmployee(h.db, { orgId: org.orgId, personId: p.person_id, endMonth: '2025-06' }, actor);
  const out = await transferOut(h.db, { personId: p.person_id, toArea: '370200', date: '2025-07-15' }, actor);
  assert.equal(out.months, 6);
  assert.equal(out.pooledFundFen, Math.floor((6 * 600_000 * 1200 * 2 + 10_000) / 20_000)); // 12 % of the bases
  assert.equal(out.accountBalanceFen, 6 * 48_000);
  const pension = async () => (await rightsSummary(h.db, p.person_id)).insurances.find((i) => i.insuranceType === 'pension_employee')!;
  assert.equal((await pension()).totalMonths, 0);
  // Twelve months later the record comes back: our six months plus six worked in Qingdao,
  // with 2025-06 listed twice by the sender (an overlap), and 2 legacy months.
  const theirs = ['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12'];
  const incoming = {
    personId: p.person_id,
    fromArea: '370200',
    reference: 'QD-2026-000123',
    date: '2026-01-20',
    months: [...out.detail, { month: '2025-06', baseFen: 600_000 }, ...theirs.map((m) => ({ month: m, baseFen: 650_000 }))],
    priorMonths: 2,
    accountBalanceFen: out.accountBalanceFen + 6 * 52_000,
    pooledFundFen: 0,
  };
  const r = await transferIn(h.db, incoming, actor);
  assert.deepEqual([r.added, r.returned], [6, 6]);
  assert.equal((await pension()).totalMonths, 12 + 2);
  // Importing the same record again changes nothing.
  const again = await transferIn(h.db, incoming, actor);
  assert.equal(again.duplicate, true);
  const cert = await contributionCertificate(h.db, p.person_id, '2026-02-01');
  const c = cert.insurances.find((i) => i.insuranceType === 'pension_employee')!;
  assert.deepEqual([c.totalMonths, c.paidMonths, c.transferredInMonths, c.priorMonths], [14, 6, 6, 2]);
  const distinct = await h.db.selectFrom('contribution_entries').select((eb) => eb.fn.countAll<number>().as('n')).where('person_id', '=', p.person_id).where('insurance_type', '=', 'pension_employee').executeTakeFirstOrThrow();
  assert.equal(Number(distinct.n), 12);
  assert.equal(cert.account.balanceFen, incoming.accountBalanceFen);
});

test('an xlsx declaration keeps the good rows and names each bad row with its reason', async () => {
  const org = await newEmployer(2);
  const a = await newPerson();
  const b = await newPerson();
  const stranger = await newPerson();
  for (const p of [a, b]) await enrolEmployee(h.db, { orgId: org.orgId, personId: p.person_id, startMonth: '2026-05' }, actor);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('申报');
  ws.addRow(['身份证号', '姓名', '月份', '缴费工资']);
  ws.addRow([a.resident_id, a.name, '2026-06', '6800.50']); // 2 good
  ws.addRow([b.resident_id.slice(0, 17) + (b.resident_id[17] === '1' ? '2' : '1'), b.name, '2026-06', '7000']); // 3 bad check digit
  ws.addRow([b.resident_id, '王五', '2026-06', '7000']); // 4 name mismatch
  ws.addRow([b.resident_id, b.name, '2026-13', '7000']); // 5 bad month
  ws.addRow([b.resident_id, b.name, '2026-06', '七千']); // 6 bad amount
  ws.addRow([stranger.resident_id, stranger.name, '2026-06', '5000']); // 7 not enrolled here
  ws.addRow([b.resident_id, b.name, '2026-06', 7123.4]); // 8 good (a number cell)
  ws.addRow([a.resident_id, a.name, '2026-06', '6900']); // 9 duplicate of row 2
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  const r = await declareFromXlsx(h.db, org.orgId, buf, actor);
  assert.equal(r.accepted, 2);
  assert.deepEqual(r.errors.map((e) => [e.row, e.code]), [[3, 'resident_id_invalid'], [4, 'name_mismatch'], [5, 'month_invalid'], [6, 'wage_invalid'], [7, 'not_enrolled'], [9, 'duplicate_row']]);
  assert.ok(r.errors.every((e) => e.reason.length > 5 && (e.residentIdMasked === null || e.residentIdMasked.includes('*'))), 'each bad row has a reason and only a masked ID');
  const decl = await h.db.selectFrom('contribution_declarations').select(['person_id', 'wage_fen']).where('org_id', '=', org.orgId).where('month', '=', '2026-06').orderBy('wage_fen').execute();
  assert.deepEqual(decl.map((d) => d.wage_fen), [680_050, 712_340]);
});

test('a payroll run killed halfway and rerun pays everyone exactly once; two-person release', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-payroll-'));
  const retirees = [];
  for (let i = 0; i < 9; i++) {
    const p = await newPerson('1960-01-01');
    await startPension(h.db, { personId: p.person_id, startMonth: '2026-01', basicFen: 200_000 + i, accountFen: 50_000, decisionRef: `T-${i}` }, actor);
    retirees.push(p);
  }
  const u = await newPerson('1990-01-01');
  await startUnemploymentBenefit(h.db, { personId: u.person_id, startMonth: '2026-02', months: 2, monthlyFen: 198_000, decisionRef: 'U-1' }, actor);
  await applyYearlyAdjustment(h.db, 2026, actor).catch(() => undefined); // none started before 2026: nothing to add
  // Months before: paid in earlier runs.
  await runPayroll(h.db, { month: '2026-01', dataDir, chunkSize: 3 }, actor);
  let crashed = false;
  await assert.rejects(
    runPayroll(h.db, { month: '2026-02', dataDir, chunkSize: 2, afterChunk: (n) => { if (n === 1) { crashed = true; throw new Error('killed'); } } }, actor),
    /killed/,
  );
  assert.equal(crashed, true);
  const mid = await h.db.selectFrom('payroll_runs').selectAll().where('month', '=', '2026-02').executeTakeFirstOrThrow();
  assert.equal(mid.status, 'running');
  // Chunks 0 and 1 committed; on PostgreSQL the second connection may have committed one more.
  assert.ok(mid.chunks_done >= 2 && mid.chunks_done < mid.chunks_total, `${mid.chunks_done} of ${mid.chunks_total} chunks done`);
  // March cannot be opened while February is unfinished: it would not know who February paid.
  await assert.rejects(runPayroll(h.db, { month: '2026-03', dataDir }, actor), /month by month/);
  // As if the process had died between committing a chunk's payments and marking it done:
  await h.db.updateTable('payroll_chunks').set({ done: false }).where('run_id', '=', mid.run_id).where('chunk_no', '=', 0).execute();
  const run = await runPayroll(h.db, { month: '2026-02', dataDir }, actor);
  assert.equal(run.status, 'computed');
  const pays = await h.db.selectFrom('benefit_payments').selectAll().where('run_id', '=', run.runId).execute();
  const all = await h.db.selectFrom('benefits').select(['person_id', 'status']).where('status', '=', 'active').execute();
  assert.equal(pays.length, all.length);
  assert.equal(new Set(pays.map((p) => `${p.person_id}:${p.kind}`)).size, pays.length);
  for (const r of retirees) assert.equal(pays.filter((p) => p.person_id === r.person_id).length, 1);
  const unemployed = pays.find((p) => p.person_id === u.person_id)!;
  assert.deepEqual([unemployed.regular_fen, unemployed.arrears_months], [198_000, 0]);
  assert.equal(run.totalFen, pays.reduce((s, p) => s + p.total_fen, 0));
  // Files: one per bank, totals matching, every payment once.
  const lines = run.files.flatMap((f) => fs.readFileSync(path.join(dataDir, f.file), 'utf8').trim().split('\n').slice(1));
  assert.equal(lines.length, pays.length);
  assert.equal(run.files.reduce((s, f) => s + f.totalFen, 0), run.totalFen);
  // Running the month again is a no-op.
  const again = await runPayroll(h.db, { month: '2026-02', dataDir }, actor);
  assert.equal(again.payments, run.payments);
  // Two-person rule: the one who ran it cannot release it; someone else can, with the right total.
  await assert.rejects(releasePayroll(h.db, { month: '2026-02', dataDir, expectedTotalFen: run.totalFen }, actor), /signed off by someone other/);
  const second: Actor = { ...actor, userId: 'approver-2' };
  await assert.rejects(releasePayroll(h.db, { month: '2026-02', dataDir, expectedTotalFen: run.totalFen + 1 }, second), /differs/);
  const released = await releasePayroll(h.db, { month: '2026-02', dataDir, expectedTotalFen: run.totalFen }, second);
  assert.equal(released.status, 'released');
  // The unemployment benefit runs its two months (February, March), then ends: April pays it no more.
  const paidTo = async (month: string) => {
    const r = await runPayroll(h.db, { month, dataDir, chunkSize: 3 }, actor);
    return (await h.db.selectFrom('benefit_payments').select('person_id').where('run_id', '=', r.runId).execute()).map((p) => p.person_id);
  };
  assert.equal((await paidTo('2026-03')).filter((id) => id === u.person_id).length, 1);
  assert.equal((await paidTo('2026-04')).filter((id) => id === u.person_id).length, 0);
  const ended = await h.db.selectFrom('benefits').select('status').where('person_id', '=', u.person_id).executeTakeFirstOrThrow();
  assert.equal(ended.status, 'ended');
});

test('a suspended retiree is not paid, and is paid the arrears when reinstated', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-payroll-'));
  const p = await newPerson('1961-01-01');
  const q = await newPerson('1961-02-01');
  await startPension(h.db, { personId: p.person_id, startMonth: '2026-06', basicFen: 250_000, accountFen: 60_000, decisionRef: 'R-1' }, actor);
  await startPension(h.db, { personId: q.person_id, startMonth: '2026-06', basicFen: 200_000, accountFen: 50_000, decisionRef: 'R-2' }, actor);
  const stored = async (personId: string) => (await h.db.selectFrom('benefits').select('paid_through').where('person_id', '=', personId).executeTakeFirstOrThrow()).paid_through;
  const shown = async (personId: string) => (await benefitsOf(h.db, personId))[0]!.paidThrough;
  await runPayroll(h.db, { month: '2026-06', dataDir }, actor);
  // The run does not write paid_through to every benefit: it is read from the run itself.
  assert.equal(await stored(p.person_id), null);
  assert.equal(await shown(p.person_id), '2026-06');
  for (const r of [p, q]) await suspendPension(h.db, { personId: r.person_id, fromMonth: '2026-07', reason: '未完成年度资格认证' }, actor);
  // Leaving the monthly rhythm writes it: the next run will not pay this benefit.
  assert.equal(await stored(p.person_id), '2026-06');
  const rhythm = async (personId: string) => (await h.db.selectFrom('benefits').select('rhythm_from').where('person_id', '=', personId).executeTakeFirstOrThrow()).rhythm_from;
  assert.equal(await rhythm(p.person_id), null, 'out of the rhythm until a run pays it again');
  for (const m of ['2026-07', '2026-08']) {
    const run = await runPayroll(h.db, { month: m, dataDir }, actor);
    const mine = await h.db.selectFrom('benefit_payments').selectAll().where('run_id', '=', run.runId).where('person_id', 'in', [p.person_id, q.person_id]).execute();
    assert.equal(mine.length, 0, `not paid in ${m}`);
  }
  await reinstatePension(h.db, { personId: p.person_id, fromMonth: '2026-09' }, actor);
  // Without arrears the months of the suspension are forfeited.
  await reinstatePension(h.db, { personId: q.person_id, fromMonth: '2026-09', payArrears: false }, actor);
  const sept = await runPayroll(h.db, { month: '2026-09', dataDir }, actor);
  const pay = await h.db.selectFrom('benefit_payments').selectAll().where('run_id', '=', sept.runId).where('person_id', '=', p.person_id).executeTakeFirstOrThrow();
  assert.deepEqual([pay.regular_fen, pay.arrears_months, pay.arrears_fen, pay.total_fen], [310_000, 2, 620_000, 930_000]);
  const qPay = await h.db.selectFrom('benefit_payments').selectAll().where('run_id', '=', sept.runId).where('person_id', '=', q.person_id).executeTakeFirstOrThrow();
  assert.deepEqual([qPay.regular_fen, qPay.arrears_months, qPay.total_fen], [250_000, 0, 250_000]);
  assert.equal(await rhythm(p.person_id), '2026-09', 'back in the rhythm from the run that paid the arrears');
  const oct = await runPayroll(h.db, { month: '2026-10', dataDir }, actor);
  const octPay = await h.db.selectFrom('benefit_payments').selectAll().where('run_id', '=', oct.runId).where('person_id', 'in', [p.person_id, q.person_id]).orderBy('total_fen', 'desc').execute();
  assert.deepEqual(octPay.map((x) => [x.regular_fen, x.arrears_months]), [[310_000, 0], [250_000, 0]]);
  assert.equal(await shown(p.person_id), '2026-10');
  // Every month June–October paid exactly once across the runs (q: June, September, October).
  const months = async (personId: string) => Number((await sql<{ total: number }>`select sum(1 + arrears_months)::int as total from benefit_payments where person_id = ${personId}`.execute(h.db)).rows[0]!.total);
  assert.equal(await months(p.person_id), 5);
  assert.equal(await months(q.person_id), 3);
  // Runs go month by month: a month before the latest run cannot be run any more.
  await assert.rejects(runPayroll(h.db, { month: '2026-05', dataDir }, actor), /month by month/);
});

test('yearly pension adjustment adds fixed + linked amount from January for pensions started before the year', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-payroll-'));
  const p = await newPerson('1958-01-01');
  await startPension(h.db, { personId: p.person_id, startMonth: '2024-06', basicFen: 300_000, accountFen: 100_000, decisionRef: 'A-1' }, actor);
  await applyYearlyAdjustment(h.db, 2025, actor); // 25.00 + 1 % of 4,000.00 = 65.00
  await applyYearlyAdjustment(h.db, 2026, actor); // 25.00 + 1 % of 4,065.00 = 65.65
  await applyYearlyAdjustment(h.db, 2026, actor); // once only
  const adj = await h.db.selectFrom('benefit_adjustments').select(['effective_month', 'amount_fen']).where('person_id', '=', p.person_id).orderBy('effective_month').execute();
  assert.deepEqual(adj.map((a) => [a.effective_month, a.amount_fen]), [['2025-01', 6_500], ['2026-01', 6_565]]);
  // First payroll in 2026-11 pays from June 2024: arrears at each month's own amount.
  const run = await runPayroll(h.db, { month: '2026-11', dataDir }, actor);
  const pay = await h.db.selectFrom('benefit_payments').selectAll().where('run_id', '=', run.runId).where('person_id', '=', p.person_id).executeTakeFirstOrThrow();
  assert.equal(pay.regular_fen, 400_000 + 6_500 + 6_565);
  // 2024-06..2024-12: 7 × 4,000.00; 2025: 12 × 4,065.00; 2026-01..10: 10 × 4,130.65
  assert.equal(pay.arrears_months, 7 + 12 + 10);
  assert.equal(pay.arrears_fen, 7 * 400_000 + 12 * 406_500 + 10 * 413_065);
});

test('an adjustment recorded ahead of its month is paid from that month on, not before; applying it twice adds it once; a month without a run is paid once as arrears', async () => {
  // Its own database: the runs here go month by month from 2026-11 and must not take the
  // months the other tests run.
  const own = await freshDatabase();
  try {
    await seedSmallCity(own.db);
    await syncParameterCatalog(own.db, DEFAULT_CATALOG_DIR);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-payroll-'));
    const v = validatePerson({ residentId: makeResidentId('371002', '1961-02-03', 901), name: '预调整', phone: null, regionCode: '371002001' });
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    const p = await createPerson(own.db, SYSTEM_ACTOR, { kind: 'system', ref: 'test', actor: null }, v.value);
    await startPension(own.db, { personId: p.person_id, startMonth: '2026-10', basicFen: 300_000, accountFen: 100_000, decisionRef: 'F-1' }, actor);
    // The 2027 adjustment, published in November 2026 (two administrators), applied at once.
    const key = 'pension.yearly_adjustment';
    const draft = await createParameterDraft(own.db, { ...SYSTEM_ACTOR, userId: 'admin-a' }, key, { value: { fixedFen: 3000, percentBp: 200 }, effectiveFrom: '2027-01-01', citation: { law: '测试：2027年调整通知' }, reason: 'test' }, '2026-11-28');
    await publishParameterDraft(own.db, { ...SYSTEM_ACTOR, userId: 'admin-b' }, key, draft.versionId, '2026-11-28');
    await applyYearlyAdjustment(own.db, 2027, actor); // 30.00 + 2 % of 4,000.00 = 110.00
    await applyYearlyAdjustment(own.db, 2027, actor); // once only
    const b = await own.db.selectFrom('benefits').select(['adjustments_fen', 'last_adjustment_month']).where('person_id', '=', p.person_id).executeTakeFirstOrThrow();
    assert.deepEqual(b, { adjustments_fen: 11_000, last_adjustment_month: '2027-01' });
    const paid = async (month: string) => {
      const run = await runPayroll(own.db, { month, dataDir }, actor);
      return own.db.selectFrom('benefit_payments').select(['regular_fen', 'arrears_months', 'arrears_fen']).where('run_id', '=', run.runId).where('person_id', '=', p.person_id).executeTakeFirstOrThrow();
    };
    assert.deepEqual(await paid('2026-11'), { regular_fen: 400_000, arrears_months: 1, arrears_fen: 400_000 });
    assert.deepEqual(await paid('2026-12'), { regular_fen: 400_000, arrears_months: 0, arrears_fen: 0 });
    assert.deepEqual(await paid('2027-01'), { regular_fen: 411_000, arrears_months: 0, arrears_fen: 0 });
    // In the monthly rhythm since the run that first paid it: no run for February, so March
    // pays February as arrears, once.
    const rhythm = await own.db.selectFrom('benefits').select('rhythm_from').where('person_id', '=', p.person_id).executeTakeFirstOrThrow();
    assert.equal(rhythm.rhythm_from, '2026-11');
    assert.deepEqual(await paid('2027-03'), { regular_fen: 411_000, arrears_months: 1, arrears_fen: 411_000 });
    assert.deepEqual(await paid('2027-04'), { regular_fen: 411_000, arrears_months: 0, arrears_fen: 0 });
  } finally {
    await own.close();
  }
});

test('bank files hold every payment once with the name on its account, also for chunks done before a crash', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-payroll-'));
  const p = await newPerson('1959-03-03');
  // Paid into a guardian's account: the file carries the account's name, not the retiree's.
  await startPension(h.db, { personId: p.person_id, startMonth: '2026-12', basicFen: 210_000, accountFen: 40_000, decisionRef: 'G-1', bankCode: 'BOC', accountNo: 'SSC990001', accountName: '王"大",明' }, actor);
  // The first process dies after two chunks: their rows, kept in its memory on PostgreSQL,
  // are gone, and the second process reads them from the run.
  await assert.rejects(
    runPayroll(h.db, { month: '2026-12', dataDir, chunkSize: 3, parallel: 1, afterChunk: (n) => { if (n === 1) throw new Error('killed'); } }, actor),
    /killed/,
  );
  const run = await runPayroll(h.db, { month: '2026-12', dataDir, chunkSize: 3, parallel: 1 }, actor);
  const pays = await h.db.selectFrom('benefit_payments').selectAll().where('run_id', '=', run.runId).execute();
  assert.ok(pays.length >= 10, `${pays.length} payments`);
  const lines = run.files.flatMap((f) => fs.readFileSync(path.join(dataDir, f.file), 'utf8').split('\n').slice(1, -1));
  assert.equal(lines.length, pays.length);
  assert.deepEqual(lines.map((l) => l.split(',').at(-1)).sort(), pays.map((x) => `${x.person_id}:${x.kind}`).sort());
  assert.equal(run.files.reduce((t, f) => t + f.totalFen, 0), run.totalFen);
  const guardian = lines.filter((l) => l.includes(p.person_id));
  assert.equal(guardian.length, 1);
  // The comma becomes a space; the quotes survive the CSV quoting.
  assert.match(guardian[0]!, /^SSC990001,"?王"{1,2}大"{1,2} 明"?,2500\.00,2026-12,2500\.00,0\.00,0,/);
  assert.deepEqual(fs.readdirSync(path.join(dataDir, 'payroll', '2026-12')).filter((f) => !f.endsWith('.csv')), [], 'no unfinished file is left behind');
});

test('bank files hold every payment once when one chunk is slow and the others finish far ahead of it', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-payroll-'));
  const done = new Set<number>();
  // Chunk 0 waits until ten later chunks are done: on PostgreSQL their rows, too far ahead of
  // the files, are not kept in memory and are read from the run when their turn comes.
  const run = await runPayroll(
    h.db,
    {
      month: '2027-01',
      dataDir,
      chunkSize: 1,
      parallel: 2,
      afterChunk: async (n) => {
        done.add(n);
        // (PGlite runs one chunk at a time: nothing to wait for.)
        if (n === 0 && TEST_DB === 'postgres') for (let i = 0; i < 500 && done.size < 11; i++) await new Promise((r) => setTimeout(r, 10));
      },
    },
    actor,
  );
  const pays = await h.db.selectFrom('benefit_payments').selectAll().where('run_id', '=', run.runId).execute();
  assert.ok(pays.length >= 12, `${pays.length} payments`);
  const lines = run.files.flatMap((f) => fs.readFileSync(path.join(dataDir, f.file), 'utf8').split('\n').slice(1, -1));
  assert.deepEqual(lines.map((l) => l.split(',').at(-1)).sort(), pays.map((x) => `${x.person_id}:${x.kind}`).sort());
  // Each file in person order, as the bank reconciles it.
  for (const f of run.files) {
    const refs = fs.readFileSync(path.join(dataDir, f.file), 'utf8').split('\n').slice(1, -1).map((l) => l.split(',').at(-1)!);
    assert.deepEqual(refs, [...refs].sort(), `${f.bank} in person order`);
  }
  assert.equal(run.files.reduce((t, f) => t + f.totalFen, 0), run.totalFen);
});

test('the citizens of the small city keep their rights summary (the old API still answers)', async () => {
  const s = await rightsSummary(h.db, city.persons.zhang!.personId);
  assert.deepEqual(s.insurances, []);
});

test('the average contribution index weighs each paid pension month by its year\'s average wage, months before the entries at 1.0; the rights summary and the wizard\'s facts count the same months', async () => {
  await syncParameterCatalog(h.db, DEFAULT_CATALOG_DIR);
  const p = await newPerson('1970-02-02');
  assert.equal(await averageContributionIndex(h.db, p.person_id), null, 'no months, no index');
  await h.db
    .insertInto('insured_status')
    .values([
      { person_id: p.person_id, insurance_type: 'pension_employee', status: 'active', since: '2012-01-01', prior_months: 12 },
      { person_id: p.person_id, insurance_type: 'unemployment', status: 'active', since: '2025-01-01', prior_months: 0 },
    ])
    .execute();
  const entry = (insurance_type: 'pension_employee' | 'unemployment', month: string, base_fen: number, paid: boolean) => ({ person_id: p.person_id, insurance_type, month, org_id: null, base_fen, employer_fen: 0, employee_fen: 0, paid });
  await h.db
    .insertInto('contribution_entries')
    .values([
      // 2025's average wage is 7,280.00 and 2026's 7,500.00 (catalog/parameters/wages.yaml).
      entry('pension_employee', '2025-01', 1_456_000, true), // 2.0
      entry('pension_employee', '2025-02', 1_456_000, true), // 2.0
      entry('pension_employee', '2026-01', 375_000, true), // 0.5
      entry('pension_employee', '2026-02', 750_000, false), // not paid: not counted
      entry('unemployment', '2026-01', 9_999_900, true), // another insurance
    ] as never)
    .execute();
  // (12 × 1.0 + 2.0 + 2.0 + 0.5) / 15 months
  assert.equal(await averageContributionIndex(h.db, p.person_id), 1.1);
  const summary = await rightsSummary(h.db, p.person_id, 0);
  assert.deepEqual(summary.insurances, [
    { insuranceType: 'pension_employee', status: 'active', since: '2012-01-01', totalMonths: 15, paidMonths: 3, unpaidMonths: 1, lastMonth: '2026-02' },
    { insuranceType: 'unemployment', status: 'active', since: '2025-01-01', totalMonths: 1, paidMonths: 1, unpaidMonths: 0, lastMonth: '2026-01' },
  ]);
  // The rules see the same, read in one round trip with the account and the card.
  await h.db.insertInto('pension_accounts').values({ person_id: p.person_id, balance_fen: 1_234_56, interest_year: 2025 }).execute();
  await h.db.insertInto('ss_cards').values([
    { card_no: 'K00000001', person_id: p.person_id, status: 'replaced', issued_at: '2015-03-01' },
    { card_no: 'K00000002', person_id: p.person_id, status: 'lost', issued_at: '2024-06-01' },
  ] as never).execute();
  const facts = await buildFacts(h.db, { kind: 'person', personId: p.person_id, orgId: null, name: p.name, regionCode: p.region_code }, {}, '2026-11-27');
  assert.deepEqual(facts.rights, { insured: { pension_employee: 'active', unemployment: 'active' }, contributionMonths: { pension_employee: 15, unemployment: 1 }, accountBalance: 1234.56, averageIndex: 1.1 });
  assert.equal(facts.applicant.kind === 'person' && facts.applicant.cardStatus, 'lost', 'the card issued last');
});
