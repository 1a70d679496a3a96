import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { canonicalJson } from '../lib/canonical-json.js';
import { sha256Hex } from '../lib/hash.js';
import { AppError } from './errors.js';
import type { Db } from '../db/connect.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const HEADER = 'idempotency-key';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Sign-in and sign-out set cookies, which a replay cannot give back: they opt out.
     * `reclaimAfterMs`: a claim still without a response after this long is taken over by a
     * retry (its server died mid-request). Only for routes whose handler is idempotent on
     * its own (case submission keeps the key with the case), so a takeover cannot duplicate.
     */
    idempotency?: false | { reclaimAfterMs: number };
  }
  interface FastifyRequest {
    idempotencyClaim: { scope: string; key: string } | null;
  }
}

/**
 * Idempotency-Key on every mutating route (IETF draft-ietf-httpapi-idempotency-key-header):
 * the first request with a key claims it; a retry with the same key and body gets the
 * first response back; the same key with a different body is refused. Keys are kept
 * per user, in the database, so every replica sees them.
 */
export function installIdempotency(app: FastifyInstance): void {
  app.decorateRequest('idempotencyClaim', null);

  const claim = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!MUTATING.has(request.method) || request.routeOptions.config?.idempotency === false) return;
    const raw = request.headers[HEADER];
    if (raw === undefined) return;
    const key = Array.isArray(raw) ? raw[0] ?? '' : raw;
    if (key.length < 1 || key.length > 200) {
      throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/headers/idempotency-key', reason: 'must be 1 to 200 characters', code: 'length' }] });
    }
    const scope = request.principal?.userId ?? `anon:${request.ip}`;
    // A file upload is hashed as bytes; a JSON body by its canonical form (key order does not matter).
    const body = Buffer.isBuffer(request.body) ? { sha256: sha256Hex(request.body) } : request.body ?? null;
    const bodyHash = sha256Hex(canonicalJson({ m: request.method, u: request.routeOptions.url, p: request.params, q: request.query, b: body }));
    const claimed = await app.db
      .insertInto('idempotency_keys')
      .values({ scope, key, method: request.method, path: request.url, body_hash: bodyHash, status_code: null, response: null })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (claimed) {
      request.idempotencyClaim = { scope, key };
      return;
    }
    const existing = await app.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    if (!existing) throw new AppError('IDEMPOTENCY_IN_PROGRESS');
    if (existing.body_hash !== bodyHash) throw new AppError('IDEMPOTENCY_KEY_REUSED');
    if (existing.status_code === null) {
      const policy = request.routeOptions.config?.idempotency;
      if (policy && (await reclaimStale(app.db, scope, key, policy.reclaimAfterMs))) {
        request.idempotencyClaim = { scope, key };
        return;
      }
      throw new AppError('IDEMPOTENCY_IN_PROGRESS');
    }
    const stored = existing.response as { contentType: string; body: string };
    reply.header('idempotent-replayed', 'true').type(stored.contentType).status(existing.status_code);
    return reply.send(stored.body);
  };

  const store = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = null;
    if (reply.statusCode >= 500) {
      // A failure is not a result: release the key so the client's retry runs again.
      await app.db.deleteFrom('idempotency_keys').where('scope', '=', claim.scope).where('key', '=', claim.key).execute();
      return payload;
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    await app.db
      .updateTable('idempotency_keys')
      .set({
        status_code: reply.statusCode,
        response: JSON.stringify({ contentType: String(reply.getHeader('content-type') ?? 'application/json'), body }),
      })
      .where('scope', '=', claim.scope)
      .where('key', '=', claim.key)
      .execute();
    return payload;
  };

  // Attached to mutating routes only: reads (most of the traffic) pay nothing for it.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => MUTATING.has(m))) return;
    route.preHandler = [...asArray(route.preHandler), claim];
    route.onSend = [...asArray(route.onSend), store] as typeof route.onSend;
  });
}

/** Takes over a claim left without a response for longer than `afterMs` (one winner). */
async function reclaimStale(db: Db, scope: string, key: string, afterMs: number): Promise<boolean> {
  const r = await sql`update idempotency_keys set created_at = now() where scope = ${scope} and key = ${key} and status_code is null and created_at < now() - make_interval(secs => ${afterMs / 1000})`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Keys older than a day are forgotten (a retry window, not an archive). Safe on every replica at once. */
export async function purgeIdempotencyKeys(db: Db): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', sql<Date>`now() - interval '24 hours'`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
