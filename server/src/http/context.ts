import type { Actor } from '../modules/audit/service.js';
import type { Permission, Role } from '../modules/iam/roles.js';
import type { UserKind } from '../modules/iam/schema.js';

/** The signed-in user as routes see it. */
export interface Principal {
  userId: string;
  sessionId: string;
  kind: UserKind;
  displayName: string;
  roles: Role[];
  permissions: Set<Permission>;
  /** For citizens: their own person record. */
  personId: string | null;
  /** For staff: region code prefix they may see. */
  scopeRegion: string | null;
  servicePointId: string | null;
  orgId: string | null;
  channel: string;
}

/**
 * What a route needs: a permission, or 'authenticated' (any signed-in user, e.g.
 * /api/me), or 'public' (health, login, OpenAPI). Every route must say which.
 */
export type RouteAccess = Permission | 'authenticated' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
    actor: Actor;
  }
}
