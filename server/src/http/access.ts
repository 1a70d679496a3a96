import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import type { Principal, RouteAccess } from './context.js';
import { cachedSession, loadSession, SESSION_COOKIE } from '../modules/iam/sessions.js';
import type { Actor } from '../modules/audit/service.js';

/** Routes that must declare their access: the whole API. Static assets and /docs are public. */
export function mustDeclareAccess(url: string): boolean {
  return url.startsWith('/api/') || url === '/api';
}

/** Every route registered, with its declared access: the permission test reads this. */
export const routeAccessTable: { method: string; url: string; access: RouteAccess | undefined }[] = [];

export function actorOf(request: FastifyRequest, principal: Principal | null): Actor {
  return {
    userId: principal?.userId ?? null,
    role: principal?.roles.join(',') ?? 'anonymous',
    channel: principal?.channel ?? String(request.headers['x-channel'] ?? 'web'),
    servicePointId: principal?.servicePointId ?? null,
    ip: request.ip ?? null,
  };
}

export function installAccessControl(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('actor', null as unknown as Actor);

  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) routeAccessTable.push({ method: m, url: route.url, access });
    // Deny by default, at boot: an API route that forgot to say who may call it
    // stops the server from starting rather than being open.
    if (mustDeclareAccess(route.url) && !access) {
      throw new Error(`route ${methods.join(',')} ${route.url} does not declare config.access`);
    }
  });

  // Both hooks run on every request: callback style, and no promise at all when the
  // session is in the memory cache (the usual case at a busy counter).
  app.addHook('onRequest', (request, _reply, done) => {
    const token = request.cookies?.[SESSION_COOKIE];
    const known = token ? cachedSession(token) : null;
    const settle = (principal: Principal | null) => {
      request.principal = principal;
      request.actor = actorOf(request, principal);
      done();
    };
    if (known !== undefined) return settle(known);
    loadSession(app.db, token!).then(settle, done);
  });

  // preValidation: callers without access learn nothing, not even which fields are wrong.
  app.addHook('preValidation', (request, _reply, done) => {
    const access = request.routeOptions.config?.access;
    if ((!mustDeclareAccess(request.routeOptions.url ?? '') && !access) || access === 'public') return done();
    const principal = request.principal;
    if (!principal) return done(new AppError('UNAUTHENTICATED'));
    if (access === 'authenticated') return done();
    done(!access || !principal.permissions.has(access) ? new AppError('FORBIDDEN') : undefined);
  });
}
