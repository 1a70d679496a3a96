import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { Principal } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { generatePassword, hashPassword, passwordProblem } from './passwords.js';
import type { Role, StaffRole } from './roles.js';
import { forgetUserSessions, revokeUserSessions } from './sessions.js';

/**
 * Staff accounts as administrators manage them (用户与角色). An administrator works inside their
 * own scope: they see, create and change accounts whose scope lies within theirs, and can give
 * no one a wider scope than their own.
 * WARNING: every read and change goes through `managerScope` and `loadInScope`; skipping them
 * lets an administrator of one district manage (and so impersonate) staff of the whole city.
 */

export interface StaffAccount {
  userId: string;
  username: string;
  displayName: string;
  roles: Role[];
  servicePointId: string | null;
  servicePointName: string | null;
  scopeRegion: string | null;
  disabled: boolean;
  totpEnabled: boolean;
  createdAt: string;
  updatedAt: string | null;
  version: number;
}

/**
 * The scope prefix a region stands for: a city code ends in 00 (371000 → 3710, which every
 * district code 3710xx starts with); districts, towns and communities are their own code.
 */
export function scopePrefixOf(regionCode: string): string {
  let code = regionCode;
  if (code.length === 6) while (code.length > 2 && code.endsWith('00')) code = code.slice(0, -2);
  return code;
}

function managerScope(manager: Principal): string {
  if (manager.kind !== 'staff' || !manager.scopeRegion) throw new AppError('FORBIDDEN');
  return manager.scopeRegion;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function accountsQuery(db: Db) {
  return db
    .selectFrom('users as u')
    .leftJoin('service_points as sp', 'sp.id', 'u.service_point_id')
    .where('u.kind', '=', 'staff');
}

function present(r: {
  user_id: string;
  username: string | null;
  display_name: string;
  roles: Role[];
  service_point_id: string | null;
  sp_name: string | null;
  scope_region: string | null;
  disabled: boolean;
  has_totp: boolean;
  created_at: Date;
  updated_at: Date | null;
  version: number;
}): StaffAccount {
  return {
    userId: r.user_id,
    username: r.username ?? '',
    displayName: r.display_name,
    roles: r.roles,
    servicePointId: r.service_point_id,
    servicePointName: r.sp_name,
    scopeRegion: r.scope_region,
    disabled: r.disabled,
    totpEnabled: r.has_totp,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: r.updated_at ? new Date(r.updated_at).toISOString() : null,
    version: r.version,
  };
}

const COLUMNS = [
  'u.user_id',
  'u.username',
  'u.display_name',
  'u.roles',
  'u.service_point_id',
  'sp.name as sp_name',
  'u.scope_region',
  'u.disabled',
  'u.created_at',
  'u.updated_at',
  'u.version',
] as const;

async function accountById(db: Db, userId: string): Promise<StaffAccount | undefined> {
  const row = await accountsQuery(db)
    .select(COLUMNS)
    .select(sql<boolean>`u.totp_secret is not null`.as('has_totp'))
    .where('u.user_id', '=', userId)
    .executeTakeFirst();
  return row ? present(row) : undefined;
}

export interface StaffFilter {
  q?: string | undefined;
  role?: StaffRole | undefined;
  /** A scope prefix: accounts whose scope lies inside it. */
  region?: string | undefined;
  offset: number;
  limit: number;
}

/** Staff accounts inside the administrator's scope, by username. */
export async function listStaffAccounts(db: Db, manager: Principal, f: StaffFilter): Promise<{ items: StaffAccount[]; total: number }> {
  const own = managerScope(manager);
  // The narrower of the administrator's scope and the filter; disjoint ones select nothing.
  let prefix = own;
  if (f.region) {
    if (f.region.startsWith(own)) prefix = f.region;
    else if (!own.startsWith(f.region)) return { items: [], total: 0 };
  }
  let q = accountsQuery(db).where('u.scope_region', 'like', `${escapeLike(prefix)}%`);
  const text = f.q?.trim();
  if (text) {
    const pattern = `%${escapeLike(text)}%`;
    q = q.where((eb) => eb.or([eb('u.username', 'ilike', pattern), eb('u.display_name', 'ilike', pattern)]));
  }
  if (f.role) q = q.where(sql<boolean>`${f.role} = any(u.roles)`);
  const [rows, count] = await Promise.all([
    q.select(COLUMNS).select(sql<boolean>`u.totp_secret is not null`.as('has_totp')).orderBy('u.username').offset(f.offset).limit(f.limit).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(present), total: Number(count.n) };
}

/** Regions an administrator may give as a scope (their own and every one below, down to towns). */
export async function assignableScopes(db: Db, manager: Principal): Promise<{ scope: string; regionCode: string; name: string; nameEn: string | null; level: number }[]> {
  const own = managerScope(manager);
  const rows = await db
    .selectFrom('regions')
    .select(['code', 'name', 'name_en', 'level'])
    .where('code', 'like', `${escapeLike(own)}%`)
    .where('level', '<=', 3)
    .orderBy('code')
    .limit(2000)
    .execute();
  return rows.map((r) => ({ scope: scopePrefixOf(r.code), regionCode: r.code, name: r.name, nameEn: r.name_en, level: r.level })).filter((r) => r.scope.startsWith(own));
}

/**
 * Checks a scope and home service point together: the scope must lie inside the administrator's
 * and name a known region, and the service point must lie inside the scope.
 */
async function checkPlacement(db: Db, own: string, scopeRegion: string, servicePointId: string): Promise<void> {
  if (!scopeRegion.startsWith(own)) throw new AppError('OUT_OF_SCOPE', { detail: `scope ${scopeRegion} is outside your scope ${own}` });
  const region = await db
    .selectFrom('regions')
    .select('code')
    .where('code', '=', scopeRegion.length < 6 ? scopeRegion.padEnd(6, '0') : scopeRegion)
    .executeTakeFirst();
  if (!region || scopePrefixOf(region.code) !== scopeRegion) {
    throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/scopeRegion', reason: 'not a known region', code: 'unknown_region' }] });
  }
  const sp = await db.selectFrom('service_points').select('region_code').where('id', '=', servicePointId).executeTakeFirst();
  if (!sp) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/servicePointId', reason: 'no such service point', code: 'unknown' }] });
  if (!sp.region_code.startsWith(scopeRegion)) {
    throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/servicePointId', reason: `the service point is outside the scope ${scopeRegion}`, code: 'outside_scope' }] });
  }
}

function distinctRoles(roles: readonly StaffRole[]): StaffRole[] {
  return [...new Set(roles)];
}

export interface NewStaffAccount {
  username: string;
  displayName: string;
  roles: StaffRole[];
  servicePointId: string;
  scopeRegion: string;
}

/**
 * Creates a staff account without a password: it cannot sign in until an administrator sets
 * one (setStaffPassword), so a password never travels through this idempotent (replayable) call.
 */
export async function createStaffAccount(db: Db, actor: Actor, manager: Principal, input: NewStaffAccount): Promise<StaffAccount> {
  const own = managerScope(manager);
  const username = input.username.trim().toLowerCase();
  const displayName = input.displayName.trim();
  const roles = distinctRoles(input.roles);
  await checkPlacement(db, own, input.scopeRegion, input.servicePointId);
  const taken = await db.selectFrom('users').select('user_id').where('username', '=', username).executeTakeFirst();
  if (taken) throw new AppError('USERNAME_TAKEN');
  const userId = randomUUID();
  try {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({ user_id: userId, kind: 'staff', username, person_id: null, display_name: displayName, password_hash: null, totp_secret: null, roles, service_point_id: input.servicePointId, scope_region: input.scopeRegion, org_id: null })
        .execute();
      const after = { username, displayName, roles, servicePointId: input.servicePointId, scopeRegion: input.scopeRegion };
      await appendAudit(trx, actor, { action: 'user.create', objectType: 'user', objectId: userId, after });
      await recordEvent(trx, { type: 'user.created', aggregateType: 'user', aggregateId: userId, payload: { userId, ...after } });
    });
  } catch (e) {
    // Two administrators creating the same username at once: the unique index decides.
    if ((e as { code?: string }).code === '23505') throw new AppError('USERNAME_TAKEN');
    throw e;
  }
  return (await accountById(db, userId))!;
}

/** The staff account, if it lies inside the administrator's scope (citizens' accounts are not found here). */
async function loadInScope(db: Db, manager: Principal, userId: string) {
  const own = managerScope(manager);
  const row = await db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  if (!row || row.kind !== 'staff') throw new AppError('NOT_FOUND');
  if (!row.scope_region?.startsWith(own)) throw new AppError('OUT_OF_SCOPE');
  return { row, own };
}

export interface StaffAccountPatch {
  version: number;
  displayName?: string | undefined;
  roles?: StaffRole[] | undefined;
  servicePointId?: string | undefined;
  scopeRegion?: string | undefined;
  disabled?: boolean | undefined;
}

/**
 * Changes roles, name, placement or status. Disabling revokes every session of the account at
 * once. An administrator cannot disable themselves or drop their own administrator role: the
 * city must never be left without someone able to undo a mistake.
 */
export async function updateStaffAccount(db: Db, actor: Actor, manager: Principal, userId: string, patch: StaffAccountPatch): Promise<StaffAccount> {
  const { row, own } = await loadInScope(db, manager, userId);
  if (userId === manager.userId && (patch.disabled === true || (patch.roles && !patch.roles.includes('administrator')))) throw new AppError('USER_SELF_LOCKOUT');
  if (row.version !== patch.version) throw new AppError('CONFLICT', { detail: `the account is at version ${row.version}, not ${patch.version}` });

  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const change = (field: string, from: unknown, to: unknown) => {
    if (to === undefined || JSON.stringify(from) === JSON.stringify(to)) return;
    before[field] = from;
    after[field] = to;
  };
  const roles = patch.roles ? distinctRoles(patch.roles) : undefined;
  change('displayName', row.display_name, patch.displayName?.trim());
  change('roles', row.roles, roles);
  change('servicePointId', row.service_point_id, patch.servicePointId);
  change('scopeRegion', row.scope_region, patch.scopeRegion);
  const statusChanged = patch.disabled !== undefined && patch.disabled !== row.disabled;
  if (Object.keys(after).length === 0 && !statusChanged) return (await accountById(db, userId))!;

  if ('servicePointId' in after || 'scopeRegion' in after) {
    const servicePointId = patch.servicePointId ?? row.service_point_id;
    if (!servicePointId) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/servicePointId', reason: 'a home service point is required', code: 'required' }] });
    await checkPlacement(db, own, patch.scopeRegion ?? row.scope_region!, servicePointId);
  }

  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({
        ...(roles && 'roles' in after ? { roles } : {}),
        ...('displayName' in after ? { display_name: after['displayName'] as string } : {}),
        ...('servicePointId' in after ? { service_point_id: after['servicePointId'] as string } : {}),
        ...('scopeRegion' in after ? { scope_region: after['scopeRegion'] as string } : {}),
        ...(statusChanged ? { disabled: patch.disabled! } : {}),
        version: sql<number>`version + 1`,
        updated_at: new Date(),
      })
      .where('user_id', '=', userId)
      .where('version', '=', patch.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT');
    if (Object.keys(after).length) await appendAudit(trx, actor, { action: 'user.update', objectType: 'user', objectId: userId, before, after });
    let revokedSessions = 0;
    if (statusChanged) {
      if (patch.disabled) revokedSessions = await revokeUserSessions(trx, userId);
      await appendAudit(trx, actor, { action: patch.disabled ? 'user.disable' : 'user.enable', objectType: 'user', objectId: userId, after: { disabled: patch.disabled, revokedSessions } });
    }
    await recordEvent(trx, { type: 'user.updated', aggregateType: 'user', aggregateId: userId, payload: { userId, changed: [...Object.keys(after), ...(statusChanged ? ['disabled'] : [])], disabled: patch.disabled ?? row.disabled } });
  });
  // Roles and status are read with the session: this replica applies the change at the next request.
  forgetUserSessions(userId);
  return (await accountById(db, userId))!;
}

/**
 * Sets a staff member's password: the one an administrator typed (it must meet the rules), or a
 * generated one returned once and never stored in clear. Every session of the account ends.
 * Not for one's own account: that would change an administrator's password without the old one.
 */
export async function setStaffPassword(db: Db, actor: Actor, manager: Principal, userId: string, password: string | undefined): Promise<{ userId: string; generatedPassword?: string }> {
  const { row } = await loadInScope(db, manager, userId);
  if (userId === manager.userId) throw new AppError('FORBIDDEN', { detail: 'an administrator cannot set their own password here' });
  if (password !== undefined) {
    const problem = passwordProblem(password, row.username ?? '');
    if (problem) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/password', reason: problem, code: 'weak_password' }] });
  }
  const generated = password === undefined ? generatePassword() : undefined;
  const passwordHash = await hashPassword(password ?? generated!);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash, version: sql<number>`version + 1`, updated_at: new Date() }).where('user_id', '=', userId).execute();
    const revokedSessions = await revokeUserSessions(trx, userId);
    // Never the password, not even hashed: only that it was set, and how.
    await appendAudit(trx, actor, { action: 'user.password_set', objectType: 'user', objectId: userId, after: { generated: generated !== undefined, revokedSessions } });
  });
  forgetUserSessions(userId);
  return generated === undefined ? { userId } : { userId, generatedPassword: generated };
}

export { accountById as staffAccountById };
