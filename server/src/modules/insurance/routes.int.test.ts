import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dropTemplates } from '../../test/db.js';
import { PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { creditCodeFor } from '../demo/employers.js';
import { hashPassword } from '../iam/passwords.js';
import { createStaffUser } from '../iam/service.js';
import { runCaseTimers } from '../cases/worker.js';
import { signCallback, SimulatedBank, SIGNATURE_HEADER, type PaymentCallback } from './bank.js';

let t: TestContext;
let teller: string;
let orgId: string;
before(async () => {
  t = await setupTestApp({ seed: true });
  teller = await t.staffCookie('teller.hc');
});
after(async () => {
  await t.close();
  await dropTemplates();
});

test('staff register an employer in their region and enrol an employee; another district cannot', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/insurance/employers', headers: { cookie: teller }, payload: { creditCode: creditCodeFor('91', '371002', 'MA3R0001'), name: '威海路由测试有限公司', regionCode: '371002001', riskClass: 2, registeredOn: '2026-01-01' } });
  assert.equal(res.statusCode, 201, res.body);
  orgId = res.json().orgId;
  const enrol = await t.app.inject({ method: 'POST', url: `/api/insurance/employers/${orgId}/employees`, headers: { cookie: teller }, payload: { residentId: t.city.persons.zhang!.residentId, startMonth: '2026-09', wageFen: 900_000 } });
  assert.equal(enrol.statusCode, 201, enrol.body);
  const other = await t.staffCookie('teller.wd');
  const denied = await t.app.inject({ method: 'GET', url: `/api/insurance/employers/${orgId}/employees`, headers: { cookie: other } });
  assert.equal(denied.statusCode, 403);
  assert.equal(denied.json().code, 'OUT_OF_SCOPE');
  const citizen = await t.citizenCookie(t.city.persons.zhang!.residentId);
  const refused = await t.app.inject({ method: 'POST', url: `/api/insurance/employers/${orgId}/assessments`, headers: { cookie: citizen }, payload: { month: '2026-09' } });
  assert.equal(refused.statusCode, 403);
});

test('an employer agent sees only their own organisation', async () => {
  await t.db
    .insertInto('users')
    .values({ user_id: randomUUID(), kind: 'staff', username: 'agent.r0001', person_id: null, display_name: '单位经办人', password_hash: await hashPassword(PASSWORD), totp_secret: null, roles: ['employer_agent'], service_point_id: null, scope_region: null, org_id: orgId })
    .execute();
  const agent = await t.staffCookie('agent.r0001');
  const own = await t.app.inject({ method: 'GET', url: `/api/insurance/employers/${orgId}/employees`, headers: { cookie: agent } });
  assert.equal(own.statusCode, 200, own.body);
  assert.equal(own.json().items.length, 1);
  assert.match(own.json().items[0].residentIdMasked, /\*/);
  const otherOrg = await t.app.inject({ method: 'POST', url: '/api/insurance/employers', headers: { cookie: teller }, payload: { creditCode: creditCodeFor('91', '371002', 'MA3R0002'), name: '威海另一测试有限公司', regionCode: '371002001', riskClass: 1, registeredOn: '2026-01-01' } });
  const foreign = await t.app.inject({ method: 'GET', url: `/api/insurance/employers/${otherOrg.json().orgId}/bills`, headers: { cookie: agent } });
  assert.equal(foreign.statusCode, 404);
});

test('the bank callback is accepted only with a valid signature and posts a repeated callback once', async () => {
  const assess = await t.app.inject({ method: 'POST', url: `/api/insurance/employers/${orgId}/assessments`, headers: { cookie: teller }, payload: { month: '2026-09' } });
  assert.equal(assess.statusCode, 200, assess.body);
  const bill = assess.json().bill;
  const deliveries: number[] = [];
  const bank = new SimulatedBank(async (body, signature) => {
    const r = await t.app.inject({ method: 'POST', url: `/api/insurance/bank/${body.bankCode}/callback`, headers: { [SIGNATURE_HEADER]: signature }, payload: body });
    deliveries.push(r.statusCode);
  });
  const tx = await bank.pay(bill.billNo, bill.principalFen, '2026-09-20');
  await bank.callback(tx);
  assert.deepEqual(deliveries, [200, 200]);
  const forged: PaymentCallback = { bankCode: 'SIMBANK', txRef: 'FORGED1', billNo: bill.billNo, amountFen: 1, paidOn: '2026-09-21' };
  const bad = await t.app.inject({ method: 'POST', url: '/api/insurance/bank/SIMBANK/callback', headers: { [SIGNATURE_HEADER]: signCallback('wrong-secret', forged) }, payload: forged });
  assert.equal(bad.statusCode, 401);
  assert.equal(bad.json().code, 'BANK_SIGNATURE_INVALID');
  const pays = await t.app.inject({ method: 'GET', url: `/api/insurance/payments?billId=${bill.billId}`, headers: { cookie: teller } });
  assert.equal(pays.json().items.length, 1);
  // Every payment gets one electronic receipt, sealed and verifiable; the repeated callback no second one.
  await runCaseTimers(t.app.db);
  const receipts = await t.app.db.selectFrom('documents').selectAll().where('kind', '=', 'payment_receipt').where('org_id', '=', orgId).execute();
  assert.equal(receipts.length, 1);
  const pdf = await t.app.inject({ method: 'GET', url: `/api/documents/${receipts[0]!.id}/pdf`, headers: { cookie: teller } });
  assert.equal(pdf.statusCode, 200, pdf.body.slice(0, 200));
  const verdict = await t.app.inject({ method: 'POST', url: '/api/verify', headers: { 'content-type': 'application/pdf' }, payload: pdf.rawPayload });
  assert.equal(verdict.json().valid, true, verdict.body);
  const cert = await t.app.inject({ method: 'GET', url: `/api/persons/${t.city.persons.zhang!.personId}/contribution-certificate?asOf=2026-10-01`, headers: { cookie: await t.citizenCookie(t.city.persons.zhang!.residentId) } });
  assert.equal(cert.statusCode, 200);
  assert.equal(cert.json().insurances.find((i: { insuranceType: string }) => i.insuranceType === 'pension_employee').paidMonths, 1);
  const elsewhere = await t.app.inject({ method: 'GET', url: `/api/persons/${t.city.persons.li!.personId}/contribution-certificate`, headers: { cookie: await t.citizenCookie(t.city.persons.zhang!.residentId) } });
  assert.equal(elsewhere.statusCode, 404);
});

test('payroll: computed by one person, released only by another with payroll.release', async () => {
  await createStaffUser(t.db, { username: 'super.city', displayName: 'super', password: PASSWORD, roles: ['supervisor'], servicePointId: 'SP371000', scopeRegion: '3710' });
  await createStaffUser(t.db, { username: 'approver.city', displayName: 'approver', password: PASSWORD, roles: ['approver', 'supervisor'], servicePointId: 'SP371000', scopeRegion: '3710' });
  const sup = await t.staffCookie('super.city');
  const run = await t.app.inject({ method: 'POST', url: '/api/insurance/payroll/runs', headers: { cookie: sup }, payload: { month: '2026-10' } });
  assert.equal(run.statusCode, 200, run.body);
  const total = run.json().totalFen;
  const selfRelease = await t.app.inject({ method: 'POST', url: '/api/insurance/payroll/runs/2026-10/release', headers: { cookie: sup }, payload: { expectedTotalFen: total } });
  assert.equal(selfRelease.statusCode, 403); // supervisors lack payroll.release
  const tellerRelease = await t.app.inject({ method: 'POST', url: '/api/insurance/payroll/runs/2026-10/release', headers: { cookie: teller }, payload: { expectedTotalFen: total } });
  assert.equal(tellerRelease.statusCode, 403);
  const approver = await t.staffCookie('approver.city');
  const ok = await t.app.inject({ method: 'POST', url: '/api/insurance/payroll/runs/2026-10/release', headers: { cookie: approver }, payload: { expectedTotalFen: total } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().status, 'released');
  // The approver runs the next month: they cannot also release it.
  await t.app.inject({ method: 'POST', url: '/api/insurance/payroll/runs', headers: { cookie: approver }, payload: { month: '2026-11' } });
  const own = await t.app.inject({ method: 'POST', url: '/api/insurance/payroll/runs/2026-11/release', headers: { cookie: approver }, payload: { expectedTotalFen: 0 } });
  assert.equal(own.statusCode, 403);
  assert.equal(own.json().code, 'TWO_PERSON_RULE');
});
