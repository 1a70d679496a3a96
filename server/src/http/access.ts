import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import type { Principal, RouteAccess } from './context.js';
import { loadSession, SESSION_COOKIE } from '../modules/iam/sessions.js';
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

  app.addHook('onRequest', async (request) => {
    const token = request.cookies?.[SESSION_COOKIE];
    request.principal = token ? await loadSession(app.db, token) : null;
    request.actor = actorOf(request, request.principal);
  });

  // preValidation: callers without access learn nothing, not even which fields are wrong.
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config?.access;
    if (!mustDeclareAccess(request.routeOptions.url ?? '') && !access) return;
    if (access === 'public') return;
    const principal = request.principal;
    if (!principal) throw new AppError('UNAUTHENTICATED');
    if (access === 'authenticated') return;
    if (!access || !principal.permissions.has(access)) throw new AppError('FORBIDDEN');
  });
}
