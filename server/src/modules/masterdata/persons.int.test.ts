import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setupTestApp, type TestContext } from '../../test/fixtures.js';

let t: TestContext;
before(async () => {
  t = await setupTestApp();
});
after(async () => t.close());

test('a teller finds a person in their region by name, pinyin, initials, ID and phone — masked', async () => {
  const cookie = await t.staffCookie('teller.hc');
  const zhang = t.city.persons.zhang!;
  for (const q of ['张', '张伟', 'zhangwei', 'ZHANG', 'ｚｈａｎｇ', 'zw', zhang.residentId, zhang.residentId.toLowerCase(), '13806301234']) {
    const res = await t.app.inject({ method: 'GET', url: `/api/persons?q=${encodeURIComponent(q)}`, headers: { cookie } });
    assert.equal(res.statusCode, 200, q);
    const body = res.json();
    assert.equal(body.items.length, 1, `query ${q}`);
    assert.equal(body.items[0].name, '张伟');
    assert.equal(body.items[0].residentId, zhang.residentId.slice(0, 4) + '**********' + zhang.residentId.slice(-4));
    assert.equal(body.items[0].phone, '138****1234');
  }
});

test('a teller cannot see persons outside their region, in search or directly', async () => {
  const cookie = await t.staffCookie('teller.hc');
  const search = await t.app.inject({ method: 'GET', url: `/api/persons?q=${encodeURIComponent('王建国')}`, headers: { cookie } });
  assert.equal(search.json().items.length, 0);
  const direct = await t.app.inject({ method: 'GET', url: `/api/persons/${t.city.persons.wang!.personId}`, headers: { cookie } });
  assert.equal(direct.statusCode, 403);
  assert.equal(direct.json().code, 'OUT_OF_SCOPE');
  assert.match(direct.headers['content-type'] as string, /application\/problem\+json/);
});

test('a citizen reads their own record and learns nothing about anyone else', async () => {
  const cookie = await t.citizenCookie(t.city.persons.li!.residentId);
  const own = await t.app.inject({ method: 'GET', url: `/api/persons/${t.city.persons.li!.personId}`, headers: { cookie } });
  assert.equal(own.statusCode, 200);
  assert.equal(own.json().residentId, t.city.persons.li!.residentId);
  const other = await t.app.inject({ method: 'GET', url: `/api/persons/${t.city.persons.zhang!.personId}`, headers: { cookie } });
  const missing = await t.app.inject({ method: 'GET', url: `/api/persons/00000000-0000-4000-8000-000000000000`, headers: { cookie } });
  assert.equal(other.statusCode, 404);
  // The answer for another person's record is the same as for a record that does not exist.
  const strip = (b: { instance?: string }) => ({ ...b, instance: undefined });
  assert.deepEqual(strip(other.json()), strip(missing.json()));
  const search = await t.app.inject({ method: 'GET', url: `/api/persons?q=zhang`, headers: { cookie } });
  assert.equal(search.statusCode, 403);
});

test('unmasking needs the permission and a reason, and is audited', async () => {
  const cookie = await t.staffCookie('teller.hc');
  const zhang = t.city.persons.zhang!;
  const res = await t.app.inject({ method: 'POST', url: `/api/persons/${zhang.personId}/unmask`, headers: { cookie }, payload: { reason: '办理社保卡补换' } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().residentId, zhang.residentId);
  const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'person.unmask').where('object_id', '=', zhang.personId).execute();
  assert.equal(audit.length, 1);
  assert.equal(audit[0]!.actor_id, t.city.userIds['teller.hc']);
  assert.ok(!JSON.stringify(audit[0]!.after).includes(zhang.residentId), 'the audit entry itself keeps the ID masked');
  const analyst = await t.staffCookie('analyst');
  const denied = await t.app.inject({ method: 'POST', url: `/api/persons/${zhang.personId}/unmask`, headers: { cookie: analyst }, payload: { reason: 'curious' } });
  assert.equal(denied.statusCode, 403);
});

test('a change keeps field history with provenance and the person can be read as of an earlier date', async () => {
  const cookie = await t.staffCookie('teller.hc');
  const zhang = t.city.persons.zhang!;
  const before = await t.db.selectFrom('persons').selectAll().where('person_id', '=', zhang.personId).executeTakeFirstOrThrow();
  const res = await t.app.inject({ method: 'PATCH', url: `/api/persons/${zhang.personId}`, headers: { cookie }, payload: { version: before.version, phone: '１３８０６３０８８８８' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().changed, ['phone']);
  const stale = await t.app.inject({ method: 'PATCH', url: `/api/persons/${zhang.personId}`, headers: { cookie }, payload: { version: before.version, phone: '13806300000' } });
  assert.equal(stale.statusCode, 409);
  const history = await t.app.inject({ method: 'GET', url: `/api/persons/${zhang.personId}/history`, headers: { cookie } });
  const phones = history.json().items.filter((i: { field: string }) => i.field === 'phone');
  assert.equal(phones.length, 2);
  assert.equal(phones[1].source, 'channel');
  const events = await t.db.selectFrom('outbox').selectAll().where('aggregate_id', '=', zhang.personId).orderBy('id').execute();
  assert.deepEqual(events.map((e) => e.type), ['person.created', 'person.updated']);
  // Backdate the first history rows to check the "as of" view.
  await t.db.updateTable('person_field_history').set({ recorded_at: new Date('2025-01-01T00:00:00Z') } as never).where('person_id', '=', zhang.personId).where('source_kind', '=', 'system').execute();
  await t.db.updateTable('persons').set({ created_at: new Date('2025-01-01T00:00:00Z') } as never).where('person_id', '=', zhang.personId).execute();
  const { personAsOf } = await import('./persons.js');
  const old = await personAsOf(t.db, zhang.personId, '2025-06-30');
  assert.equal(old?.phone, '13806301234');
  assert.equal(old?.provenance.phone?.source, 'system');
  const now = await personAsOf(t.db, zhang.personId, '2099-01-01');
  assert.equal(now?.phone, '13806308888');
  assert.equal(await personAsOf(t.db, zhang.personId, '2024-12-31'), null);
});

test('reading "as of" a date that does not exist is a validation error, not an empty answer', async () => {
  const cookie = await t.staffCookie('teller.hc');
  const res = await t.app.inject({ method: 'GET', url: `/api/persons/${t.city.persons.zhang!.personId}?asOf=2025-02-31`, headers: { cookie } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().code, 'VALIDATION_FAILED');
  // Named like every other schema failure: the request part, then the field.
  assert.equal(res.json().errors[0].field, '/querystring/asOf');
});

test('a suspected duplicate waits in the review queue until staff decide, and the decision is audited', async () => {
  const { queueDuplicate } = await import('./duplicates.js');
  const { makeResidentId } = await import('./identity/resident-id.js');
  const zhang = t.city.persons.zhang!;
  const typo = makeResidentId('371002', '1985-03-12', 125);
  const entry = { personId: zhang.personId, candidateResidentId: typo, candidate: { name: '张伟', birthDate: '1985-03-12' }, reason: 'same pinyin and birth date', sourceRef: 'test' };
  assert.equal(await queueDuplicate(t.db, entry), true);
  assert.equal(await queueDuplicate(t.db, entry), false, 'the same pair is queued once');
  const admin = await t.staffCookie('admin');
  const list = await t.app.inject({ method: 'GET', url: '/api/duplicates', headers: { cookie: admin } });
  assert.equal(list.statusCode, 200);
  const item = list.json().items.find((i: { personId: string }) => i.personId === zhang.personId);
  assert.ok(item);
  assert.equal(item.candidate.residentId, typo.slice(0, 4) + '**********' + typo.slice(-4), 'the candidate ID is masked in the queue');
  const teller = await t.staffCookie('teller.hc');
  const denied = await t.app.inject({ method: 'POST', url: `/api/duplicates/${item.id}/resolve`, headers: { cookie: teller }, payload: { decision: 'same_person' } });
  assert.equal(denied.statusCode, 403);
  const decided = await t.app.inject({ method: 'POST', url: `/api/duplicates/${item.id}/resolve`, headers: { cookie: admin }, payload: { decision: 'same_person', note: '身份证号输错一位' } });
  assert.equal(decided.statusCode, 200);
  assert.equal(decided.json().status, 'same_person');
  const again = await t.app.inject({ method: 'POST', url: `/api/duplicates/${item.id}/resolve`, headers: { cookie: admin }, payload: { decision: 'different_persons' } });
  assert.equal(again.statusCode, 409);
  const audit = await t.db.selectFrom('audit_log').select('action').where('object_type', '=', 'duplicate_candidate').where('object_id', '=', String(item.id)).execute();
  assert.deepEqual(audit.map((a) => a.action), ['duplicate.resolve']);
  const persons = await t.db.selectFrom('persons').select('person_id').where('resident_id', '=', typo).execute();
  assert.equal(persons.length, 0, 'nothing is merged or created silently');
});
