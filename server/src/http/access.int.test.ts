import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../config.js';
import { buildApp } from './app.js';
import { routeAccessTable } from './access.js';
import { cookieFrom, PASSWORD, setupTestApp, type TestContext } from '../test/fixtures.js';
import { createStaffUser } from '../modules/iam/service.js';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '../modules/iam/roles.js';

interface Operation {
  method: string;
  path: string;
  access: string;
}

let t: TestContext;
let ops: Operation[];
/** One signed-in user per role (citizen: a resident of the small city). */
const cookies = new Map<Role, string>();

const ANY_UUID = '9b2f0a4e-5c1d-4e8f-9a7b-3c6d2e1f0a5b';

/** A concrete URL for an OpenAPI path: uuids and integers for path parameters. */
function urlOf(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? (name === 'id' ? '1' : ANY_UUID));
}

before(async () => {
  t = await setupTestApp();
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  ops = [];
  for (const [path, methods] of Object.entries<Record<string, { 'x-access'?: string }>>(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) ops.push({ method: method.toUpperCase(), path, access: op['x-access'] ?? '(none)' });
  }
  for (const role of ROLES) {
    if (role === 'citizen') {
      cookies.set(role, await t.citizenCookie(t.city.persons.li!.residentId));
      continue;
    }
    await createStaffUser(t.db, { username: `role.${role}`, displayName: role, password: PASSWORD, roles: [role], servicePointId: 'SP371000', scopeRegion: '3710' });
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: `role.${role}`, password: PASSWORD } });
    cookies.set(role, cookieFrom(res));
  }
});
after(async () => t?.close());

test('every API route declares who may call it, and the OpenAPI document says so', () => {
  const api = routeAccessTable.filter((r) => r.url.startsWith('/api/'));
  assert.ok(api.length >= 15, `routes registered: ${api.length}`);
  const allowed = new Set<string>([...PERMISSIONS, 'authenticated', 'public']);
  for (const r of api) assert.ok(r.access && allowed.has(r.access), `${r.method} ${r.url} declares ${String(r.access)}`);
  const apiOps = ops.filter((o) => o.path.startsWith('/api/'));
  assert.ok(apiOps.length >= 15);
  for (const o of apiOps) assert.ok(allowed.has(o.access), `${o.method} ${o.path}: x-access ${o.access}`);
  // Every operation in the document is a registered route (and vice versa for visible /api routes).
  const registered = new Set(api.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`));
  for (const o of apiOps) assert.ok(registered.has(`${o.method} ${o.path}`), `${o.method} ${o.path} registered`);
});

test('an app with an API route that does not declare its access refuses to start', async () => {
  const config = { ...loadConfig({}), logLevel: 'silent' };
  const app = await buildApp({ db: t.db, config, logger: false, webDist: '/nonexistent' });
  try {
    assert.throws(() => app.get('/api/forgotten', async () => ({ open: true })), /does not declare config\.access/);
    // The same from inside a plugin, as modules register their routes.
    await assert.rejects(async () => {
      await app.register(async (scope) => {
        scope.post('/api/also-forgotten', async () => ({ open: true }));
      });
      await app.ready();
    }, /does not declare config\.access/);
  } finally {
    await app.close().catch(() => {});
  }
  // A declared route is fine, and routes outside /api (static files, docs) need no declaration.
  const ok = await buildApp({ db: t.db, config, logger: false, webDist: '/nonexistent' });
  ok.get('/api/declared', { config: { access: 'public' } }, async () => ({ ok: true }));
  ok.get('/not-api', async () => 'x');
  await ok.ready();
  assert.equal((await ok.inject({ method: 'GET', url: '/api/declared' })).statusCode, 200);
  await ok.close();
});

test('anonymous callers get 401 problem+json from every non-public API operation', async () => {
  const closed = ops.filter((o) => o.path.startsWith('/api/') && o.access !== 'public');
  assert.ok(closed.length >= 12);
  for (const o of closed) {
    const res = await t.app.inject({ method: o.method as 'GET', url: urlOf(o.path), ...(['POST', 'PUT', 'PATCH'].includes(o.method) ? { payload: {} } : {}) });
    assert.equal(res.statusCode, 401, `${o.method} ${o.path}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${o.method} ${o.path}`);
    const body = res.json();
    assert.equal(body.code, 'UNAUTHENTICATED');
    assert.equal(body.status, 401);
    // Not even the validation errors leak: the body was invalid, the answer is still 401.
    assert.equal(body.errors, undefined);
  }
  // A forged or garbage cookie is the same as none.
  for (const cookie of ['tb_session=not-a-session', `tb_session=${'x'.repeat(500)}`, 'tb_session=']) {
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    assert.equal(res.statusCode, 401, cookie);
  }
});

test('property: a role without the permission an operation declares gets 403 FORBIDDEN; with it, it gets past the check', async () => {
  const guarded = ops.filter((o) => (PERMISSIONS as readonly string[]).includes(o.access));
  assert.ok(guarded.length >= 10);
  // Every pair is exercised over the runs below for the smallest sets; a fixed seed keeps it repeatable.
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ROLES), fc.constantFrom(...guarded), async (role, o) => {
      const allowed = (ROLE_PERMISSIONS[role] as readonly string[]).includes(o.access);
      const res = await t.app.inject({
        method: o.method as 'GET',
        url: urlOf(o.path),
        headers: { cookie: cookies.get(role)! },
        // An invalid body: an allowed caller is stopped by validation (400), never by access.
        ...(['POST', 'PUT', 'PATCH'].includes(o.method) ? { payload: { notAField: true } } : {}),
      });
      const body = res.body ? res.json() : null;
      if (!allowed) {
        assert.equal(res.statusCode, 403, `${role} ${o.method} ${o.path}: ${res.body}`);
        assert.equal(body.code, 'FORBIDDEN');
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      } else {
        assert.notEqual(res.statusCode, 401, `${role} ${o.method} ${o.path}`);
        assert.notEqual(body?.code, 'FORBIDDEN', `${role} ${o.method} ${o.path}: ${res.body}`);
        assert.ok(res.statusCode < 500, `${role} ${o.method} ${o.path}: ${res.statusCode}`);
      }
    }),
    { seed: 4242, numRuns: 300 },
  );
  // And exhaustively for the role with the fewest permissions and the one with the most.
  for (const role of ['analyst', 'administrator'] as const) {
    for (const o of guarded) {
      const res = await t.app.inject({ method: o.method as 'GET', url: urlOf(o.path), headers: { cookie: cookies.get(role)! }, ...(['POST', 'PUT', 'PATCH'].includes(o.method) ? { payload: { notAField: true } } : {}) });
      const allowed = (ROLE_PERMISSIONS[role] as readonly string[]).includes(o.access);
      assert.equal(res.json()?.code === 'FORBIDDEN', !allowed, `${role} ${o.method} ${o.path}: ${res.body}`);
    }
  }
});

test("a citizen cannot read another person's records: the answer is the same as for a record that does not exist", async () => {
  const cookie = cookies.get('citizen')!;
  const li = t.city.persons.li!;
  const zhang = t.city.persons.zhang!;
  // Every person-scoped read a citizen may call (found in the OpenAPI document, so new routes are covered).
  const personReads = ops.filter((o) => o.method === 'GET' && o.path.includes('{personId}') && (o.access === 'authenticated' || (ROLE_PERMISSIONS.citizen as readonly string[]).includes(o.access)));
  assert.ok(personReads.length >= 2, personReads.map((o) => o.path).join());
  const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });
  for (const o of personReads) {
    const own = await t.app.inject({ method: 'GET', url: urlOf(o.path, { personId: li.personId }), headers: { cookie } });
    assert.equal(own.statusCode, 200, `${o.path} own: ${own.body}`);
    const other = await t.app.inject({ method: 'GET', url: urlOf(o.path, { personId: zhang.personId }), headers: { cookie } });
    const missing = await t.app.inject({ method: 'GET', url: urlOf(o.path, { personId: ANY_UUID }), headers: { cookie } });
    assert.equal(other.statusCode, 404, `${o.path}: ${other.body}`);
    assert.equal(other.json().code, 'NOT_FOUND');
    assert.deepEqual(strip(other.json()), strip(missing.json()), o.path);
    assert.equal(other.headers['content-type'], missing.headers['content-type']);
    assert.ok(!other.body.includes(zhang.residentId) && !other.body.includes('张伟'));
  }
  // Staff-only reads are closed to citizens outright.
  for (const url of [`/api/persons?q=zhang`, `/api/persons/${li.personId}/history`, '/api/audit', '/api/duplicates']) {
    const res = await t.app.inject({ method: 'GET', url, headers: { cookie } });
    assert.equal(res.statusCode, 403, url);
  }
  // Regions and service points are public information, open to every signed-in user.
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/regions', headers: { cookie } })).statusCode, 200);
});

test('a teller works only inside their region: reads, unmasking, corrections and registrations outside are refused', async () => {
  const cookie = await t.staffCookie('teller.hc'); // scope 371002
  const wang = t.city.persons.wang!; // lives in 371003
  const zhang = t.city.persons.zhang!; // lives in 371002
  const personReads = ops.filter((o) => o.method === 'GET' && o.path.includes('{personId}') && (o.access === 'authenticated' || (ROLE_PERMISSIONS.teller as readonly string[]).includes(o.access)));
  assert.ok(personReads.length >= 3);
  for (const o of personReads) {
    const inside = await t.app.inject({ method: 'GET', url: urlOf(o.path, { personId: zhang.personId }), headers: { cookie } });
    assert.equal(inside.statusCode, 200, `${o.path}: ${inside.body}`);
    const outside = await t.app.inject({ method: 'GET', url: urlOf(o.path, { personId: wang.personId }), headers: { cookie } });
    assert.equal(outside.statusCode, 403, `${o.path}: ${outside.body}`);
    assert.equal(outside.json().code, 'OUT_OF_SCOPE');
    assert.ok(!outside.body.includes('王建国') && !outside.body.includes(wang.residentId));
  }
  const search = await t.app.inject({ method: 'GET', url: `/api/persons?q=${encodeURIComponent(wang.residentId)}`, headers: { cookie } });
  assert.equal(search.statusCode, 200);
  assert.deepEqual(search.json().items, []);
  const auditBefore = await t.db.selectFrom('audit_log').select('seq').where('action', '=', 'person.unmask').where('object_id', '=', wang.personId).execute();
  const unmask = await t.app.inject({ method: 'POST', url: `/api/persons/${wang.personId}/unmask`, headers: { cookie }, payload: { reason: '好奇' } });
  assert.equal(unmask.statusCode, 403);
  assert.equal(unmask.json().code, 'OUT_OF_SCOPE');
  const auditAfter = await t.db.selectFrom('audit_log').select('seq').where('action', '=', 'person.unmask').where('object_id', '=', wang.personId).execute();
  assert.equal(auditAfter.length, auditBefore.length, 'a refused unmasking reveals nothing and is not recorded as one');
  const patch = await t.app.inject({ method: 'PATCH', url: `/api/persons/${wang.personId}`, headers: { cookie }, payload: { version: 1, phone: '13800000000' } });
  assert.equal(patch.statusCode, 403);
  assert.equal(patch.json().code, 'OUT_OF_SCOPE');
  const unchanged = await t.db.selectFrom('persons').select('phone').where('person_id', '=', wang.personId).executeTakeFirstOrThrow();
  assert.equal(unchanged.phone, '13706309999');
  const { makeResidentId } = await import('../modules/masterdata/identity/resident-id.js');
  const register = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie }, payload: { residentId: makeResidentId('371003', '2000-01-01', 55), name: '钱多', regionCode: '371003001' } });
  assert.equal(register.statusCode, 403);
  assert.equal(register.json().code, 'OUT_OF_SCOPE');
});
