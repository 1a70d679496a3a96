import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { dropTemplates } from '../../test/db.js';
import { verifyAuditChain } from '../audit/service.js';
import { createStaffUser } from '../iam/service.js';
import type { Role } from '../iam/roles.js';
import { createBackOffice, installTestItems } from './testkit.js';
import { PRINTOUT_ITEM, SUBSIDY_ITEM } from './supervision-testkit.js';

let t: TestContext;
const cookies: Record<string, string> = {};
const ids: Record<string, string> = {};

async function staff(username: string, roles: Role[], scopeRegion: string) {
  ids[username] = await createStaffUser(t.db, { username, displayName: username, password: PASSWORD, roles, servicePointId: 'SP371000', scopeRegion });
}

before(async () => {
  t = await setupTestApp({ seed: true });
  await installTestItems(t.db, [SUBSIDY_ITEM, PRINTOUT_ITEM]);
  Object.assign(ids, await createBackOffice(t.db, PASSWORD));
  // District supervisors: 环翠区 (371002: 张伟, 李娜) and 文登区 (371003: 王建国).
  await staff('sup.hc', ['supervisor'], '371002');
  await staff('sup.wd', ['supervisor'], '371003');
  // An approver who also supervises: sees the overrides they asked for, cannot confirm them.
  await staff('approver.sup', ['approver', 'supervisor'], '3710');
  for (const u of ['sup.hc', 'sup.wd', 'supervisor.a', 'approver.sup', 'auditor', 'teller.hc', 'teller.wd']) cookies[u] = await t.staffCookie(u);
});
after(async () => {
  await t.close();
  await dropTemplates();
});

const get = (who: string, url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: cookies[who]! } });
const post = (who: string, url: string, payload: unknown, key?: string) =>
  t.app.inject({ method: 'POST', url, headers: { cookie: cookies[who]!, ...(key ? { 'idempotency-key': key } : {}) }, payload: payload as object });

/** A subsidy application taken at the counter: its age condition fails, so it waits at approval. */
async function counterCase(teller: string, personId: string): Promise<{ id: string; trackingNo: string }> {
  const res = await post(teller, '/api/cases', { itemCode: SUBSIDY_ITEM.code, applicantId: personId, channel: 'counter', answers: {}, materials: [] });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().case.id, trackingNo: res.json().case.trackingNo };
}

/** A print-out the citizen gets at once on the phone and then rates. */
async function ratedCase(residentId: string, score: number, comment?: string): Promise<{ id: string; trackingNo: string }> {
  const cookie = await t.citizenCookie(residentId);
  const res = await t.app.inject({ method: 'POST', url: '/api/cases', headers: { cookie }, payload: { itemCode: PRINTOUT_ITEM.code, channel: 'mobile', answers: {}, materials: [] } });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().case.status, 'completed');
  const id = res.json().case.id;
  const rate = await t.app.inject({ method: 'POST', url: `/api/cases/${id}/rating`, headers: { cookie }, payload: { score, ...(comment ? { comment } : {}) } });
  assert.equal(rate.statusCode, 201, rate.body);
  return { id, trackingNo: res.json().case.trackingNo };
}

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): { code: string; messages: Record<string, string> } }, status: number, code: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.json().code, code);
  assert.ok(res.json().messages['zh-CN'] && res.json().messages.en);
}

describe('overrides awaiting a second person', () => {
  test('each supervisor sees the pending overrides of their region; the requester cannot confirm; a decided one moves to the decided list', async () => {
    const zhangCase = await counterCase('teller.hc', t.city.persons.zhang!.personId);
    const wangCase = await counterCase('teller.wd', t.city.persons.wang!.personId);
    const asked = await post('approver.sup', `/api/cases/${zhangCase.id}/overrides`, { ruleId: 'under_40', reason: '申请时未满四十周岁，受理延误所致' });
    assert.equal(asked.statusCode, 201, asked.body);
    const askedWd = await post('teller.wd', `/api/cases/${wangCase.id}/overrides`, { ruleId: 'under_40', reason: '退役军人创业，按政策放宽年龄' });
    assert.equal(askedWd.statusCode, 201, askedWd.body);

    const pendingOf = async (who: string) => {
      const res = await get(who, '/api/supervision/overrides?status=pending');
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items as { id: string; trackingNo: string; itemName: string; ruleId: string; ruleName: { zh: string; en: string }; reason: string; requestedByName: string; requestedAt: string; status: string; canDecide: boolean }[];
    };
    const hc = await pendingOf('sup.hc');
    assert.deepEqual(hc.map((o) => o.id), [asked.json().id], 'only the cases of 环翠区');
    assert.equal(hc[0]!.trackingNo, zhangCase.trackingNo);
    assert.equal(hc[0]!.itemName, '青年创业补贴申领');
    assert.equal(hc[0]!.ruleId, 'under_40');
    assert.deepEqual(hc[0]!.ruleName, { zh: '未满四十周岁', en: 'Under 40' });
    assert.equal(hc[0]!.reason, '申请时未满四十周岁，受理延误所致');
    assert.equal(hc[0]!.requestedByName, 'approver.sup');
    assert.equal(hc[0]!.status, 'requested');
    assert.equal(hc[0]!.canDecide, true);
    assert.ok(!Number.isNaN(Date.parse(hc[0]!.requestedAt)));
    assert.deepEqual((await pendingOf('sup.wd')).map((o) => o.id), [askedWd.json().id], 'only the cases of 文登区');
    assert.deepEqual((await pendingOf('supervisor.a')).map((o) => o.id).sort(), [asked.json().id, askedWd.json().id].sort(), 'the city sees both');

    // The requester sees it, marked as not theirs to confirm, and the decide route agrees.
    const own = (await pendingOf('approver.sup')).find((o) => o.id === asked.json().id)!;
    assert.equal(own.canDecide, false);
    assertProblem(await post('approver.sup', `/api/overrides/${asked.json().id}/decide`, { approve: true }), 403, 'OVERRIDE_SECOND_PERSON');
    // An auditor reads the queue but does not decide.
    assert.ok((await pendingOf('auditor')).every((o) => !o.canDecide));
    // Another district's supervisor cannot decide it either: the case is not theirs to see.
    assertProblem(await post('sup.wd', `/api/overrides/${asked.json().id}/decide`, { approve: true }), 404, 'NOT_FOUND');
    // Without supervision.read, no queue.
    assertProblem(await get('teller.hc', '/api/supervision/overrides'), 403, 'FORBIDDEN');

    const ok = await post('sup.hc', `/api/overrides/${asked.json().id}/decide`, { approve: true, note: '已核实受理日期' });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(await pendingOf('sup.hc'), []);
    const decided = await get('sup.hc', '/api/supervision/overrides?status=decided');
    assert.equal(decided.statusCode, 200, decided.body);
    const d = decided.json().items as { id: string; status: string; decidedByName: string; note: string; decidedAt: string; canDecide: boolean }[];
    assert.deepEqual(d.map((o) => o.id), [asked.json().id]);
    assert.equal(d[0]!.status, 'approved');
    assert.equal(d[0]!.decidedByName, 'sup.hc');
    assert.equal(d[0]!.note, '已核实受理日期');
    assert.equal(d[0]!.canDecide, false);
    // Deciding twice is a conflict, not a second decision.
    assertProblem(await post('supervisor.a', `/api/overrides/${asked.json().id}/decide`, { approve: false, note: '重复' }), 409, 'CONFLICT');
    assertProblem(await get('sup.hc', '/api/supervision/overrides?status=everything'), 400, 'VALIDATION_FAILED');
  });
});

describe('ratings and the follow-up of poor ones', () => {
  let poorHc: { id: string; trackingNo: string };
  let goodHc: { id: string; trackingNo: string };
  let poorWd: { id: string; trackingNo: string };

  before(async () => {
    poorHc = await ratedCase(t.city.persons.zhang!.residentId, 1, '窗口排队太久，无人引导');
    goodHc = await ratedCase(t.city.persons.li!.residentId, 5, '很快');
    poorWd = await ratedCase(t.city.persons.wang!.residentId, 2);
  });

  test('the list and counts are of my region; bad=true and status filter poor ratings', async () => {
    const all = await get('sup.hc', '/api/supervision/ratings');
    assert.equal(all.statusCode, 200, all.body);
    const body = all.json();
    assert.deepEqual(body.items.map((r: { id: string }) => r.id).sort(), [poorHc.id, goodHc.id].sort());
    const poor = body.items.find((r: { id: string }) => r.id === poorHc.id);
    assert.equal(poor.trackingNo, poorHc.trackingNo);
    assert.equal(poor.itemName, '个人参保证明打印');
    assert.equal(poor.score, 1);
    assert.equal(poor.comment, '窗口排队太久，无人引导');
    assert.equal(poor.poor, true);
    assert.equal(poor.status, 'open');
    assert.equal(poor.regionCode, '371002001');
    assert.equal(poor.channel, 'mobile');
    assert.equal(poor.followUp, null);
    assert.equal(body.items.find((r: { id: string }) => r.id === goodHc.id).status, null, 'a good rating needs no follow-up');
    assert.deepEqual(body.counts, { total: 2, byScore: [1, 0, 0, 0, 1], poor: 1, open: 1, satisfactionRate: 0.5 });

    const bad = await get('sup.hc', '/api/supervision/ratings?bad=true');
    assert.deepEqual(bad.json().items.map((r: { id: string }) => r.id), [poorHc.id]);
    const open = await get('sup.hc', '/api/supervision/ratings?bad=true&status=open');
    assert.deepEqual(open.json().items.map((r: { id: string }) => r.id), [poorHc.id]);
    assert.deepEqual((await get('sup.hc', '/api/supervision/ratings?status=followed_up')).json().items, []);
    const wd = await get('sup.wd', '/api/supervision/ratings');
    assert.deepEqual(wd.json().items.map((r: { id: string }) => r.id), [poorWd.id]);
    assert.deepEqual(wd.json().counts, { total: 1, byScore: [0, 1, 0, 0, 0], poor: 1, open: 1, satisfactionRate: 0 });
    assertProblem(await get('teller.hc', '/api/supervision/ratings'), 403, 'FORBIDDEN');
  });

  test('a poor rating is followed up once, with a note, audited; a good one, another region’s, or a second time is refused', async () => {
    const url = (id: string) => `/api/ratings/${id}/follow-up`;
    assertProblem(await post('sup.hc', url(goodHc.id), { outcome: 'contacted', note: '回访' }), 422, 'RATING_NOT_POOR');
    assertProblem(await post('sup.wd', url(poorHc.id), { outcome: 'contacted', note: '回访' }), 404, 'NOT_FOUND');
    assertProblem(await post('sup.hc', url(poorHc.id), { outcome: 'contacted' }), 400, 'VALIDATION_FAILED');
    assertProblem(await post('sup.hc', url(poorHc.id), { outcome: 'contacted', note: '   ' }), 400, 'VALIDATION_FAILED');
    assertProblem(await post('sup.hc', url(poorHc.id), { outcome: 'ignored', note: '回访' }), 400, 'VALIDATION_FAILED');
    assertProblem(await post('sup.hc', url('0192f000-0000-7000-8000-000000000000'), { outcome: 'contacted', note: '回访' }), 404, 'NOT_FOUND');
    // An auditor reads ratings but does not follow them up.
    assertProblem(await post('auditor', url(poorHc.id), { outcome: 'contacted', note: '回访' }), 403, 'FORBIDDEN');
    assert.equal((await t.db.selectFrom('rating_follow_ups').select('case_id').execute()).length, 0, 'nothing recorded by the refusals');

    const note = '已电话联系张先生致歉，窗口已增设引导员';
    const first = await post('sup.hc', url(poorHc.id), { outcome: 'rectified', note }, 'fu-1');
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().status, 'followed_up');
    assert.equal(first.json().followUp.outcome, 'rectified');
    assert.equal(first.json().followUp.note, note);
    assert.equal(first.json().followUp.byName, 'sup.hc');
    // A retry of the same request (same Idempotency-Key) gets the same answer and records nothing more.
    const retry = await post('sup.hc', url(poorHc.id), { outcome: 'rectified', note }, 'fu-1');
    assert.equal(retry.statusCode, 201);
    assert.deepEqual(retry.json(), first.json());
    // A new request for the same rating is refused.
    assertProblem(await post('supervisor.a', url(poorHc.id), { outcome: 'explained', note: '再次回访' }, 'fu-2'), 409, 'RATING_FOLLOWED_UP');

    const rows = await t.db.selectFrom('rating_follow_ups').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.followed_up_by, ids['sup.hc']);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'rating.followed_up').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.object_id, poorHc.id);
    assert.equal(audit[0]!.actor_id, ids['sup.hc']);
    assert.deepEqual(audit[0]!.after, { status: 'followed_up', trackingNo: poorHc.trackingNo, score: 1, outcome: 'rectified', note });
    assert.equal((await t.db.selectFrom('outbox').select('id').where('type', '=', 'rating.followed_up').execute()).length, 1);
    assert.equal((await verifyAuditChain(t.db)).ok, true);

    // No longer open: out of the open filter, in the followed-up one, and the counts agree.
    const open = await get('sup.hc', '/api/supervision/ratings?status=open');
    assert.deepEqual(open.json().items, []);
    assert.equal(open.json().counts.open, 0);
    const done = await get('sup.hc', '/api/supervision/ratings?status=followed_up');
    assert.deepEqual(done.json().items.map((r: { id: string }) => r.id), [poorHc.id]);
  });

  test('two supervisors following up the same poor rating at once: one records it, the other is told it is done', async () => {
    const both = await Promise.all([
      post('supervisor.a', `/api/ratings/${poorWd.id}/follow-up`, { outcome: 'contacted', note: '电话回访，已说明办理流程' }),
      post('sup.wd', `/api/ratings/${poorWd.id}/follow-up`, { outcome: 'explained', note: '上门说明' }),
    ]);
    assert.deepEqual(both.map((r) => r.statusCode).sort(), [201, 409]);
    assert.equal(both.find((r) => r.statusCode === 409)!.json().code, 'RATING_FOLLOWED_UP');
    assert.equal((await t.db.selectFrom('rating_follow_ups').select('case_id').where('case_id', '=', poorWd.id).execute()).length, 1);
  });
});
