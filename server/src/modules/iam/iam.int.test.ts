import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate, generateSecret } from 'otplib';
import { cookieFrom, PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { makeResidentId } from '../masterdata/identity/resident-id.js';
import { createStaffUser, MAX_FAILURES } from './service.js';

let t: TestContext;
before(async () => {
  t = await setupTestApp();
});
after(async () => t?.close());

const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });

async function newStaff(username: string, totpSecret: string | null = null): Promise<string> {
  return createStaffUser(t.db, { username, displayName: username, password: PASSWORD, roles: ['teller'], servicePointId: 'SP371002001', scopeRegion: '371002', totpSecret });
}
const staffLogin = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/auth/staff/login', payload });
const citizenLogin = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/auth/citizen/login', payload });
const me = (cookie: string) => t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });

test('a wrong password is LOGIN_FAILED, and an unknown account gets exactly the same answer', async () => {
  await newStaff('iam.wrong');
  const wrong = await staffLogin({ username: 'iam.wrong', password: 'not-the-password' });
  assert.equal(wrong.statusCode, 401);
  assert.match(String(wrong.headers['content-type']), /^application\/problem\+json/);
  assert.equal(wrong.json().code, 'LOGIN_FAILED');
  assert.equal(wrong.headers['set-cookie'], undefined);
  const unknown = await staffLogin({ username: 'iam.nobody', password: 'not-the-password' });
  assert.deepEqual(strip(unknown.json()), strip(wrong.json()));
  // The same for citizens: a wrong password and an ID nobody registered look alike.
  const citizenWrong = await citizenLogin({ residentId: t.city.persons.wang!.residentId, password: 'nope-nope' });
  const citizenUnknown = await citizenLogin({ residentId: makeResidentId('371002', '1977-07-07', 777), password: 'nope-nope' });
  assert.equal(citizenWrong.statusCode, 401);
  assert.equal(citizenWrong.json().code, 'LOGIN_FAILED');
  assert.deepEqual(strip(citizenUnknown.json()), strip(citizenWrong.json()));
  // Failed sign-ins are in the audit trail.
  const failed = await t.db.selectFrom('audit_log').select('object_id').where('action', '=', 'auth.login_failed').execute();
  assert.ok(failed.some((r) => r.object_id === 'iam.wrong'));
});

test(`after ${MAX_FAILURES} failures the account is throttled, even with the right password`, async () => {
  await newStaff('iam.throttle');
  for (let i = 0; i < MAX_FAILURES; i++) {
    const res = await staffLogin({ username: 'iam.throttle', password: `guess-${i}` });
    assert.equal(res.json().code, 'LOGIN_FAILED', `attempt ${i + 1}`);
  }
  for (const username of ['iam.throttle', 'IAM.Throttle', ' iam.throttle ']) {
    const right = await staffLogin({ username, password: PASSWORD });
    assert.equal(right.statusCode, 429, username);
    assert.equal(right.json().code, 'LOGIN_THROTTLED');
    assert.equal(right.headers['set-cookie'], undefined);
  }
  // Other accounts are not affected.
  await newStaff('iam.other');
  assert.equal((await staffLogin({ username: 'iam.other', password: PASSWORD })).statusCode, 204);
  // Citizens too: a resident ID typed in a different form is the same account.
  const wang = t.city.persons.wang!.residentId;
  for (let i = 0; i < MAX_FAILURES; i++) await citizenLogin({ residentId: i % 2 ? wang.toLowerCase() : ` ${wang}`, password: `guess-${i}` });
  const citizenRight = await citizenLogin({ residentId: wang, password: PASSWORD });
  assert.equal(citizenRight.statusCode, 429);
  assert.equal(citizenRight.json().code, 'LOGIN_THROTTLED');
});

test('the session cookie is HttpOnly, Secure, SameSite=Strict and for the whole site', async () => {
  await newStaff('iam.cookie');
  const res = await staffLogin({ username: 'iam.cookie', password: PASSWORD });
  assert.equal(res.statusCode, 204);
  const raw = res.headers['set-cookie'];
  const header = String(Array.isArray(raw) ? raw[0] : raw);
  assert.match(header, /^tb_session=[A-Za-z0-9_-]{40,};/);
  assert.match(header, /;\s*HttpOnly/i);
  assert.match(header, /;\s*Secure/i);
  assert.match(header, /;\s*SameSite=Strict/i);
  assert.match(header, /;\s*Path=\//i);
  // The token is not what the database keeps: a leaked sessions table gives no usable cookie.
  const token = cookieFrom(res).split('=')[1]!;
  const stored = await t.db.selectFrom('sessions').select('session_id').execute();
  assert.ok(!stored.some((s) => s.session_id === token));
  const citizen = await citizenLogin({ residentId: t.city.persons.li!.residentId, password: PASSWORD });
  assert.match(String(citizen.headers['set-cookie']), /HttpOnly.*Secure.*SameSite=Strict|SameSite=Strict.*Secure/i);
});

test('sign-out revokes the session on the server: the old cookie stops working', async () => {
  await newStaff('iam.logout');
  const first = cookieFrom(await staffLogin({ username: 'iam.logout', password: PASSWORD }));
  const second = cookieFrom(await staffLogin({ username: 'iam.logout', password: PASSWORD }));
  assert.equal((await me(first)).statusCode, 200);
  assert.equal((await me(first)).json().displayName, 'iam.logout');
  const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: first } });
  assert.equal(out.statusCode, 204);
  assert.match(String(out.headers['set-cookie']), /tb_session=;/);
  // A client that ignores the cleared cookie and replays the old one is refused.
  const replay = await me(first);
  assert.equal(replay.statusCode, 401);
  assert.equal(replay.json().code, 'UNAUTHENTICATED');
  const again = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: first } });
  assert.equal(again.statusCode, 401);
  // Only that session: the same user's other session (another counter PC) goes on.
  assert.equal((await me(second)).statusCode, 200);
  const revoked = await t.db.selectFrom('sessions').select('revoked_at').where('revoked_at', 'is not', null).execute();
  assert.equal(revoked.length, 1);
});

test('a staff member with TOTP needs the current code from the authenticator', async () => {
  const secret = generateSecret();
  await newStaff('iam.totp', secret);
  const noCode = await staffLogin({ username: 'iam.totp', password: PASSWORD });
  assert.equal(noCode.statusCode, 401);
  assert.equal(noCode.json().code, 'TOTP_REQUIRED');
  assert.equal(noCode.headers['set-cookie'], undefined);
  const current = await generate({ secret });
  const wrongCode = String((Number(current) + 500_000) % 1_000_000).padStart(6, '0');
  const wrong = await staffLogin({ username: 'iam.totp', password: PASSWORD, totp: wrongCode });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json().code, 'TOTP_REQUIRED');
  assert.equal(wrong.headers['set-cookie'], undefined);
  // The right code with a wrong password still fails as a wrong password.
  const badPassword = await staffLogin({ username: 'iam.totp', password: 'wrong-wrong', totp: current });
  assert.equal(badPassword.json().code, 'LOGIN_FAILED');
  const ok = await staffLogin({ username: 'iam.totp', password: PASSWORD, totp: await generate({ secret }) });
  assert.equal(ok.statusCode, 204, ok.body);
  assert.equal((await me(cookieFrom(ok))).json().displayName, 'iam.totp');
});

async function smsCodesTo(phone: string): Promise<string[]> {
  const rows = await t.db.selectFrom('sms_messages').select('text').where('phone', '=', phone).orderBy('id').execute();
  return rows.map((r) => /(\d{6})/.exec(r.text)?.[1] ?? '');
}

test('citizen SMS sign-in: the code goes to the phone on record and works once, not twice', async () => {
  const zhang = t.city.persons.zhang!;
  const sent = await t.app.inject({ method: 'POST', url: '/api/auth/citizen/otp', payload: { residentId: zhang.residentId } });
  assert.equal(sent.statusCode, 202);
  assert.deepEqual(sent.json(), { sent: true });
  const codes = await smsCodesTo('13806301234');
  assert.equal(codes.length, 1);
  const code = codes[0]!;
  assert.match(code, /^\d{6}$/);
  const login = await citizenLogin({ residentId: zhang.residentId, code });
  assert.equal(login.statusCode, 204, login.body);
  const who = (await me(cookieFrom(login))).json();
  assert.equal(who.personId, zhang.personId);
  assert.deepEqual(who.roles, ['citizen']);
  const twice = await citizenLogin({ residentId: zhang.residentId, code });
  assert.equal(twice.statusCode, 401);
  assert.equal(twice.json().code, 'OTP_INVALID');
  assert.equal(twice.headers['set-cookie'], undefined);
  // A code is bound to its person: Li cannot use a code sent to Zhang.
  await t.app.inject({ method: 'POST', url: '/api/auth/citizen/otp', payload: { residentId: zhang.residentId } });
  const zhangsCode = (await smsCodesTo('13806301234')).at(-1)!;
  const li = await citizenLogin({ residentId: t.city.persons.li!.residentId, code: zhangsCode });
  assert.equal(li.statusCode, 401);
  assert.equal(li.json().code, 'OTP_INVALID');
  // The sign-in is audited with the ID masked.
  const entry = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'auth.login_sms').executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(entry.after).includes(zhang.residentId));
});

test('an unknown or malformed resident ID gets the same 202 as a known one, and no message is sent', async () => {
  const before = await t.db.selectFrom('sms_messages').select('id').execute();
  const known = await t.app.inject({ method: 'POST', url: '/api/auth/citizen/otp', payload: { residentId: t.city.persons.li!.residentId } });
  for (const residentId of [makeResidentId('371002', '1988-08-08', 888), '110101199003077777', 'not-an-id']) {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/citizen/otp', payload: { residentId } });
    assert.equal(res.statusCode, known.statusCode, residentId);
    assert.equal(res.body, known.body, residentId);
    assert.equal(res.headers['content-type'], known.headers['content-type']);
  }
  const afterRows = await t.db.selectFrom('sms_messages').select(['id', 'phone']).execute();
  assert.equal(afterRows.length, before.length + 1, 'only the known person got a message');
  assert.equal(afterRows.at(-1)!.phone, '13906305678');
});

test('guessing SMS codes is cut off: after repeated wrong codes even the right one is refused', async () => {
  const admin = await t.staffCookie('admin');
  const residentId = makeResidentId('371002', '1995-05-05', 505);
  const created = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin }, payload: { residentId, name: '孙丽', phone: '13606305050', regionCode: '371002001' } });
  assert.equal(created.statusCode, 201, created.body);
  await t.app.inject({ method: 'POST', url: '/api/auth/citizen/otp', payload: { residentId } });
  const code = (await smsCodesTo('13606305050'))[0]!;
  for (let i = 0; i < MAX_FAILURES; i++) {
    const wrong = String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
    const res = await citizenLogin({ residentId, code: wrong });
    assert.equal(res.statusCode, 401);
  }
  const right = await citizenLogin({ residentId, code });
  assert.equal(right.statusCode, 429);
  assert.equal(right.json().code, 'LOGIN_THROTTLED');
  assert.equal(right.headers['set-cookie'], undefined);
});

test('a citizen who signs in by SMS for the first time gets an account of their own', async () => {
  const admin = await t.staffCookie('admin');
  const residentId = makeResidentId('371002', '2001-02-03', 203);
  const created = await t.app.inject({ method: 'POST', url: '/api/persons', headers: { cookie: admin }, payload: { residentId, name: '周杰', phone: '13606302030', regionCode: '371002001' } });
  assert.equal(created.statusCode, 201, created.body);
  const personId = created.json().personId;
  assert.equal((await t.db.selectFrom('users').select('user_id').where('person_id', '=', personId).execute()).length, 0);
  await t.app.inject({ method: 'POST', url: '/api/auth/citizen/otp', payload: { residentId } });
  const code = (await smsCodesTo('13606302030'))[0]!;
  const login = await citizenLogin({ residentId, code });
  assert.equal(login.statusCode, 204, login.body);
  const who = (await me(cookieFrom(login))).json();
  assert.equal(who.personId, personId);
  assert.equal(who.kind, 'citizen');
  const own = await t.app.inject({ method: 'GET', url: `/api/persons/${personId}`, headers: { cookie: cookieFrom(login) } });
  assert.equal(own.statusCode, 200);
  assert.equal(own.json().residentId, residentId);
});
