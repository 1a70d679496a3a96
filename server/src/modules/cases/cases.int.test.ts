import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { dropTemplates } from '../../test/db.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { storeArchiveRecord } from '../archives/service.js';
import { verifyAuditChain } from '../audit/service.js';
import { claimTask, type Staff } from './engine.js';
import { BENEFIT_ITEM, CHAINED_ITEM, createBackOffice, installTestItems, TEST_ITEM, INSTANT_ITEM } from './testkit.js';
import { runCaseTimers } from './worker.js';
import { submitApplication } from './submit.js';
import { resolveApplicant } from './access.js';
import { dueFlag, flagContext } from './supervision.js';

let t: TestContext;
let staffIds: Record<string, string>;

async function archive(personId: string, code: string): Promise<string> {
  const rec = await storeArchiveRecord(t.db, t.app.archiveStore, {
    personId,
    category: 'application_material',
    materialCode: code,
    title: code,
    mediaType: 'application/json',
    bytes: Buffer.from(JSON.stringify({ scanned: code })),
    source: 'scan',
    actor: SYSTEM_ACTOR,
  });
  return rec.id;
}

function staffRow(username: string, roles: string[], scope = '3710'): Staff {
  return { userId: staffIds[username] ?? t.city.userIds[username]!, roles, scopeRegion: scope };
}

const ctx = (now = new Date()) => ({ actor: { ...SYSTEM_ACTOR, userId: 'test', role: 'test' }, now });

before(async () => {
  t = await setupTestApp({ seed: true });
  await installTestItems(t.db, [TEST_ITEM, INSTANT_ITEM, CHAINED_ITEM, BENEFIT_ITEM]);
  staffIds = await createBackOffice(t.db, PASSWORD);
});
after(async () => {
  await t.close();
  await dropTemplates();
});

describe('applications', () => {
  test('the one-time notice lists every missing material at once, and no case is created', async () => {
    const cookie = await t.citizenCookie(t.city.persons.zhang!.residentId);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { cookie, 'idempotency-key': 'notice-1' },
      payload: { itemCode: TEST_ITEM.code, channel: 'web', answers: { employer: '通达公司', disabled: true }, materials: [{ code: 'id_card', reuse: true }] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.result, 'notice');
    assert.match(body.notice.number, /^GZ[0-9]{14}$/);
    // The form, the contract and (because the applicant answered "disabled") the certificate: all three, once.
    assert.deepEqual(body.notice.missing.map((m: { code: string }) => m.code).sort(), ['application_form', 'disability_cert', 'labour_contract']);
    const cases = await t.db.selectFrom('cases').select('id').where('person_id', '=', t.city.persons.zhang!.personId).execute();
    assert.equal(cases.length, 0);
    const notice = await t.db.selectFrom('notices').selectAll().where('number', '=', body.notice.number).executeTakeFirstOrThrow();
    assert.equal(notice.kind, 'submission');
    // The printed notice (一次性告知书) is issued by the workers.
    await runCaseTimers(t.db);
    const printed = await t.db.selectFrom('documents').select(['kind', 'person_id']).where('kind', '=', 'one_time_notice').execute();
    assert.equal(printed.length, 1);
  });

  test('the wizard shows known facts, asks only the rest, explains eligibility and tailors materials', async () => {
    const cookie = await t.citizenCookie(t.city.persons.li!.residentId);
    const res = await t.app.inject({ method: 'POST', url: `/api/wizard/${TEST_ITEM.code}/next`, headers: { cookie }, payload: { channel: 'web', answers: { employer: 'X' } } });
    assert.equal(res.statusCode, 200, res.body);
    const w = res.json();
    assert.deepEqual(w.known.map((k: { field: string }) => k.field).sort(), ['birthDate', 'name']);
    assert.equal(w.known.find((k: { field: string }) => k.field === 'name').value, '李娜');
    // In the form's own order (the database's jsonb would put the shorter key first).
    assert.deepEqual(w.questions.map((q: { name: string }) => q.name), ['startMonth', 'disabled']);
    assert.equal(w.eligibility.outcome, 'eligible');
    assert.equal(w.eligibility.rules[0].citation.article, '第十五条');
    const idCard = w.materials.find((m: { code: string }) => m.code === 'id_card');
    assert.equal(idCard.reusable.source, 'masterdata');
    assert.equal(w.materials.find((m: { code: string }) => m.code === 'disability_cert').required, false);
    assert.equal(w.complete, false);
  });

  test('a material archived for one application is offered to the next one (免提交), and only to its owner', async () => {
    const zhang = t.city.persons.zhang!;
    const item = '371000-RC-0001'; // professional title: the diploma can come from the archives
    const wizard = async (residentId: string) => {
      const res = await t.app.inject({ method: 'POST', url: `/api/wizard/${item}/next`, headers: { cookie: await t.citizenCookie(residentId) }, payload: { channel: 'web', answers: {} } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().materials.find((m: { code: string }) => m.code === 'diploma') as { reusable?: { archiveId: string; source: string } };
    };
    assert.equal((await wizard(zhang.residentId)).reusable, undefined);
    const rec = await storeArchiveRecord(t.db, t.app.archiveStore, { personId: zhang.personId, category: 'diploma', materialCode: 'diploma', title: '毕业证书', mediaType: 'application/json', bytes: Buffer.from(JSON.stringify({ scanned: 'diploma' })), source: 'scan', actor: SYSTEM_ACTOR });
    const offered = await wizard(zhang.residentId);
    assert.equal(offered.reusable?.source, 'archives');
    assert.equal(offered.reusable?.archiveId, rec.id);
    assert.equal((await wizard(t.city.persons.li!.residentId)).reusable, undefined);
  });
});

describe('universal teller and the process', () => {
  let caseId: string;

  test('a teller accepts for a person from another district; review goes to the central back office', async () => {
    const wang = t.city.persons.wang!; // lives in 371003 (Wendeng); teller.hc serves 371002 (Huancui)
    const cookie = await t.staffCookie('teller.hc');
    // Without identifying the person at the counter the teller cannot act for them.
    const denied = await t.app.inject({ method: 'POST', url: `/api/wizard/${TEST_ITEM.code}/next`, headers: { cookie }, payload: { applicantId: wang.personId, channel: 'counter', answers: {} } });
    assert.equal(denied.statusCode, 403);
    const id = await t.app.inject({ method: 'POST', url: '/api/counter/identify', headers: { cookie }, payload: { residentId: wang.residentId, reason: '持身份证到窗口办理' } });
    assert.equal(id.statusCode, 200, id.body);
    assert.equal(id.json().outOfRegion, true);
    assert.notEqual(id.json().residentId, wang.residentId, 'masked');
    const audit = await t.db.selectFrom('audit_log').select(['action', 'after']).where('action', '=', 'counter.identified').executeTakeFirstOrThrow();
    assert.equal((audit.after as { outOfRegion: boolean }).outOfRegion, true);

    const materials = [
      { code: 'id_card', reuse: true },
      { code: 'application_form', archiveId: await archive(wang.personId, 'application_form') },
      { code: 'labour_contract', archiveId: await archive(wang.personId, 'labour_contract') },
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { cookie, 'idempotency-key': 'teller-1' },
      payload: { itemCode: TEST_ITEM.code, applicantId: wang.personId, channel: 'counter', answers: { employer: '文登机械厂', disabled: false }, materials },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.result, 'receipt');
    assert.match(body.case.trackingNo, /^TB[0-9]{16}[0-9X]$/);
    assert.equal(body.case.status, 'in_review', 'accepted at the counter at once, then under review');
    assert.equal(body.case.servicePointId, 'SP371002001');
    assert.ok(body.receipt.promisedDate >= body.receipt.submittedAt.slice(0, 10));
    caseId = body.case.id;
    // A retry with the same key: the same case, nothing new.
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { cookie, 'idempotency-key': 'teller-1' },
      payload: { itemCode: TEST_ITEM.code, applicantId: wang.personId, channel: 'counter', answers: { employer: '文登机械厂', disabled: false }, materials },
    });
    assert.equal(again.json().case.id, caseId);
    assert.equal((await t.db.selectFrom('cases').select('id').where('person_id', '=', wang.personId).execute()).length, 1);
    // The teller finds the case they took in their list although the applicant lives elsewhere; the Wendeng teller by region.
    const mine = await t.app.inject({ method: 'GET', url: '/api/cases', headers: { cookie } });
    assert.ok(mine.json().items.some((c: { id: string }) => c.id === caseId));

    const tasks = await t.db.selectFrom('tasks').selectAll().where('case_id', '=', caseId).orderBy('step_index').execute();
    assert.equal(tasks[0]!.scope, '371002001', 'acceptance at the teller’s own service point');
    assert.equal(tasks[0]!.status, 'done');
    assert.equal(tasks[1]!.scope, 'central:social_insurance');
    assert.equal(tasks[1]!.role, 'reviewer');
    // The Wendeng teller does not see the review; the central reviewer does.
    const rc = await t.staffCookie('reviewer.a');
    const queue = await t.app.inject({ method: 'GET', url: '/api/tasks?queue=available', headers: { cookie: rc } });
    assert.ok(queue.json().items.some((x: { id: string; flag: string }) => x.id === tasks[1]!.id && ['green', 'yellow', 'red'].includes(x.flag)));
    const wd = await t.staffCookie('teller.wd');
    const wdQueue = await t.app.inject({ method: 'GET', url: '/api/tasks?queue=available', headers: { cookie: wd } });
    assert.ok(!wdQueue.json().items.some((x: { id: string }) => x.id === tasks[1]!.id));
  });

  test('a race on one task has exactly one winner; the loser gets 409 CONFLICT', async () => {
    const task = await t.db.selectFrom('tasks').selectAll().where('case_id', '=', caseId).where('status', '=', 'open').executeTakeFirstOrThrow();
    const [a, b] = await Promise.all([t.staffCookie('reviewer.a'), t.staffCookie('reviewer.b')]);
    const results = await Promise.all(
      [a, b].map((cookie) => t.app.inject({ method: 'POST', url: `/api/tasks/${task.id}/complete`, headers: { cookie }, payload: { action: 'approve' } })),
    );
    const codes = results.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [200, 409], results.map((r) => r.body).join('\n'));
    assert.equal(results.find((r) => r.statusCode === 409)!.json().code, 'CONFLICT');
    const live = await t.db.selectFrom('tasks').selectAll().where('case_id', '=', caseId).where('status', 'in', ['open', 'claimed']).execute();
    assert.equal(live.length, 1, 'one approval task, not two');
    assert.equal(live[0]!.step_key, 'approve');
    // Claims race the same way.
    const claims = await Promise.allSettled([claimTask(t.db, ctx(), staffRow('approver.a', ['approver']), live[0]!.id), claimTask(t.db, ctx(), staffRow('approver.a', ['approver']), live[0]!.id)]);
    assert.equal(claims.filter((c) => c.status === 'fulfilled').length, 1);
    // Delegation: only to someone holding the role; then the task is theirs, not the delegator's.
    const [apA, apB, tellerWd] = await Promise.all([t.staffCookie('approver.a'), t.staffCookie('approver.b'), t.staffCookie('teller.wd')]);
    const toTeller = await t.app.inject({ method: 'POST', url: `/api/tasks/${live[0]!.id}/delegate`, headers: { cookie: apA }, payload: { toUserId: t.city.userIds['teller.wd'] } });
    assert.equal(toTeller.statusCode, 400);
    const del = await t.app.inject({ method: 'POST', url: `/api/tasks/${live[0]!.id}/delegate`, headers: { cookie: apA }, payload: { toUserId: staffIds['approver.b'] } });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal(del.json().claimedBy, staffIds['approver.b']);
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/tasks/${live[0]!.id}/complete`, headers: { cookie: apA }, payload: { action: 'approve' } })).statusCode, 409);
    const mineB = await t.app.inject({ method: 'GET', url: '/api/tasks?queue=mine', headers: { cookie: apB } });
    assert.deepEqual(mineB.json().items.map((x: { id: string }) => x.id), [live[0]!.id]);
    // A teller outside the role does not even see it.
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/tasks/${live[0]!.id}/claim`, headers: { cookie: tellerWd } })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/tasks/${live[0]!.id}/release`, headers: { cookie: apB } })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/tasks/${live[0]!.id}/claim`, headers: { cookie: apA } })).statusCode, 200);
  });

  test('approval and completion finish the case; the chain fires; the applicant rates once; another citizen sees nothing', async () => {
    const ap = await t.staffCookie('approver.a');
    for (const action of ['approve', 'complete']) {
      const task = await t.db.selectFrom('tasks').selectAll().where('case_id', '=', caseId).where('status', 'in', ['open', 'claimed']).executeTakeFirstOrThrow();
      const r = await t.app.inject({ method: 'POST', url: `/api/tasks/${task.id}/complete`, headers: { cookie: ap }, payload: { action } });
      assert.equal(r.statusCode, 200, r.body);
    }
    const c = await t.db.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
    assert.equal(c.status, 'completed');
    await runCaseTimers(t.db);
    const fired = await t.db.selectFrom('outbox').select('type').where('type', '=', 'test.enrolment_approved').execute();
    assert.equal(fired.length, 1);

    const wangCookie = await t.citizenCookie(t.city.persons.wang!.residentId);
    const own = await t.app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: { cookie: wangCookie } });
    assert.equal(own.statusCode, 200);
    const history = own.json().history as { kind: string; detail: { kind?: string; documentId?: string } }[];
    assert.deepEqual(
      history.filter((h) => h.kind.startsWith('case.')).map((h) => h.kind),
      ['case.submitted', 'case.accepted', 'case.in_review', 'case.approved', 'case.completed'],
    );
    // The acceptance receipt and the decision letter, issued (sealed PDFs) by the workers, once each.
    const docs = history.filter((h) => h.kind === 'document.issued').map((h) => h.detail.kind).sort();
    assert.deepEqual(docs, ['acceptance_receipt', 'decision_letter']);
    const docId = history.find((h) => h.detail.kind === 'decision_letter')!.detail.documentId!;
    const doc = await t.db.selectFrom('documents').select(['kind', 'case_id']).where('id', '=', docId).executeTakeFirstOrThrow();
    assert.deepEqual(doc, { kind: 'decision_letter', case_id: caseId });
    const zhangCookie = await t.citizenCookie(t.city.persons.zhang!.residentId);
    const other = await t.app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: { cookie: zhangCookie } });
    assert.equal(other.statusCode, 404);
    assert.equal(other.json().code, 'NOT_FOUND');
    const missing = await t.app.inject({ method: 'GET', url: `/api/cases/0192f000-0000-7000-8000-000000000000`, headers: { cookie: zhangCookie } });
    assert.equal(missing.body.replace(/"instance":"[^"]*"/, ''), other.body.replace(/"instance":"[^"]*"/, ''), 'indistinguishable from a missing case');

    const rate = await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/rating`, headers: { cookie: wangCookie }, payload: { score: 5, comment: '很快' } });
    assert.equal(rate.statusCode, 201, rate.body);
    const twice = await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/rating`, headers: { cookie: wangCookie }, payload: { score: 1 } });
    assert.equal(twice.json().code, 'ALREADY_RATED');
  });

  test('a stored decision replays identically', async () => {
    const cookie = await t.staffCookie('reviewer.a');
    const res = await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/decision/replay`, headers: { cookie } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().identical, true);
    const dec = await t.app.inject({ method: 'GET', url: `/api/cases/${caseId}/decision`, headers: { cookie } });
    assert.equal(dec.json().decision.trace[0].citation.law, '《中华人民共和国劳动法》');
  });
});

describe('supervision', () => {
  test('due dates count working days across the National Day holiday and its make-up Saturday; yellow, red, escalation', async () => {
    const li = t.city.persons.li!;
    const cookieless = { kind: 'citizen', personId: li.personId, roles: ['citizen'], orgId: null } as never;
    const applicant = await resolveApplicant(t.db, cookieless, undefined);
    // Wednesday 2026-09-30, 10:00 in China.
    const submittedAt = new Date('2026-09-30T02:00:00Z');
    const out = await submitApplication(
      t.db,
      ctx(submittedAt),
      applicant,
      {
        itemCode: TEST_ITEM.code,
        channel: 'web',
        servicePointId: null,
        answers: { employer: 'A', disabled: false },
        materials: [
          { code: 'id_card', reuse: true },
          { code: 'application_form', archiveId: await archive(li.personId, 'application_form') },
          { code: 'labour_contract', archiveId: await archive(li.personId, 'labour_contract') },
        ],
        clientKey: null,
      },
      { submittedBy: li.userId, staff: null },
    );
    assert.equal(out.result, 'receipt');
    if (out.result !== 'receipt') return;
    assert.equal(out.case.status, 'submitted', 'online: waits for acceptance');
    const task = await t.db.selectFrom('tasks').selectAll().where('case_id', '=', out.case.id).executeTakeFirstOrThrow();
    // 1 working day after 9/30: 10/1–10/7 are holidays → Thursday 10/8.
    assert.equal(task.due_date, '2026-10-08');
    // The case: 7 working days → 10/8, 10/9, 10/10 (make-up Saturday), 10/12, 10/13, 10/14, 10/15.
    assert.equal(out.case.promised_date, '2026-10-15');
    assert.equal(task.scope, '371002001', 'online acceptance in the applicant’s own region');

    const at = async (iso: string) => {
      const f = await flagContext(t.db, new Date(iso));
      return dueFlag(task.due_date, f.today, f.soonLimit);
    };
    assert.equal(await at('2026-09-30T08:00:00Z'), 'yellow', 'the next working day is the due day');
    assert.equal(await at('2026-10-08T08:00:00Z'), 'yellow', 'due today');
    assert.equal(await at('2026-10-09T01:00:00Z'), 'red', 'overdue');
    assert.equal(dueFlag('2026-10-15', '2026-10-08', '2026-10-09'), 'green');

    // Before the end of the due day nothing escalates; after it, once.
    assert.equal(await runCaseTimers(t.db, new Date('2026-10-08T15:00:00Z')), 0);
    await runCaseTimers(t.db, new Date('2026-10-08T16:30:00Z'));
    await runCaseTimers(t.db, new Date('2026-10-09T16:30:00Z'));
    const esc = await t.db.selectFrom('escalations').selectAll().where('task_id', '=', task.id).execute();
    assert.equal(esc.length, 1);
    assert.equal((await t.db.selectFrom('outbox').select('id').where('type', '=', 'task.escalated').where('aggregate_id', '=', task.id).execute()).length, 1);
    const sup = await t.staffCookie('supervisor.a');
    const list = await t.app.inject({ method: 'GET', url: '/api/supervision/overdue', headers: { cookie: sup } });
    assert.equal(list.statusCode, 200, list.body);
    assert.ok(list.json().escalations.some((e: { taskId: string }) => e.taskId === task.id));
    assert.ok(list.json().items.some((i: { taskId: string; flag: string }) => i.taskId === task.id && i.flag === 'red'));
  });

  test('a failed rule blocks approval until an override is confirmed by a second person', async () => {
    const zhang = t.city.persons.zhang!;
    // zhang is made retired: the rule not_retired fails.
    await t.db.insertInto('insured_status').values({ person_id: zhang.personId, insurance_type: 'pension_employee', status: 'retired', since: '2025-01-01' }).execute();
    const cookie = await t.staffCookie('teller.hc');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { cookie },
      payload: {
        itemCode: TEST_ITEM.code,
        applicantId: zhang.personId,
        channel: 'counter',
        answers: { employer: 'B', disabled: false },
        materials: [
          { code: 'id_card', reuse: true },
          { code: 'application_form', archiveId: await archive(zhang.personId, 'application_form') },
          { code: 'labour_contract', archiveId: await archive(zhang.personId, 'labour_contract') },
        ],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const caseId = res.json().case.id;
    const rv = await t.staffCookie('reviewer.a');
    const review = await t.db.selectFrom('tasks').select('id').where('case_id', '=', caseId).where('status', '=', 'open').executeTakeFirstOrThrow();
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/tasks/${review.id}/complete`, headers: { cookie: rv }, payload: { action: 'approve' } })).statusCode, 200);
    const ap = await t.staffCookie('approver.a');
    const approve = await t.db.selectFrom('tasks').select('id').where('case_id', '=', caseId).where('status', '=', 'open').executeTakeFirstOrThrow();
    const blocked = await t.app.inject({ method: 'POST', url: `/api/tasks/${approve.id}/complete`, headers: { cookie: ap }, payload: { action: 'approve' } });
    assert.equal(blocked.json().code, 'RULES_NOT_MET');
    // The approver asks; the same approver cannot confirm; a supervisor can.
    const asked = await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/overrides`, headers: { cookie: ap }, payload: { ruleId: 'not_retired', reason: '退休状态为历史数据错误，已核实' } });
    assert.equal(asked.statusCode, 201, asked.body);
    const self = await t.app.inject({ method: 'POST', url: `/api/overrides/${asked.json().id}/decide`, headers: { cookie: ap }, payload: { approve: true } });
    assert.equal(self.statusCode, 403);
    assert.equal(self.json().code, 'OVERRIDE_SECOND_PERSON');
    const sup = await t.staffCookie('supervisor.a');
    const ok = await t.app.inject({ method: 'POST', url: `/api/overrides/${asked.json().id}/decide`, headers: { cookie: sup }, payload: { approve: true, note: '同意' } });
    assert.equal(ok.statusCode, 200, ok.body);
    const done = await t.app.inject({ method: 'POST', url: `/api/tasks/${approve.id}/complete`, headers: { cookie: ap }, payload: { action: 'approve' } });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().case.status, 'approved');
  });
});

describe('correction, rejection and withdrawal', () => {
  test('补正 names every missing material once; the applicant supplies them; a rejection needs its legal basis; a withdrawal cancels the tasks', async () => {
    const zhang = t.city.persons.zhang!;
    const citizen = await t.citizenCookie(zhang.residentId);
    const submit = async (key: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: { cookie: citizen, 'idempotency-key': key },
        payload: {
          itemCode: TEST_ITEM.code,
          channel: 'web',
          answers: { employer: 'C', disabled: false },
          materials: [
            { code: 'id_card', reuse: true },
            { code: 'application_form', archiveId: await archive(zhang.personId, 'application_form') },
            { code: 'labour_contract', archiveId: await archive(zhang.personId, 'labour_contract') },
          ],
        },
      });
    const first = await submit('corr-1');
    assert.equal(first.statusCode, 201, first.body);
    const caseId = first.json().case.id;
    assert.equal(first.json().case.status, 'submitted');
    const teller = await t.staffCookie('teller.hc');
    const accept = await t.db.selectFrom('tasks').select('id').where('case_id', '=', caseId).where('status', '=', 'open').executeTakeFirstOrThrow();
    const noList = await t.app.inject({ method: 'POST', url: `/api/tasks/${accept.id}/complete`, headers: { cookie: teller }, payload: { action: 'request_correction' } });
    assert.equal(noList.statusCode, 400);
    const corr = await t.app.inject({
      method: 'POST',
      url: `/api/tasks/${accept.id}/complete`,
      headers: { cookie: teller },
      payload: { action: 'request_correction', missing: [{ code: 'labour_contract', reason: '合同未盖章' }, { code: 'application_form', reason: '缺少签名' }] },
    });
    assert.equal(corr.statusCode, 200, corr.body);
    assert.equal(corr.json().case.status, 'correction_requested');
    const detail = (await t.app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: { cookie: citizen } })).json();
    assert.equal(detail.notices.length, 1);
    assert.deepEqual(detail.notices[0].missing.map((m: { code: string }) => m.code), ['labour_contract', 'application_form']);
    const re = await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/correction`, headers: { cookie: citizen }, payload: { materials: [{ code: 'labour_contract', archiveId: await archive(zhang.personId, 'labour_contract') }, { code: 'application_form', archiveId: await archive(zhang.personId, 'application_form') }] } });
    assert.equal(re.statusCode, 200, re.body);
    assert.equal(re.json().status, 'submitted');
    const accept2 = await t.db.selectFrom('tasks').select('id').where('case_id', '=', caseId).where('status', '=', 'open').executeTakeFirstOrThrow();
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/tasks/${accept2.id}/complete`, headers: { cookie: teller }, payload: { action: 'accept' } })).statusCode, 200);
    const review = await t.db.selectFrom('tasks').select('id').where('case_id', '=', caseId).where('status', '=', 'open').executeTakeFirstOrThrow();
    const rv = await t.staffCookie('reviewer.b');
    const noBasis = await t.app.inject({ method: 'POST', url: `/api/tasks/${review.id}/complete`, headers: { cookie: rv }, payload: { action: 'reject', reason: '不符合条件' } });
    assert.equal(noBasis.statusCode, 400);
    assert.equal(noBasis.json().errors[0].field, '/body/citation');
    const rejected = await t.app.inject({
      method: 'POST',
      url: `/api/tasks/${review.id}/complete`,
      headers: { cookie: rv },
      payload: { action: 'reject', reason: '用人单位不在本统筹区', citation: { law: '《中华人民共和国社会保险法》', article: '第五十七条' } },
    });
    assert.equal(rejected.statusCode, 200, rejected.body);
    assert.equal(rejected.json().case.status, 'rejected');
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/withdraw`, headers: { cookie: citizen }, payload: {} })).json().code, 'CASE_STATE');

    const second = await submit('corr-2');
    const id2 = second.json().case.id;
    const w = await t.app.inject({ method: 'POST', url: `/api/cases/${id2}/withdraw`, headers: { cookie: citizen }, payload: { reason: '不再需要' } });
    assert.equal(w.statusCode, 200, w.body);
    assert.equal(w.json().status, 'withdrawn');
    const live = await t.db.selectFrom('tasks').select('status').where('case_id', '=', id2).execute();
    assert.deepEqual(live.map((x) => x.status), ['cancelled']);
    // Another citizen cannot withdraw it (it does not exist for them).
    const li = await t.citizenCookie(t.city.persons.li!.residentId);
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/cases/${caseId}/withdraw`, headers: { cookie: li }, payload: {} })).statusCode, 404);
  });
});

describe('instant items and chains', () => {
  test('card loss completes at once; its chains fire once each, even with two workers and a rerun', async () => {
    const li = t.city.persons.li!;
    await t.db.insertInto('ss_cards').values({ card_no: 'W37100200001', person_id: li.personId, status: 'active', issued_at: '2020-01-01' }).execute();
    const cookie = await t.citizenCookie(li.residentId);
    const res = await t.app.inject({ method: 'POST', url: '/api/cases', headers: { cookie, 'idempotency-key': 'loss-1' }, payload: { itemCode: INSTANT_ITEM.code, channel: 'mobile', answers: {}, materials: [] } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().case.status, 'completed');
    const caseId = res.json().case.id;
    await Promise.all([runCaseTimers(t.db), runCaseTimers(t.db)]);
    await runCaseTimers(t.db);
    const firings = await t.db.selectFrom('chain_firings').selectAll().where('case_id', '=', caseId).execute();
    assert.equal(firings.length, 2);
    const card = await t.db.selectFrom('ss_cards').select('status').where('card_no', '=', 'W37100200001').executeTakeFirstOrThrow();
    assert.equal(card.status, 'lost');
    assert.equal((await t.db.selectFrom('outbox').select('id').where('type', '=', 'card.status_changed').where('aggregate_id', '=', li.personId).execute()).length, 1);
    const next = await t.db.selectFrom('cases').selectAll().where('person_id', '=', li.personId).where('item_code', '=', '371000-SB-9903').execute();
    assert.equal(next.length, 1, 'the replacement card case, started once');
    assert.equal(next[0]!.status, 'submitted');
    assert.equal(next[0]!.channel, 'system');
  });

  test('an approved unemployment claim starts the benefit once: months from the decision, amount from the parameters in force', async () => {
    const li = t.city.persons.li!;
    const cookie = await t.staffCookie('teller.hc');
    const res = await t.app.inject({ method: 'POST', url: '/api/cases', headers: { cookie, 'idempotency-key': 'benefit-1' }, payload: { itemCode: BENEFIT_ITEM.code, applicantId: li.personId, channel: 'counter', answers: {}, materials: [] } });
    assert.equal(res.statusCode, 201, res.body);
    await Promise.all([runCaseTimers(t.db), runCaseTimers(t.db)]);
    const benefits = await t.db.selectFrom('benefits').selectAll().where('person_id', '=', li.personId).execute();
    assert.equal(benefits.length, 1);
    const b = benefits[0]!;
    assert.equal(b.kind, 'unemployment');
    // 12 months; 2,200.00 yuan minimum wage (from 2025-10-01) × 0.9 = 1,980.00 yuan a month.
    assert.equal(b.basic_fen, 198000);
    assert.equal(b.decision_ref, res.json().case.trackingNo);
    const months = (Number(b.end_month!.slice(0, 4)) - Number(b.start_month.slice(0, 4))) * 12 + Number(b.end_month!.slice(5)) - Number(b.start_month.slice(5)) + 1;
    assert.equal(months, 12);
  });

  test('the audit chain verifies after all of this', async () => {
    const r = await verifyAuditChain(t.db);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
  });
});
