import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import BpmnModdle from 'bpmn-moddle';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { freshDatabase } from '../../test/db.js';
import { cookieFrom, PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { createStaffUser } from '../iam/service.js';
import { verifyAuditChain } from '../audit/service.js';
import { CatalogueError } from './loader.js';
import { chinaToday, itemVersionAt, itemVersionById, listItems, syncCatalogue } from './service.js';

const UB = '371000-SB-0010';
let t: TestContext;
let admin: string;
let admin2: string;
before(async () => {
  t = await setupTestApp();
  await createStaffUser(t.db, { username: 'admin2', displayName: 'admin2', password: PASSWORD, roles: ['administrator'], servicePointId: 'SP371000', scopeRegion: '3710' });
  admin = await t.staffCookie('admin');
  admin2 = cookieFrom(await t.app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'admin2', password: PASSWORD } }));
});
after(async () => t?.close());

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function copyCatalogue(edit?: (file: string, text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-catalog-'));
  fs.mkdirSync(path.join(dir, 'items'));
  for (const f of fs.readdirSync(path.join(DEFAULT_CATALOG_DIR, 'items'))) {
    const text = fs.readFileSync(path.join(DEFAULT_CATALOG_DIR, 'items', f), 'utf8');
    fs.writeFileSync(path.join(dir, 'items', f), edit ? edit(f, text) : text);
  }
  return dir;
}

test('the app starts with the shipped catalogue synced; a second sync changes nothing; a changed file becomes a new version', async () => {
  const items = await listItems(t.db, { asOf: '2026-11-01' });
  assert.ok(items.length >= 24);
  const again = await syncCatalogue(t.db, DEFAULT_CATALOG_DIR);
  assert.deepEqual(again.created, []);
  assert.equal(again.unchanged, again.items);

  // A separate database, so the shared one keeps the shipped versions.
  const h = await freshDatabase();
  try {
    await syncCatalogue(h.db, DEFAULT_CATALOG_DIR, { today: '2026-11-01' });
    const v1 = (await itemVersionAt(h.db, UB, '2026-11-01'))!;
    assert.equal(v1.version, 1);
    assert.equal(v1.effectiveFrom, '2025-01-01', "the first version takes the file's effectiveFrom");
    const changed = copyCatalogue((f, text) => (f.startsWith('sb-0010') ? text.replace('promisedDays: 5', 'promisedDays: 4') : text));
    const r = await syncCatalogue(h.db, changed, { today: '2026-11-20' });
    assert.deepEqual(r.created, [{ code: UB, version: 2, effectiveFrom: '2026-11-20' }], 'a later change never takes effect in the past');
    assert.equal((await itemVersionAt(h.db, UB, '2026-11-19'))!.versionId, v1.versionId);
    assert.equal((await itemVersionAt(h.db, UB, '2026-11-20'))!.item.timeLimit.promisedDays, 4);
    assert.deepEqual((await syncCatalogue(h.db, changed, { today: '2026-11-21' })).created, []);
  } finally {
    await h.close();
  }
});

test('a malformed catalogue stops the start before anything is written, naming the file, path and reason', async () => {
  const bad = copyCatalogue((f, text) => (f.startsWith('sk-0002') ? text.replace('role: teller', 'role: cashier') : f.startsWith('jy-0002') ? text.replace("'1200000'", '1200000 +') : text));
  const h = await freshDatabase();
  try {
    await assert.rejects(syncCatalogue(h.db, bad), (e: unknown) => {
      assert.ok(e instanceof CatalogueError);
      assert.match(e.message, /items\/sk-0002-card-report-loss\.yaml \/steps\/0\/role \(line \d+\): "cashier" is not a staff role/);
      assert.match(e.message, /items\/jy-0002-startup-subsidy\.yaml \/calculations\/0\/expression \(line \d+\): FEEL does not parse/);
      return true;
    });
    const n = await h.db.selectFrom('item_versions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
  } finally {
    await h.close();
  }
});

test('draft → four-eyes review → publish with a future date: the old version stays in force until that date', async () => {
  const before = (await itemVersionAt(t.db, UB, chinaToday()))!;
  const draft = await t.app.inject({
    method: 'POST',
    url: `/api/items/${UB}/drafts`,
    headers: { cookie: admin },
    payload: { patch: { timeLimit: { promisedDays: 4 }, summary: { zh: '修订后的说明', en: 'Revised summary' } } },
  });
  assert.equal(draft.statusCode, 201, draft.body);
  const d = draft.json();
  assert.equal(d.status, 'draft');
  assert.equal(d.version, before.version + 1);

  // Review before submission is refused; after submission the author may not review it.
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts/${d.versionId}/review`, headers: { cookie: admin2 }, payload: { decision: 'approve' } })).json().code, 'ITEM_VERSION_STATE');
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts/${d.versionId}/submit`, headers: { cookie: admin } })).json().status, 'in_review');
  const self = await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts/${d.versionId}/review`, headers: { cookie: admin }, payload: { decision: 'approve' } });
  assert.equal(self.statusCode, 403);
  assert.equal(self.json().code, 'FOUR_EYES_REQUIRED');
  // Publishing before approval is refused.
  const early = await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts/${d.versionId}/publish`, headers: { cookie: admin }, payload: { effectiveFrom: addDays(chinaToday(), 30) } });
  assert.equal(early.statusCode, 409);
  const ok = await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts/${d.versionId}/review`, headers: { cookie: admin2 }, payload: { decision: 'approve', comment: '已核对第四十五条' } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().reviewDecision, 'approved');

  // A date in the past is refused (it would change the rules behind decisions already taken).
  const past = await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts/${d.versionId}/publish`, headers: { cookie: admin }, payload: { effectiveFrom: addDays(chinaToday(), -1) } });
  assert.equal(past.statusCode, 400);
  const effective = addDays(chinaToday(), 30);
  const pub = await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts/${d.versionId}/publish`, headers: { cookie: admin }, payload: { effectiveFrom: effective } });
  assert.equal(pub.statusCode, 200, pub.body);
  assert.equal(pub.json().status, 'published');

  const dayBefore = await itemVersionAt(t.db, UB, addDays(effective, -1));
  assert.equal(dayBefore!.versionId, before.versionId);
  assert.equal(dayBefore!.item.timeLimit.promisedDays, before.item.timeLimit.promisedDays);
  const onTheDay = await itemVersionAt(t.db, UB, effective);
  assert.equal(onTheDay!.versionId, d.versionId);
  assert.equal(onTheDay!.item.timeLimit.promisedDays, 4);
  assert.equal(onTheDay!.item.timeLimit.statutoryDays, before.item.timeLimit.statutoryDays, 'the patch kept everything else');
  // The API answers the same, and a running case's version id still resolves to its rules.
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/items/${UB}?asOf=${effective}` })).json().versionId, d.versionId);
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/items/${UB}` })).json().versionId, before.versionId);
  assert.deepEqual((await itemVersionById(t.db, before.versionId))!.item, before.item);

  const versions = await t.app.inject({ method: 'GET', url: `/api/items/${UB}/versions`, headers: { cookie: await t.staffCookie('teller.hc') } });
  assert.equal(versions.statusCode, 200);
  assert.deepEqual(versions.json().items.slice(0, 2).map((v: { status: string }) => v.status), ['published', 'published']);

  // Every step was audited and the audit chain still verifies; the outbox has the events.
  const actions = (await t.db.selectFrom('audit_log').select('action').where('object_id', '=', d.versionId).orderBy('id').execute()).map((r) => r.action);
  assert.deepEqual(actions, ['catalogue.draft_created', 'catalogue.version_submitted', 'catalogue.version_reviewed', 'catalogue.version_published']);
  assert.equal((await verifyAuditChain(t.db)).ok, true);
  const events = await t.db.selectFrom('outbox').select('type').where('aggregate_id', '=', UB).execute();
  assert.ok(events.some((e) => e.type === 'item.version_published'));
});

test('published versions are immutable, in the service and in the database', async () => {
  const v = (await itemVersionAt(t.db, '371000-SK-0002', chinaToday()))!;
  await assert.rejects(sql`update item_versions set definition = '{}'::jsonb where version_id = ${v.versionId}`.execute(t.db), /cannot be changed/);
  await assert.rejects(sql`update item_versions set effective_from = '2020-01-01' where version_id = ${v.versionId}`.execute(t.db), /cannot be changed/);
  await assert.rejects(sql`delete from item_versions where version_id = ${v.versionId}`.execute(t.db), /cannot be deleted/);
  // Publishing again or re-submitting a published version is refused.
  const submit = await t.app.inject({ method: 'POST', url: `/api/items/371000-SK-0002/drafts/${v.versionId}/submit`, headers: { cookie: admin } });
  assert.equal(submit.statusCode, 409);
  assert.equal(submit.json().code, 'ITEM_VERSION_STATE');
});

test('drafts are validated exactly like the YAML, with the path of each problem', async () => {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/items/${UB}/drafts`,
    headers: { cookie: admin },
    payload: { patch: { steps: [{ key: 'accept', name: { zh: '受理', en: 'Acceptance' }, role: 'clerk', scope: 'service_point', statutoryDays: 1, promisedDays: 0 }], conditions: [{ id: 'x', name: { zh: 'x', en: 'x' }, expression: 'answers.nope >', citation: { law: '《x》' } }] } },
  });
  assert.equal(res.statusCode, 422);
  const fields = res.json().errors.map((e: { field: string }) => e.field);
  assert.ok(fields.includes('/body/patch/steps/0/role'), fields.join());
  assert.ok(fields.includes('/body/patch/conditions/0/expression'), fields.join());
  // A new item needs a full, valid definition whose code matches the URL.
  const current = (await t.app.inject({ method: 'GET', url: `/api/items/${UB}` })).json().item;
  const wrong = await t.app.inject({ method: 'POST', url: '/api/items/371000-SB-0099/drafts', headers: { cookie: admin }, payload: { definition: current } });
  assert.equal(wrong.statusCode, 422);
  const created = await t.app.inject({ method: 'POST', url: '/api/items/371000-SB-0099/drafts', headers: { cookie: admin }, payload: { definition: { ...current, code: '371000-SB-0099' } } });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().version, 1);
  // Drafts are not in force anywhere.
  assert.equal(await itemVersionAt(t.db, '371000-SB-0099', '2099-01-01'), null);
});

test('permissions: anyone may browse; only administrators manage; a teller cannot publish', async () => {
  const list = await t.app.inject({ method: 'GET', url: '/api/items?channel=hotline' });
  assert.equal(list.statusCode, 200);
  assert.ok(list.json().items.some((i: { code: string }) => i.code === '371000-SK-0002'));
  assert.ok(list.json().items.every((i: { channels: string[] }) => i.channels.includes('hotline')));
  const search = await t.app.inject({ method: 'GET', url: `/api/items?q=${encodeURIComponent('失业金')}` });
  assert.deepEqual(search.json().items.map((i: { code: string }) => i.code), [UB]);
  const domain = await t.app.inject({ method: 'GET', url: '/api/items?domain=card' });
  assert.equal(domain.json().items.length, 5);

  assert.equal((await t.app.inject({ method: 'GET', url: `/api/items/${UB}/versions` })).statusCode, 401);
  const citizen = await t.citizenCookie(t.city.persons.zhang!.residentId);
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/items/${UB}/versions`, headers: { cookie: citizen } })).statusCode, 403);
  const teller = await t.staffCookie('teller.hc');
  const draft = await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts`, headers: { cookie: teller }, payload: { patch: {} } });
  assert.equal(draft.statusCode, 403);
  const v = (await itemVersionAt(t.db, UB, chinaToday()))!;
  const publish = await t.app.inject({ method: 'POST', url: `/api/items/${UB}/drafts/${v.versionId}/publish`, headers: { cookie: teller }, payload: { effectiveFrom: addDays(chinaToday(), 1) } });
  assert.equal(publish.statusCode, 403);
  assert.equal(publish.json().code, 'FORBIDDEN');
});

test('GET /api/items/:code/process.bpmn serves BPMN 2.0 XML that a modeler can read, without signing in', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/api/items/371000-SB-0008/process.bpmn' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^application\/xml/);
  const { rootElement, warnings } = await new BpmnModdle().fromXML(res.body);
  assert.deepEqual(warnings, []);
  const proc = rootElement.rootElements.find((e: { $type: string }) => e.$type === 'bpmn:Process');
  assert.deepEqual(
    proc.flowElements.filter((e: { $type: string }) => e.$type === 'bpmn:UserTask').map((e: { name: string }) => e.name),
    ['受理', '退休资格审核', '退休审批', '待遇核定', '送达'],
  );
  assert.deepEqual(proc.laneSets[0].lanes.map((l: { name: string }) => l.name), ['综合柜员', '审核人员', '审批人员']);
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/items/371000-XX-0000/process.bpmn' })).statusCode, 404);
});
