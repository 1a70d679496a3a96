import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../config.js';
import { buildApp } from './app.js';
import { ERRORS, type ErrorCode } from './errors.js';
import { freshDatabase } from '../test/db.js';
import { setupTestApp, type TestContext } from '../test/fixtures.js';
import { makeResidentId } from '../modules/masterdata/identity/resident-id.js';

let t: TestContext;
let admin: string;
before(async () => {
  t = await setupTestApp();
  admin = await t.staffCookie('admin');
});
after(async () => t?.close());

/** Asserts an RFC 9457 problem document with the catalogue's status and both languages. */
function assertProblem(res: LightMyRequestResponse, code: ErrorCode) {
  assert.equal(res.statusCode, ERRORS[code].status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const p = res.json();
  assert.equal(p.code, code);
  assert.equal(p.status, ERRORS[code].status);
  assert.equal(p.title, ERRORS[code].en);
  assert.equal(p.type, `urn:tongban:problem:${code.toLowerCase().replaceAll('_', '-')}`);
  assert.deepEqual(p.messages, { 'zh-CN': ERRORS[code].zh, en: ERRORS[code].en });
  assert.match(p.messages['zh-CN'], /[\u4e00-\u9fff]/, 'the Chinese message is Chinese');
  assert.equal(typeof p.instance, 'string');
  return p;
}

test('errors are problem+json with a stable code and zh-CN and English messages (400, 401, 403, 404)', async () => {
  assertProblem(await t.app.inject({ method: 'GET', url: '/api/persons?q=', headers: { cookie: admin } }), 'VALIDATION_FAILED');
  assertProblem(await t.app.inject({ method: 'GET', url: '/api/me' }), 'UNAUTHENTICATED');
  const analyst = await t.staffCookie('analyst');
  assertProblem(await t.app.inject({ method: 'GET', url: '/api/persons?q=zhang', headers: { cookie: analyst } }), 'FORBIDDEN');
  assertProblem(await t.app.inject({ method: 'GET', url: '/api/persons/9b2f0a4e-5c1d-4e8f-9a7b-3c6d2e1f0a5b', headers: { cookie: admin } }), 'NOT_FOUND');
  const noRoute = assertProblem(await t.app.inject({ method: 'GET', url: '/api/no-such-thing?id=110101199003077777' }), 'ROUTE_NOT_FOUND');
  assert.equal(noRoute.detail, 'GET /api/no-such-thing', 'the query string (which may hold an ID) is not echoed');
  assertProblem(await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin, 'content-type': 'application/json' }, payload: '{"residentId": ' }), 'MALFORMED_REQUEST');
  assertProblem(await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin, 'content-type': 'application/xml' }, payload: '<person/>' }), 'UNSUPPORTED_MEDIA_TYPE');
  assertProblem(await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) }), 'PAYLOAD_TOO_LARGE');
  // Every instance is the request id: two errors never share one.
  const a = (await t.app.inject({ method: 'GET', url: '/api/me' })).json().instance;
  const b = (await t.app.inject({ method: 'GET', url: '/api/me' })).json().instance;
  assert.notEqual(a, b);
});

test('a validation error lists every bad field, once each', async () => {
  // Three fields wrong by the schema: empty name, too short a region, too long a phone (a string-or-null field).
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/persons',
    headers: { cookie: admin },
    payload: { residentId: makeResidentId('371002', '1980-01-01', 1), name: '', regionCode: '1', phone: '1'.repeat(30) },
  });
  const p = assertProblem(res, 'VALIDATION_FAILED');
  assert.deepEqual(p.errors.map((e: { field: string }) => e.field).sort(), ['/body/name', '/body/phone', '/body/regionCode']);
  for (const e of p.errors) assert.ok(e.reason.length > 0 && e.code, JSON.stringify(e));
  // Missing, unknown and mistyped fields are each named.
  const shape = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin }, payload: { name: ['not', 'a', 'string'], nickname: 'x' } });
  const ps = assertProblem(shape, 'VALIDATION_FAILED');
  assert.deepEqual(ps.errors.map((e: { field: string }) => e.field).sort(), ['/body/name', '/body/nickname', '/body/regionCode', '/body/residentId']);
  // Three fields that pass the schema but not the rules of the domain (check digit, name, phone).
  const good = makeResidentId('371002', '1980-01-01', 1);
  const badDigit = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
  const domain = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin }, payload: { residentId: badDigit, name: 'A1', regionCode: '371002001', phone: '123' } });
  const pd = assertProblem(domain, 'VALIDATION_FAILED');
  assert.deepEqual(pd.errors.map((e: { field: string }) => e.field).sort(), ['/body/name', '/body/phone', '/body/residentId']);
  assert.equal(pd.errors.find((e: { field: string }) => e.field === '/body/residentId').code, 'check_digit');
  // Query strings too.
  const q = await t.app.inject({ method: 'GET', url: '/api/audit?limit=0&beforeId=-3&bogus=1', headers: { cookie: await t.staffCookie('auditor') } });
  assert.deepEqual(assertProblem(q, 'VALIDATION_FAILED').errors.map((e: { field: string }) => e.field).sort(), ['/querystring/beforeId', '/querystring/bogus', '/querystring/limit']);
});

test('Idempotency-Key: a retry returns the first result and creates nothing twice; another body with the key is refused', async () => {
  const residentId = makeResidentId('371002', '1991-01-01', 11);
  const body = { residentId, name: '吴昊', phone: '13506300011', regionCode: '371002001' };
  const headers = { cookie: admin, 'idempotency-key': 'create-wu-hao-1' };
  const first = await t.app.inject({ method: 'POST', url: '/api/persons', headers, payload: body });
  assert.equal(first.statusCode, 201, first.body);
  assert.equal(first.headers['idempotent-replayed'], undefined);
  // The same body with keys in another order is the same request.
  const reordered = Object.fromEntries(Object.entries(body).reverse());
  for (const payload of [body, reordered]) {
    const retry = await t.app.inject({ method: 'POST', url: '/api/persons', headers, payload });
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.body, first.body);
    assert.match(String(retry.headers['content-type']), /^application\/json/);
  }
  const rows = await t.db.selectFrom('persons').select('person_id').where('resident_id', '=', residentId).execute();
  assert.equal(rows.length, 1);
  const events = await t.db.selectFrom('outbox').select('type').where('aggregate_id', '=', rows[0]!.person_id).execute();
  assert.deepEqual(events.map((e) => e.type), ['person.created']);
  const audits = await t.db.selectFrom('audit_log').select('seq').where('action', '=', 'person.create').where('object_id', '=', rows[0]!.person_id).execute();
  assert.equal(audits.length, 1);

  const other = await t.app.inject({ method: 'POST', url: '/api/persons', headers, payload: { ...body, name: '吴浩' } });
  assertProblem(other, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal((await t.db.selectFrom('persons').select('name').where('person_id', '=', rows[0]!.person_id).executeTakeFirstOrThrow()).name, '吴昊');

  // Keys belong to the user: another user's request with the same key runs for real.
  const teller = await t.staffCookie('teller.hc');
  const theirs = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: teller, 'idempotency-key': 'create-wu-hao-1' }, payload: body });
  assert.equal(theirs.headers['idempotent-replayed'], undefined);
  assertProblem(theirs, 'PERSON_EXISTS');
  // Without a key the same request is simply executed again (and refused as a duplicate).
  assertProblem(await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin }, payload: body }), 'PERSON_EXISTS');
  // An unusable key is a validation error.
  const longKey = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin, 'idempotency-key': 'k'.repeat(201) }, payload: body });
  assert.deepEqual(assertProblem(longKey, 'VALIDATION_FAILED').errors.map((e: { field: string }) => e.field), ['/headers/idempotency-key']);
});

test('the same Idempotency-Key on a PATCH replays the first result instead of conflicting on the version', async () => {
  const zhang = t.city.persons.zhang!;
  const { version } = await t.db.selectFrom('persons').select('version').where('person_id', '=', zhang.personId).executeTakeFirstOrThrow();
  const req = { method: 'PATCH' as const, url: `/api/persons/${zhang.personId}`, headers: { cookie: admin, 'idempotency-key': 'patch-zhang-addr' }, payload: { version, address: '环翠区新威路1号' } };
  const first = await t.app.inject(req);
  assert.equal(first.statusCode, 200, first.body);
  const retry = await t.app.inject(req);
  assert.equal(retry.statusCode, 200, 'a retry does not fail on the now-stale version');
  assert.equal(retry.headers['idempotent-replayed'], 'true');
  assert.equal(retry.body, first.body);
  const after = await t.db.selectFrom('persons').select('version').where('person_id', '=', zhang.personId).executeTakeFirstOrThrow();
  assert.equal(after.version, version + 1);
});

test('/healthz, /readyz and /metrics for the operators', async () => {
  const health = await t.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  assert.deepEqual(health.json(), { status: 'ok' });
  const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready' });
  const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain/);
  assert.match(metrics.body, /# TYPE tongban_http_request_duration_seconds histogram/);
  // Requests are labelled by route pattern, not by URL (no IDs in metric labels).
  assert.match(metrics.body, /tongban_http_request_duration_seconds_count\{[^}]*route="\/api\/persons\/:personId"[^}]*\} \d+/);
  assert.ok(!metrics.body.includes(t.city.persons.zhang!.personId));
});

test('/readyz answers 503 problem+json when the database is gone; /healthz still answers', async () => {
  const handle = await freshDatabase();
  const app = await buildApp({ db: handle.db, config: { ...loadConfig({}), logLevel: 'silent' }, logger: false, webDist: '/nonexistent' });
  await app.ready();
  try {
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    await handle.close();
    assertProblem(await app.inject({ method: 'GET', url: '/readyz' }), 'SERVICE_UNAVAILABLE');
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  } finally {
    await app.close();
  }
});

test('/openapi.json is OpenAPI 3.1 describing the API, and /docs serves the interactive documentation', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json();
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.info.title.includes('Tongban'));
  for (const p of ['/api/persons', '/api/persons/{personId}', '/api/auth/staff/login', '/api/audit/verify']) assert.ok(doc.paths[p], p);
  const create = doc.paths['/api/persons'].post;
  assert.equal(create['x-access'], 'person.write');
  assert.deepEqual(create.requestBody.content['application/json'].schema.required.sort(), ['name', 'regionCode', 'residentId']);
  assert.ok(create.responses['201'] && create.responses['400'] && create.responses['401'], 'success and problem responses are documented');
  assert.deepEqual(doc.components.securitySchemes.session, { type: 'apiKey', in: 'cookie', name: 'tb_session' });
  const docs = await t.app.inject({ method: 'GET', url: '/docs' });
  const page = docs.statusCode === 302 ? await t.app.inject({ method: 'GET', url: String(docs.headers.location) }) : docs;
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /swagger/i);
  const json = await t.app.inject({ method: 'GET', url: '/docs/json' });
  assert.equal(json.json().openapi, '3.1.0');
});

test('idempotency keys are kept for a day of retries, then purged', async () => {
  const { purgeIdempotencyKeys } = await import('./idempotency.js');
  const row = { method: 'POST', path: '/api/persons', body_hash: 'x', status_code: 201, response: null };
  await t.db.insertInto('idempotency_keys').values({ ...row, scope: 'purge-test', key: 'old', created_at: new Date(Date.now() - 25 * 3600 * 1000) }).execute();
  await t.db.insertInto('idempotency_keys').values({ ...row, scope: 'purge-test', key: 'recent', created_at: new Date(Date.now() - 23 * 3600 * 1000) }).execute();
  assert.ok((await purgeIdempotencyKeys(t.db)) >= 1);
  const left = await t.db.selectFrom('idempotency_keys').select('key').where('scope', '=', 'purge-test').execute();
  assert.deepEqual(left.map((r) => r.key), ['recent']);
});
