import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import { PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';

let t: TestContext;
before(async () => {
  t = await setupTestApp();
});
after(async () => t.close());

test('a staff member enrols an authenticator app; afterwards sign-in needs its current code', async () => {
  const cookie = await t.staffCookie('teller.wd');
  const setup = await t.app.inject({ method: 'POST', url: '/api/me/totp/setup', headers: { cookie } });
  assert.equal(setup.statusCode, 200);
  const { secret, uri } = setup.json();
  assert.match(uri, /^otpauth:\/\/totp\/Tongban:/);
  const wrong = await t.app.inject({ method: 'POST', url: '/api/me/totp/confirm', headers: { cookie }, payload: { secret, code: '000000' === (await generate({ secret })) ? '111111' : '000000' } });
  assert.equal(wrong.statusCode, 401);
  const ok = await t.app.inject({ method: 'POST', url: '/api/me/totp/confirm', headers: { cookie }, payload: { secret, code: await generate({ secret }) } });
  assert.equal(ok.statusCode, 204);

  const noCode = await t.app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'teller.wd', password: PASSWORD } });
  assert.equal(noCode.statusCode, 401);
  assert.equal(noCode.json().code, 'TOTP_REQUIRED');
  const withCode = await t.app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'teller.wd', password: PASSWORD, totp: await generate({ secret }) } });
  assert.equal(withCode.statusCode, 204);
});

test('citizens cannot enrol TOTP through the staff route', async () => {
  const cookie = await t.citizenCookie(t.city.persons.li!.residentId);
  const res = await t.app.inject({ method: 'POST', url: '/api/me/totp/setup', headers: { cookie } });
  assert.equal(res.statusCode, 403);
});
