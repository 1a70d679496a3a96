import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/connect.js';
import type { Principal } from '../../http/context.js';
import { sha256Hex } from '../../lib/hash.js';
import { permissionsOf, type Role } from './roles.js';

export const SESSION_COOKIE = 'tb_session';
/** Idle timeout: a counter PC left alone signs itself out. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** Absolute lifetime: one working day. */
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;

export async function createSession(db: Db, userId: string, meta: { channel: string; ip: string | null; userAgent: string | null }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  await db
    .insertInto('sessions')
    .values({
      session_id: sha256Hex(token),
      user_id: userId,
      channel: meta.channel,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + SESSION_MAX_MS),
    })
    .execute();
  return token;
}

/**
 * Sessions read in the last few seconds are kept in memory, so a busy counter does not
 * cost a session query per request. A revocation on this replica takes effect at once;
 * on other replicas within SESSION_CACHE_MS.
 */
export const SESSION_CACHE_MS = 5_000;
const cache = new Map<string, { principal: Principal; until: number }>();
const CACHE_MAX = 10_000;

/** The session of a token from the memory cache only (undefined: not there, ask loadSession). */
export function cachedSession(token: string): Principal | null | undefined {
  if (token.length > 100) return null;
  const hit = cache.get(sha256Hex(token));
  return hit && hit.until > Date.now() ? hit.principal : undefined;
}

export async function loadSession(db: Db, token: string): Promise<Principal | null> {
  const cached = cachedSession(token);
  if (cached !== undefined) return cached;
  const sessionId = sha256Hex(token);
  const principal = await readSession(db, sessionId);
  if (principal) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(sessionId, { principal, until: Date.now() + SESSION_CACHE_MS });
  } else cache.delete(sessionId);
  return principal;
}

async function readSession(db: Db, sessionId: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.user_id', 's.user_id')
    .select(['s.session_id', 's.channel', 's.last_seen_at', 's.expires_at', 's.revoked_at', 'u.user_id', 'u.kind', 'u.display_name', 'u.roles', 'u.person_id', 'u.scope_region', 'u.service_point_id', 'u.org_id', 'u.disabled'])
    .where('s.session_id', '=', sessionId)
    .executeTakeFirst();
  if (!row || row.revoked_at || row.disabled) return null;
  const now = Date.now();
  if (new Date(row.expires_at).getTime() <= now || new Date(row.last_seen_at).getTime() + SESSION_IDLE_MS <= now) return null;
  // Touch at most once a minute: a read-mostly session should not write on every request.
  if (now - new Date(row.last_seen_at).getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: new Date(now) }).where('session_id', '=', sessionId).execute();
  }
  const roles = row.roles as Role[];
  return {
    userId: row.user_id,
    sessionId,
    kind: row.kind,
    displayName: row.display_name,
    roles,
    permissions: permissionsOf(roles),
    personId: row.person_id,
    scopeRegion: row.scope_region,
    servicePointId: row.service_point_id,
    orgId: row.org_id,
    channel: row.channel,
  };
}

export async function revokeSession(db: Db, sessionId: string): Promise<void> {
  cache.delete(sessionId);
  await db.updateTable('sessions').set({ revoked_at: new Date() }).where('session_id', '=', sessionId).execute();
}

/**
 * Revokes every open session of a user (an account disabled or given a new password).
 * Call forgetUserSessions once the transaction has committed.
 */
export async function revokeUserSessions(db: Db, userId: string): Promise<number> {
  const rows = await db.updateTable('sessions').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null).returning('session_id').execute();
  return rows.length;
}

/** Drops a user's cached sessions on this replica, so a change to the account applies at the next request. */
export function forgetUserSessions(userId: string): void {
  for (const [id, entry] of cache) if (entry.principal.userId === userId) cache.delete(id);
}
