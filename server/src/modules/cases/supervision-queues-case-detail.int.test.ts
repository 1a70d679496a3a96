/**
 * What the case detail says about the supervision queues: who asked for and who decided an
 * override and why (staff only; the applicant sees its rule, status and dates), and that a
 * poor rating was followed up — the outcome and date for the applicant, the supervisor's
 * record and name for staff only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { dropTemplates } from '../../test/db.js';
import { createBackOffice, installTestItems } from './testkit.js';
import { PRINTOUT_ITEM, SUBSIDY_ITEM } from './supervision-testkit.js';

let t: TestContext;

before(async () => {
  t = await setupTestApp({ seed: true });
  await installTestItems(t.db, [SUBSIDY_ITEM, PRINTOUT_ITEM]);
  await createBackOffice(t.db, PASSWORD);
});
after(async () => {
  await t.close();
  await dropTemplates();
});

async function call(cookie: string, method: 'GET' | 'POST', url: string, payload?: object) {
  return t.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
}

async function detail(cookie: string, caseId: string) {
  const res = await call(cookie, 'GET', `/api/cases/${caseId}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

describe('overrides on the case detail', () => {
  test('staff see who asked and who decided by name and why; the applicant sees only the rule, status and dates', async () => {
    const zhang = t.city.persons.zhang!;
    const teller = await t.staffCookie('teller.hc');
    const made = await call(teller, 'POST', '/api/cases', { itemCode: SUBSIDY_ITEM.code, applicantId: zhang.personId, channel: 'counter', answers: {}, materials: [] });
    assert.equal(made.statusCode, 201, made.body);
    const caseId = made.json().case.id as string;
    const approver = await t.staffCookie('approver.a');
    const asked = await call(approver, 'POST', `/api/cases/${caseId}/overrides`, { ruleId: 'under_40', reason: '受理延误，按受理日计算年龄' });
    assert.equal(asked.statusCode, 201, asked.body);

    let o = (await detail(approver, caseId)).overrides;
    assert.equal(o.length, 1);
    assert.equal(o[0].status, 'requested');
    assert.equal(o[0].requestedByName, 'approver.a');
    assert.equal(o[0].decidedByName, null);

    const sup = await t.staffCookie('supervisor.a');
    assert.equal((await call(sup, 'POST', `/api/overrides/${asked.json().id}/decide`, { approve: true, note: '已核实' })).statusCode, 200);
    o = (await detail(approver, caseId)).overrides;
    assert.equal(o[0].status, 'approved');
    assert.equal(o[0].decidedByName, 'supervisor.a');
    assert.equal(o[0].note, '已核实');
    assert.ok(!Number.isNaN(Date.parse(o[0].decidedAt)));
    const listed = await call(approver, 'GET', `/api/cases/${caseId}/overrides`);
    assert.deepEqual(listed.json().items, o);

    // The applicant: which rule, where it stands and when; not the internal reason, the note or who (by id or name).
    const citizen = await t.citizenCookie(zhang.residentId);
    const own = (await detail(citizen, caseId)).overrides;
    assert.deepEqual(own, [
      { id: o[0].id, caseId, ruleId: 'under_40', status: 'approved', requestedAt: o[0].requestedAt, decidedAt: o[0].decidedAt, reason: null, requestedBy: null, decidedBy: null, note: null, requestedByName: null, decidedByName: null },
    ]);
    const ownListed = await call(citizen, 'GET', `/api/cases/${caseId}/overrides`);
    assert.deepEqual(ownListed.json().items, own);
    for (const body of [JSON.stringify(own), ownListed.body]) {
      for (const secret of [o[0].reason, o[0].note, o[0].requestedBy, o[0].decidedBy]) assert.ok(!body.includes(secret), `the applicant does not get ${secret}`);
    }
  });
});

describe('the follow-up of a poor rating on the case detail', () => {
  test('the applicant sees the outcome and date, not the record; staff see both; nobody else sees the case', async () => {
    const zhang = t.city.persons.zhang!;
    const citizen = await t.citizenCookie(zhang.residentId);
    const made = await call(citizen, 'POST', '/api/cases', { itemCode: PRINTOUT_ITEM.code, channel: 'mobile', answers: {}, materials: [] });
    assert.equal(made.statusCode, 201, made.body);
    const caseId = made.json().case.id as string;
    assert.equal((await call(citizen, 'POST', `/api/cases/${caseId}/rating`, { score: 1, comment: '打印了三次' })).statusCode, 201);

    const before = (await detail(citizen, caseId)).rating;
    assert.equal(before.score, 1);
    assert.equal(before.followUp, null, 'not followed up yet');

    const sup = await t.staffCookie('supervisor.a');
    const note = '已电话联系张先生致歉，页面已增加提示';
    const fu = await call(sup, 'POST', `/api/ratings/${caseId}/follow-up`, { outcome: 'rectified', note });
    assert.equal(fu.statusCode, 201, fu.body);

    const mine = (await detail(citizen, caseId)).rating.followUp;
    assert.deepEqual(Object.keys(mine).sort(), ['at', 'outcome'], 'no supervisor record or name for the applicant');
    assert.equal(mine.outcome, 'rectified');
    assert.equal(mine.at, fu.json().followUp.at);

    const staff = (await detail(await t.staffCookie('teller.hc'), caseId)).rating.followUp;
    assert.deepEqual(staff, { outcome: 'rectified', at: mine.at, note, byName: 'supervisor.a' });

    // Another resident: the case is not theirs, so it does not exist for them.
    const other = await call(await t.citizenCookie(t.city.persons.li!.residentId), 'GET', `/api/cases/${caseId}`);
    assert.equal(other.statusCode, 404);
  });
});
