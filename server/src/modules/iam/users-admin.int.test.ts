import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ERRORS, type ErrorCode } from '../../http/errors.js';
import { cookieFrom, PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { dropTemplates } from '../../test/db.js';
import { createStaffUser } from './service.js';

let t: TestContext;
let admin: string;
/** An administrator of one district (环翠区, 371002) only. */
let districtAdmin: string;
before(async () => {
  t = await setupTestApp();
  await createStaffUser(t.db, { username: 'admin.hc', displayName: '环翠区管理员', password: PASSWORD, roles: ['administrator'], servicePointId: 'SP371002001', scopeRegion: '371002' });
  admin = await t.staffCookie('admin');
  districtAdmin = await t.staffCookie('admin.hc');
});
after(async () => {
  await t?.close();
  await dropTemplates();
});

const get = (url: string, cookie: string) => t.app.inject({ method: 'GET', url, headers: { cookie } });
const post = (url: string, cookie: string, payload: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url, headers: { cookie, ...headers }, payload: payload as object });
const patch = (userId: string, cookie: string, payload: unknown) => t.app.inject({ method: 'PATCH', url: `/api/users/${userId}`, headers: { cookie }, payload: payload as object });
const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username, password } });

function problem(res: LightMyRequestResponse, code: ErrorCode) {
  assert.equal(res.statusCode, ERRORS[code].status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const p = res.json();
  assert.equal(p.code, code);
  assert.deepEqual(p.messages, { 'zh-CN': ERRORS[code].zh, en: ERRORS[code].en });
  return p as { errors?: { field: string; code?: string; reason: string }[] };
}
const fields = (p: { errors?: { field: string; code?: string }[] }) => (p.errors ?? []).map((e) => `${e.field}:${e.code ?? ''}`).sort();

const usernames = (res: LightMyRequestResponse) => (res.json().items as { username: string }[]).map((u) => u.username);
const auditsFor = (objectId: string) => t.db.selectFrom('audit_log').select(['action', 'actor_id', 'before', 'after']).where('object_id', '=', objectId).orderBy('seq').execute();
const reviewer = { username: 'Rev.Sun', displayName: '孙立新', roles: ['reviewer'], servicePointId: 'SP371000', scopeRegion: '3710' };

test('the list holds the staff of the administrator’s scope and below, never citizens; search, role and region filters, pages', async () => {
  const all = await get('/api/users?limit=100', admin);
  assert.equal(all.statusCode, 200, all.body);
  assert.deepEqual(usernames(all), ['admin', 'admin.hc', 'analyst', 'auditor', 'teller.hc', 'teller.wd']);
  assert.equal(all.json().total, 6);
  const hc = all.json().items.find((u: { username: string }) => u.username === 'teller.hc');
  assert.deepEqual({ ...hc, userId: undefined, createdAt: undefined }, { userId: undefined, createdAt: undefined, username: 'teller.hc', displayName: 'teller.hc', roles: ['teller'], servicePointId: 'SP371002001', servicePointName: '环翠楼街道便民服务中心', scopeRegion: '371002', disabled: false, totpEnabled: false, updatedAt: null, version: 1 });
  assert.ok(!JSON.stringify(all.json()).includes('password'), 'no password hash in the list');

  assert.deepEqual(usernames(await get('/api/users?q=TELLER', admin)), ['teller.hc', 'teller.wd'], 'username, case-insensitive');
  assert.deepEqual(usernames(await get(`/api/users?q=${encodeURIComponent('环翠区')}`, admin)), ['admin.hc'], 'display name');
  assert.deepEqual(usernames(await get('/api/users?q=%25', admin)), [], 'a % is a character, not a wildcard');
  assert.deepEqual(usernames(await get('/api/users?role=administrator', admin)), ['admin', 'admin.hc']);
  assert.deepEqual(usernames(await get('/api/users?region=371003', admin)), ['teller.wd']);
  const page2 = await get('/api/users?limit=2&offset=2', admin);
  assert.deepEqual([usernames(page2), page2.json().total, page2.json().offset, page2.json().limit], [['analyst', 'auditor'], 6, 2, 2]);

  // A district administrator sees their district only, whatever the filter asks for.
  assert.deepEqual(usernames(await get('/api/users', districtAdmin)), ['admin.hc', 'teller.hc']);
  assert.deepEqual(usernames(await get('/api/users?region=3710', districtAdmin)), ['admin.hc', 'teller.hc']);
  assert.deepEqual(usernames(await get('/api/users?region=371003', districtAdmin)), []);
  const scopes = await get('/api/users/scopes', districtAdmin);
  assert.deepEqual(scopes.json().items.map((s: { scope: string }) => s.scope), ['371002', '371002001']);
  assert.deepEqual((await get('/api/users/scopes', admin)).json().items.map((s: { scope: string }) => s.scope).slice(0, 2), ['3710', '371002']);

  // Only administrators manage users.
  problem(await get('/api/users', await t.staffCookie('teller.hc')), 'FORBIDDEN');
  problem(await get('/api/users', await t.staffCookie('auditor')), 'FORBIDDEN');
  problem(await t.app.inject({ method: 'GET', url: '/api/users' }), 'UNAUTHENTICATED');
  problem(await get('/api/users?role=citizen&limit=0', admin), 'VALIDATION_FAILED');
});

test('roles with their permissions: user.manage belongs to administrators only', async () => {
  const res = await get('/api/roles', admin);
  assert.equal(res.statusCode, 200);
  const roles = res.json().items as { role: string; staff: boolean; permissions: string[] }[];
  const by = new Map(roles.map((r) => [r.role, r]));
  assert.ok(by.get('administrator')!.permissions.includes('user.manage'));
  assert.deepEqual(roles.filter((r) => r.permissions.includes('user.manage')).map((r) => r.role), ['administrator']);
  assert.ok(by.get('teller')!.permissions.includes('case.submit'));
  assert.deepEqual(roles.filter((r) => !r.staff).map((r) => r.role), ['citizen', 'employer_agent']);
  problem(await get('/api/roles', await t.staffCookie('analyst')), 'FORBIDDEN');
});

test('creating a reviewer: no sign-in until a password is set; weak passwords refused; a generated one works once given; all audited without the password', async () => {
  const created = await post('/api/users', admin, reviewer);
  assert.equal(created.statusCode, 201, created.body);
  const user = created.json();
  assert.deepEqual([user.username, user.roles, user.scopeRegion, user.servicePointName, user.disabled, user.version], ['rev.sun', ['reviewer'], '3710', '威海市人社局', false, 1]);
  assert.deepEqual(usernames(await get('/api/users?q=rev', admin)), ['rev.sun']);
  problem(await login('rev.sun', PASSWORD), 'LOGIN_FAILED');

  // The password rules: length, three kinds of characters, not the username.
  for (const [password, why] of [
    ['Short#1a', /at least 10/],
    ['alllowercaseletters', /three of/],
    ['Rev.Sun#20261', /username/],
  ] as const) {
    const weak = problem(await post(`/api/users/${user.userId}/password`, admin, { password }), 'VALIDATION_FAILED');
    assert.deepEqual(fields(weak), ['/body/password:weak_password']);
    assert.match(weak.errors![0]!.reason, why);
  }
  const chosen = 'Kiosk-Review#77';
  const set = await post(`/api/users/${user.userId}/password`, admin, { password: chosen });
  assert.equal(set.statusCode, 200, set.body);
  assert.deepEqual(set.json(), { userId: user.userId });
  assert.equal(set.headers['cache-control'], 'no-store');
  const first = cookieFrom(await login('rev.sun', chosen));
  assert.equal((await get('/api/me', first)).json().roles[0], 'reviewer');

  // A generated password: returned once, meets the rules, ends the sessions opened before it.
  const gen = await post(`/api/users/${user.userId}/password`, admin, {});
  assert.equal(gen.statusCode, 200, gen.body);
  const generated = gen.json().generatedPassword as string;
  assert.match(generated, /^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
  assert.equal((await get('/api/me', first)).statusCode, 401, 'the earlier session ended');
  problem(await login('rev.sun', chosen), 'LOGIN_FAILED');
  assert.equal((await login('rev.sun', generated)).statusCode, 204);
  // An administrator cannot reset their own password here (no old password asked).
  const adminId = t.city.userIds['admin']!;
  problem(await post(`/api/users/${adminId}/password`, admin, {}), 'FORBIDDEN');

  const audits = await auditsFor(user.userId);
  assert.deepEqual(audits.map((a) => a.action).filter((a) => a.startsWith('user.')), ['user.create', 'user.password_set', 'user.password_set']);
  assert.deepEqual(audits[0]!.after, { username: 'rev.sun', displayName: '孙立新', roles: ['reviewer'], servicePointId: 'SP371000', scopeRegion: '3710' });
  assert.equal(audits[0]!.actor_id, adminId);
  assert.deepEqual(audits.filter((a) => a.action === 'user.password_set').map((a) => a.after), [
    { generated: false, revokedSessions: 0 },
    { generated: true, revokedSessions: 1 },
  ]);
  // Neither password is anywhere but in the argon2id hash: not the audit trail, not the idempotency store, not the outbox.
  for (const table of ['audit_log', 'idempotency_keys', 'outbox'] as const) {
    const dump = JSON.stringify(await t.db.selectFrom(table).selectAll().execute());
    assert.ok(!dump.includes(chosen) && !dump.includes(generated), `${table} holds no password`);
  }
  const events = await t.db.selectFrom('outbox').select('type').where('aggregate_id', '=', user.userId).execute();
  assert.deepEqual(events.map((e) => e.type), ['user.created']);
});

test('create is idempotent with an Idempotency-Key; the same username again is USERNAME_TAKEN', async () => {
  const body = { username: 'appr.lin', displayName: '林海峰', roles: ['approver', 'reviewer'], servicePointId: 'SP371000', scopeRegion: '3710' };
  const key = { 'idempotency-key': 'create-appr-lin' };
  const first = await post('/api/users', admin, body, key);
  assert.equal(first.statusCode, 201, first.body);
  const again = await post('/api/users', admin, body, key);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body, first.body);
  assert.equal((await auditsFor(first.json().userId)).filter((a) => a.action === 'user.create').length, 1);
  problem(await post('/api/users', admin, body), 'USERNAME_TAKEN');
  problem(await post('/api/users', admin, { ...body, username: 'TELLER.HC' }), 'USERNAME_TAKEN');
});

test('validation: fixed role list, username form, a known scope inside one’s own, a service point inside the scope', async () => {
  const bad = problem(await post('/api/users', admin, { ...reviewer, username: '1x', roles: ['reviewer', 'superuser'], displayName: '  ' }), 'VALIDATION_FAILED');
  assert.deepEqual(
    bad.errors!.map((e) => e.field).sort().filter((f, i, a) => a.indexOf(f) === i),
    ['/body/displayName', '/body/roles/1', '/body/username'],
  );
  problem(await post('/api/users', admin, { ...reviewer, username: 'rev.x', roles: ['citizen'] }), 'VALIDATION_FAILED');
  problem(await post('/api/users', admin, { ...reviewer, username: 'rev.x', roles: [] }), 'VALIDATION_FAILED');
  problem(await post('/api/users', admin, { ...reviewer, username: 'rev.x', password: PASSWORD }), 'VALIDATION_FAILED');

  assert.deepEqual(fields(problem(await post('/api/users', admin, { ...reviewer, username: 'rev.x', scopeRegion: '371002', servicePointId: 'SP371003001' }), 'VALIDATION_FAILED')), ['/body/servicePointId:outside_scope']);
  assert.deepEqual(fields(problem(await post('/api/users', admin, { ...reviewer, username: 'rev.x', servicePointId: 'SP-NOWHERE' }), 'VALIDATION_FAILED')), ['/body/servicePointId:unknown']);
  assert.deepEqual(fields(problem(await post('/api/users', admin, { ...reviewer, username: 'rev.x', scopeRegion: '371099' }), 'VALIDATION_FAILED')), ['/body/scopeRegion:unknown_region']);
  assert.deepEqual(fields(problem(await post('/api/users', admin, { ...reviewer, username: 'rev.x', scopeRegion: '37100' }), 'VALIDATION_FAILED')), ['/body/scopeRegion:unknown_region']);
  // A district administrator cannot create accounts beyond their district, nor city-wide ones.
  problem(await post('/api/users', districtAdmin, { ...reviewer, username: 'rev.x', scopeRegion: '371003', servicePointId: 'SP371003001' }), 'OUT_OF_SCOPE');
  problem(await post('/api/users', districtAdmin, { ...reviewer, username: 'rev.x' }), 'OUT_OF_SCOPE');
  const inDistrict = await post('/api/users', districtAdmin, { ...reviewer, username: 'rev.hc', scopeRegion: '371002001', servicePointId: 'SP371002001' });
  assert.equal(inDistrict.statusCode, 201, inDistrict.body);
  assert.equal(await t.db.selectFrom('users').select('user_id').where('username', '=', 'rev.x').executeTakeFirst(), undefined, 'nothing was created by the refused requests');
});

test('changing roles and placement: versioned, in scope only, audited with before and after', async () => {
  const wd = t.city.userIds['teller.wd']!;
  const changed = await patch(wd, admin, { version: 1, roles: ['teller', 'reviewer'] });
  assert.equal(changed.statusCode, 200, changed.body);
  assert.deepEqual([changed.json().roles, changed.json().version], [['teller', 'reviewer'], 2]);
  problem(await patch(wd, admin, { version: 1, roles: ['teller'] }), 'CONFLICT');
  // Nothing to change: no new version, no audit entry.
  assert.equal((await patch(wd, admin, { version: 2, roles: ['teller', 'reviewer'] })).json().version, 2);
  const moved = await patch(wd, admin, { version: 2, scopeRegion: '371002', servicePointId: 'SP371002001' });
  assert.equal(moved.statusCode, 200, moved.body);
  assert.deepEqual(fields(problem(await patch(wd, admin, { version: 3, scopeRegion: '371003' }), 'VALIDATION_FAILED')), ['/body/servicePointId:outside_scope']);
  const updates = (await auditsFor(wd)).filter((a) => a.action === 'user.update');
  assert.deepEqual(
    updates.map((a) => [a.before, a.after]),
    [
      [{ roles: ['teller'] }, { roles: ['teller', 'reviewer'] }],
      [{ servicePointId: 'SP371003001', scopeRegion: '371003' }, { servicePointId: 'SP371002001', scopeRegion: '371002' }],
    ],
  );
  // The new role applies to the user's next request.
  const me = await get('/api/me', await t.staffCookie('teller.wd'));
  assert.ok(me.json().permissions.includes('duplicate.review'));

  // Out of scope, unknown, or a citizen's account.
  const analyst = t.city.userIds['analyst']!;
  problem(await patch(analyst, districtAdmin, { version: 1, disabled: true }), 'OUT_OF_SCOPE');
  problem(await patch('9b2f0a4e-5c1d-4e8f-9a7b-3c6d2e1f0a5b', admin, { version: 1, disabled: true }), 'NOT_FOUND');
  problem(await patch(t.city.persons.zhang!.userId, admin, { version: 1, disabled: true }), 'NOT_FOUND');
  problem(await patch(analyst, admin, { version: 1, roles: ['wizard'] }), 'VALIDATION_FAILED');
});

test('guard rails: an administrator cannot disable themselves or drop their own administrator role', async () => {
  const adminId = t.city.userIds['admin']!;
  problem(await patch(adminId, admin, { version: 1, disabled: true }), 'USER_SELF_LOCKOUT');
  problem(await patch(adminId, admin, { version: 1, roles: ['auditor'] }), 'USER_SELF_LOCKOUT');
  const row = await t.db.selectFrom('users').select(['roles', 'disabled', 'version']).where('user_id', '=', adminId).executeTakeFirstOrThrow();
  assert.deepEqual(row, { roles: ['administrator'], disabled: false, version: 1 });
  // Adding a role to oneself while keeping administrator is fine.
  const more = await patch(adminId, admin, { version: 1, roles: ['administrator', 'auditor'] });
  assert.equal(more.statusCode, 200, more.body);
  // The same rule for a district administrator.
  const districtId = (await t.db.selectFrom('users').select('user_id').where('username', '=', 'admin.hc').executeTakeFirstOrThrow()).user_id;
  problem(await patch(districtId, districtAdmin, { version: 1, roles: ['teller'] }), 'USER_SELF_LOCKOUT');
});

test('disabling an account ends its sessions at once and stops sign-in; enabling lets it sign in again', async () => {
  const userId = await createStaffUser(t.db, { username: 'teller.off', displayName: '停用测试', password: PASSWORD, roles: ['teller'], servicePointId: 'SP371002001', scopeRegion: '371002' });
  const s1 = await t.staffCookie('teller.off');
  const s2 = await t.staffCookie('teller.off');
  assert.equal((await get('/api/me', s1)).statusCode, 200, 'the session is cached and live');
  const off = await patch(userId, districtAdmin, { version: 1, disabled: true });
  assert.equal(off.statusCode, 200, off.body);
  assert.equal(off.json().disabled, true);
  for (const s of [s1, s2]) problem(await get('/api/me', s), 'UNAUTHENTICATED');
  const open = await t.db.selectFrom('sessions').select('session_id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  assert.equal(open.length, 0, 'revoked in the database, for every replica');
  problem(await login('teller.off', PASSWORD), 'LOGIN_FAILED');
  assert.deepEqual(usernames(await get('/api/users?q=teller.off', districtAdmin)), ['teller.off'], 'a disabled account stays listed');

  const on = await patch(userId, districtAdmin, { version: 2, disabled: false });
  assert.equal(on.json().disabled, false);
  assert.equal((await login('teller.off', PASSWORD)).statusCode, 204);
  problem(await get('/api/me', s1), 'UNAUTHENTICATED');
  const audits = await auditsFor(userId);
  assert.deepEqual(
    audits.filter((a) => a.action === 'user.disable' || a.action === 'user.enable').map((a) => [a.action, a.after]),
    [
      ['user.disable', { disabled: true, revokedSessions: 2 }],
      ['user.enable', { disabled: false, revokedSessions: 0 }],
    ],
  );
});
