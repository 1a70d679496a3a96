import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { PASSWORD_MAX_LENGTH } from './passwords.js';
import { ROLE_PERMISSIONS, ROLES, STAFF_ROLES, type StaffRole } from './roles.js';
import { assignableScopes, createStaffAccount, listStaffAccounts, setStaffPassword, updateStaffAccount } from './users.js';

const StaffRoleSchema = Type.Union(
  STAFF_ROLES.map((r) => Type.Literal(r)),
  { description: 'A staff role' },
);
const Roles = Type.Array(StaffRoleSchema, { minItems: 1, maxItems: STAFF_ROLES.length, uniqueItems: true });
const ScopeRegion = Type.String({ pattern: '^[0-9]{2,12}$', description: 'Region code prefix the account may see (3710 = the whole city)' });
const ServicePointId = Type.String({ minLength: 1, maxLength: 40, description: 'Home service point' });

const Account = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  servicePointId: Type.Union([Type.String(), Type.Null()]),
  servicePointName: Type.Union([Type.String(), Type.Null()]),
  scopeRegion: Type.Union([Type.String(), Type.Null()]),
  disabled: Type.Boolean(),
  totpEnabled: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
});
const UserParams = Type.Object({ userId: Type.String({ format: 'uuid' }) });

const AccountCreate = Type.Object(
  {
    username: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9._-]{2,31}$', description: '3–32 letters, digits, dot, dash or underscore, starting with a letter' }),
    displayName: Type.String({ minLength: 1, maxLength: 50, pattern: '\\S' }),
    roles: Roles,
    servicePointId: ServicePointId,
    scopeRegion: ScopeRegion,
  },
  { additionalProperties: false },
);
const AccountPatch = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version read; a concurrent change makes this a 409' }),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '\\S' })),
    roles: Type.Optional(Roles),
    servicePointId: Type.Optional(ServicePointId),
    scopeRegion: Type.Optional(ScopeRegion),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Users and roles (issue 5): administrators manage the staff accounts of their scope. */
export async function userAdminRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/users',
    {
      config: { access: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'Staff accounts in your scope and below, by username; search username or name, filter by role and region',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 50 })),
            role: Type.Optional(StaffRoleSchema),
            region: Type.Optional(Type.String({ pattern: '^[0-9]{2,12}$' })),
            offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ items: Type.Array(Account), total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer() }) }),
      },
    },
    async (request) => {
      const q = request.query as { q?: string; role?: StaffRole; region?: string; offset?: number; limit?: number };
      const offset = q.offset ?? 0;
      const limit = q.limit ?? 20;
      const { items, total } = await listStaffAccounts(app.db, request.principal!, { q: q.q, role: q.role, region: q.region, offset, limit });
      return { items, total, offset, limit };
    },
  );

  app.get(
    '/api/users/scopes',
    {
      config: { access: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'Regions you may give an account as its scope: your own and those below it (down to towns)',
        response: responses({
          200: Type.Object({ items: Type.Array(Type.Object({ scope: Type.String(), regionCode: Type.String(), name: Type.String(), nameEn: Type.Union([Type.String(), Type.Null()]), level: Type.Integer() })) }),
        }),
      },
    },
    async (request) => ({ items: await assignableScopes(app.db, request.principal!) }),
  );

  app.post(
    '/api/users',
    {
      config: { access: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'Create a staff account (no password yet: set one with POST /api/users/{userId}/password); audited',
        body: AccountCreate,
        response: responses({ 201: Account }),
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof AccountCreate>;
      const created = await createStaffAccount(app.db, request.actor, request.principal!, body);
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/api/users/:userId',
    {
      config: { access: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'Change roles, name, scope and service point, or disable/enable an account (disabling ends its sessions); audited',
        params: UserParams,
        body: AccountPatch,
        response: responses({ 200: Account }),
      },
    },
    async (request) => {
      const { userId } = request.params as { userId: string };
      return updateStaffAccount(app.db, request.actor, request.principal!, userId, request.body as Static<typeof AccountPatch>);
    },
  );

  app.post(
    '/api/users/:userId/password',
    {
      // Not replayable on purpose: the idempotency store keeps a hash of the request body and the
      // response for a day, and neither may hold a password (a plain SHA-256 is quickly guessed).
      // Repeating the call is harmless: the same password is set again, or a new one issued.
      config: { access: 'user.manage', idempotency: false },
      schema: {
        tags: ['users'],
        summary: 'Set a staff account’s password (it must meet the password rules), or omit it to get a generated one, shown once; ends the account’s sessions',
        params: UserParams,
        body: Type.Object({ password: Type.Optional(Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH })) }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ userId: Type.String(), generatedPassword: Type.Optional(Type.String()) }) }),
      },
    },
    async (request, reply) => {
      const { userId } = request.params as { userId: string };
      const { password } = request.body as { password?: string };
      reply.header('cache-control', 'no-store');
      return setStaffPassword(app.db, request.actor, request.principal!, userId, password);
    },
  );

  app.get(
    '/api/roles',
    {
      config: { access: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'Every role with its permissions (deny by default: what is not listed is refused); staff says whether a staff account may hold it',
        response: responses({ 200: Type.Object({ items: Type.Array(Type.Object({ role: Type.String(), staff: Type.Boolean(), permissions: Type.Array(Type.String()) })) }) }),
      },
    },
    async () => ({
      items: ROLES.map((role) => ({ role, staff: (STAFF_ROLES as readonly string[]).includes(role), permissions: [...ROLE_PERMISSIONS[role]].sort() })),
    }),
  );
}
