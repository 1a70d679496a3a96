import { createHash, randomInt, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { verify as verifyTotp } from 'otplib';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { parseResidentId } from '../masterdata/identity/resident-id.js';
import { maskResidentId } from '../../lib/mask.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { Role } from './roles.js';
import type { SmsSender } from './sms.js';

/** Failed sign-ins allowed per account (or per address) in the window before it is throttled. */
export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
export const OTP_TTL_MS = 5 * 60 * 1000;
export const OTP_MAX_ATTEMPTS = 5;

// The throttle counts failures in the database, so it holds across replicas.
async function assertNotThrottled(db: Db, subject: string, ip: string | null): Promise<void> {
  const since = new Date(Date.now() - FAILURE_WINDOW_MS);
  const row = await db
    .selectFrom('login_attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('subject', '=', subject)
    .where('success', '=', false)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  if (Number(row.n) >= MAX_FAILURES) throw new AppError('LOGIN_THROTTLED');
  if (ip) {
    const byIp = await db
      .selectFrom('login_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ip', '=', ip)
      .where('success', '=', false)
      .where('at', '>', since)
      .executeTakeFirstOrThrow();
    if (Number(byIp.n) >= MAX_FAILURES * 20) throw new AppError('LOGIN_THROTTLED');
  }
}

async function recordAttempt(db: Db, subject: string, ip: string | null, success: boolean): Promise<void> {
  await db.insertInto('login_attempts').values({ subject, ip, success }).execute();
}

export interface SignedInUser {
  userId: string;
}

export async function staffSignIn(db: Db, actor: Actor, input: { username: string; password: string; totp?: string | undefined }): Promise<SignedInUser> {
  const subject = `staff:${input.username.trim().toLowerCase()}`;
  await assertNotThrottled(db, subject, actor.ip);
  const user = await db.selectFrom('users').selectAll().where('kind', '=', 'staff').where('username', '=', input.username.trim().toLowerCase()).executeTakeFirst();
  const ok = !!user && !user.disabled && (await verifyPassword(user.password_hash, input.password));
  if (!ok || !user) {
    await recordAttempt(db, subject, actor.ip, false);
    await appendAudit(db, actor, { action: 'auth.login_failed', objectType: 'user', objectId: input.username.slice(0, 64) });
    throw new AppError('LOGIN_FAILED');
  }
  if (user.totp_secret) {
    if (!input.totp) throw new AppError('TOTP_REQUIRED');
    const result = await verifyTotp({ secret: user.totp_secret, token: input.totp.trim() });
    if (!result.valid) {
      await recordAttempt(db, subject, actor.ip, false);
      throw new AppError('TOTP_REQUIRED', { detail: 'The authenticator code is wrong' });
    }
  }
  await recordAttempt(db, subject, actor.ip, true);
  await appendAudit(db, { ...actor, userId: user.user_id, role: user.roles.join(',') }, { action: 'auth.login', objectType: 'user', objectId: user.user_id });
  return { userId: user.user_id };
}

async function citizenUserFor(db: Db, personId: string): Promise<{ user_id: string; password_hash: string | null; disabled: boolean } | undefined> {
  return db.selectFrom('users').select(['user_id', 'password_hash', 'disabled']).where('person_id', '=', personId).executeTakeFirst();
}

async function personByResidentId(db: Db, raw: string) {
  const parsed = parseResidentId(raw);
  if (!parsed.ok) return undefined;
  return db.selectFrom('persons').select(['person_id', 'name', 'phone', 'resident_id']).where('resident_id', '=', parsed.value.id).executeTakeFirst();
}

export async function citizenPasswordSignIn(db: Db, actor: Actor, input: { residentId: string; password: string }): Promise<SignedInUser> {
  const parsed = parseResidentId(input.residentId);
  const subject = `citizen:${parsed.ok ? parsed.value.id : input.residentId.slice(0, 40)}`;
  await assertNotThrottled(db, subject, actor.ip);
  const person = parsed.ok ? await personByResidentId(db, parsed.value.id) : undefined;
  const user = person ? await citizenUserFor(db, person.person_id) : undefined;
  const ok = !!user && !user.disabled && (await verifyPassword(user.password_hash, input.password));
  if (!ok || !user) {
    // Same answer whether the ID is unknown or the password is wrong: no account discovery.
    await recordAttempt(db, subject, actor.ip, false);
    throw new AppError('LOGIN_FAILED');
  }
  await recordAttempt(db, subject, actor.ip, true);
  await appendAudit(db, { ...actor, userId: user.user_id, role: 'citizen' }, { action: 'auth.login', objectType: 'user', objectId: user.user_id });
  return { userId: user.user_id };
}

function otpHash(personId: string, code: string): string {
  return createHash('sha256').update(`${personId}:${code}`).digest('hex');
}

/**
 * Sends a 6-digit sign-in code to the phone on record. Answers the same whether or not
 * the ID is known, so the endpoint cannot be used to find out who is registered.
 */
export async function requestCitizenOtp(db: Db, sms: SmsSender, actor: Actor, input: { residentId: string }): Promise<void> {
  const parsed = parseResidentId(input.residentId);
  const subject = `otp:${parsed.ok ? parsed.value.id : input.residentId.slice(0, 40)}`;
  await assertNotThrottled(db, subject, actor.ip);
  const person = parsed.ok ? await personByResidentId(db, parsed.value.id) : undefined;
  if (!person?.phone) {
    await recordAttempt(db, subject, actor.ip, false);
    return;
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await db
    .insertInto('otp_codes')
    .values({ person_id: person.person_id, code_hash: otpHash(person.person_id, code), expires_at: new Date(Date.now() + OTP_TTL_MS) })
    .execute();
  await sms.send(person.phone, `【通办】您的登录验证码为 ${code}，5分钟内有效。如非本人操作请忽略。`);
}

export async function citizenOtpSignIn(db: Db, actor: Actor, input: { residentId: string; code: string }): Promise<SignedInUser> {
  const parsed = parseResidentId(input.residentId);
  const subject = `citizen:${parsed.ok ? parsed.value.id : input.residentId.slice(0, 40)}`;
  await assertNotThrottled(db, subject, actor.ip);
  const person = parsed.ok ? await personByResidentId(db, parsed.value.id) : undefined;
  const otp = person
    ? await db
        .selectFrom('otp_codes')
        .selectAll()
        .where('person_id', '=', person.person_id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', new Date())
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst()
    : undefined;
  if (!person || !otp || otp.attempts >= OTP_MAX_ATTEMPTS || otp.code_hash !== otpHash(person.person_id, input.code.trim())) {
    if (otp) await db.updateTable('otp_codes').set({ attempts: sql`attempts + 1` }).where('id', '=', otp.id).execute();
    await recordAttempt(db, subject, actor.ip, false);
    throw new AppError('OTP_INVALID');
  }
  await db.updateTable('otp_codes').set({ used_at: new Date() }).where('id', '=', otp.id).execute();
  let user = await citizenUserFor(db, person.person_id);
  if (!user) {
    // First sign-in by SMS creates the citizen's account.
    const userId = randomUUID();
    await db.insertInto('users').values({ user_id: userId, kind: 'citizen', username: null, person_id: person.person_id, display_name: person.name, password_hash: null, totp_secret: null, roles: ['citizen'], service_point_id: null, scope_region: null, org_id: null }).execute();
    user = { user_id: userId, password_hash: null, disabled: false };
  }
  if (user.disabled) throw new AppError('OTP_INVALID');
  await recordAttempt(db, subject, actor.ip, true);
  await appendAudit(db, { ...actor, userId: user.user_id, role: 'citizen' }, { action: 'auth.login_sms', objectType: 'user', objectId: user.user_id, after: { residentId: maskResidentId(person.resident_id) } });
  return { userId: user.user_id };
}

export interface NewStaff {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
  servicePointId: string | null;
  scopeRegion: string;
  totpSecret?: string | null;
}

export async function createStaffUser(db: Db, input: NewStaff): Promise<string> {
  return insertAccount(db, { ...input, totpSecret: input.totpSecret ?? null, orgId: null });
}

/** An employer's agent (单位经办人): signs in like staff, acts only for the one organisation. */
export async function createEmployerAgent(db: Db, input: { username: string; displayName: string; password: string; orgId: string }): Promise<string> {
  return insertAccount(db, { ...input, totpSecret: null, roles: ['employer_agent'], servicePointId: null, scopeRegion: null });
}

/** A username-and-password account (staff or an employer's agent); the username is kept in lower case. */
async function insertAccount(
  db: Db,
  a: { username: string; displayName: string; password: string; totpSecret: string | null; roles: Role[]; servicePointId: string | null; scopeRegion: string | null; orgId: string | null },
): Promise<string> {
  const userId = randomUUID();
  await db
    .insertInto('users')
    .values({
      user_id: userId,
      kind: 'staff',
      username: a.username.toLowerCase(),
      person_id: null,
      display_name: a.displayName,
      password_hash: await hashPassword(a.password),
      totp_secret: a.totpSecret,
      roles: a.roles,
      service_point_id: a.servicePointId,
      scope_region: a.scopeRegion,
      org_id: a.orgId,
    })
    .execute();
  return userId;
}

export async function createCitizenUser(db: Db, personId: string, displayName: string, password: string | null, passwordHash?: string): Promise<string> {
  const userId = randomUUID();
  await db
    .insertInto('users')
    .values({
      user_id: userId,
      kind: 'citizen',
      username: null,
      person_id: personId,
      display_name: displayName,
      password_hash: passwordHash ?? (password ? await hashPassword(password) : null),
      totp_secret: null,
      roles: ['citizen'],
      service_point_id: null,
      scope_region: null,
      org_id: null,
    })
    .execute();
  return userId;
}

/** Stores a TOTP secret after the user proved their app produces its codes. */
export async function enableTotp(db: Db, actor: Actor, userId: string, secret: string, code: string): Promise<void> {
  const result = await verifyTotp({ secret, token: code.trim() }).catch(() => ({ valid: false }));
  if (!result.valid) throw new AppError('TOTP_REQUIRED', { detail: 'The authenticator code is wrong' });
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ totp_secret: secret }).where('user_id', '=', userId).execute();
    await appendAudit(trx, actor, { action: 'auth.totp_enabled', objectType: 'user', objectId: userId });
  });
}
