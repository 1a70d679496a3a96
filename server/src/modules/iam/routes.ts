import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { appendAudit } from '../audit/service.js';
import { createSession, revokeSession, SESSION_COOKIE, SESSION_MAX_MS } from './sessions.js';
import { citizenOtpSignIn, citizenPasswordSignIn, enableTotp, requestCitizenOtp, staffSignIn } from './service.js';
import { generateSecret, generateURI } from 'otplib';
import { userAdminRoutes } from './users-routes.js';

const Channel = Type.Union(
  ['counter', 'kiosk', 'web', 'mobile', 'community', 'bank', 'hotline', 'partner'].map((c) => Type.Literal(c)),
  { description: 'Service channel the session is used from', default: 'web' },
);

const SessionInfo = Type.Object({
  userId: Type.String(),
  kind: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  scopeRegion: Type.Union([Type.String(), Type.Null()]),
  servicePointId: Type.Union([Type.String(), Type.Null()]),
  personId: Type.Union([Type.String(), Type.Null()]),
  /** The organisation an employer agent acts for. */
  orgId: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String(),
});

export async function iamRoutes(app: FastifyInstance): Promise<void> {
  async function startSession(reply: FastifyReply, userId: string, channel: string, ip: string, userAgent: string | undefined) {
    const token = await createSession(app.db, userId, { channel, ip, userAgent: userAgent ?? null });
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      secure: app.config.cookieSecure,
      sameSite: 'strict',
      maxAge: SESSION_MAX_MS / 1000,
    });
  }

  app.post(
    '/api/auth/staff/login',
    {
      config: { access: 'public', idempotency: false },
      schema: {
        tags: ['auth'],
        summary: 'Staff sign-in (username, password, optional TOTP)',
        body: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: 64 }),
            password: Type.String({ minLength: 1, maxLength: 256 }),
            totp: Type.Optional(Type.String({ maxLength: 10 })),
            channel: Type.Optional(Channel),
          },
          { additionalProperties: false },
        ),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const body = request.body as { username: string; password: string; totp?: string; channel?: string };
      const { userId } = await staffSignIn(app.db, request.actor, body);
      await startSession(reply, userId, body.channel ?? 'counter', request.ip, request.headers['user-agent']);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/auth/citizen/login',
    {
      config: { access: 'public', idempotency: false },
      schema: {
        tags: ['auth'],
        summary: 'Citizen sign-in with resident ID and password, or resident ID and SMS code',
        body: Type.Object(
          {
            residentId: Type.String({ minLength: 1, maxLength: 40 }),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            code: Type.Optional(Type.String({ minLength: 4, maxLength: 8 })),
            channel: Type.Optional(Channel),
          },
          { additionalProperties: false },
        ),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const body = request.body as { residentId: string; password?: string; code?: string; channel?: string };
      let userId: string;
      if (body.password !== undefined) ({ userId } = await citizenPasswordSignIn(app.db, request.actor, { residentId: body.residentId, password: body.password }));
      else if (body.code !== undefined) ({ userId } = await citizenOtpSignIn(app.db, request.actor, { residentId: body.residentId, code: body.code }));
      else throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/password', reason: 'password or code is required', code: 'required' }] });
      await startSession(reply, userId, body.channel ?? 'web', request.ip, request.headers['user-agent']);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/auth/citizen/otp',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Send a sign-in code by SMS to the phone on record (answers 202 whether or not the ID is known)',
        body: Type.Object({ residentId: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false }),
        response: responses({ 202: Type.Object({ sent: Type.Boolean() }) }),
      },
    },
    async (request, reply) => {
      await requestCitizenOtp(app.db, app.sms, request.actor, request.body as { residentId: string });
      return reply.status(202).send({ sent: true });
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'authenticated', idempotency: false },
      schema: { tags: ['auth'], summary: 'Sign out: the session is revoked on the server', response: responses({ 204: Type.Null() }) },
    },
    async (request, reply) => {
      const p = request.principal!;
      await revokeSession(app.db, p.sessionId);
      await appendAudit(app.db, request.actor, { action: 'auth.logout', objectType: 'user', objectId: p.userId });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/me',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], summary: 'The signed-in user, roles and permissions (the UI hides what is not allowed)', response: responses({ 200: SessionInfo }) },
    },
    async (request) => {
      const p = request.principal!;
      return {
        userId: p.userId,
        kind: p.kind,
        displayName: p.displayName,
        roles: p.roles,
        permissions: [...p.permissions].sort(),
        scopeRegion: p.scopeRegion,
        servicePointId: p.servicePointId,
        personId: p.personId,
        orgId: p.orgId,
        channel: p.channel,
      };
    },
  );

  app.post(
    '/api/me/totp/setup',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Staff: start TOTP enrolment — returns a new secret and its otpauth:// URI for an authenticator app (nothing is stored yet)',
        response: responses({ 200: Type.Object({ secret: Type.String(), uri: Type.String() }) }),
      },
    },
    async (request) => {
      const p = request.principal!;
      if (p.kind !== 'staff') throw new AppError('FORBIDDEN');
      const secret = generateSecret();
      return { secret, uri: generateURI({ issuer: 'Tongban', label: p.displayName, secret }) };
    },
  );

  app.post(
    '/api/me/totp/confirm',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Staff: finish TOTP enrolment with a current code from the app; from now on sign-in needs a code',
        body: Type.Object({ secret: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Z2-7]+=*$' }), code: Type.String({ minLength: 6, maxLength: 8 }) }, { additionalProperties: false }),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      if (p.kind !== 'staff') throw new AppError('FORBIDDEN');
      const body = request.body as { secret: string; code: string };
      await enableTotp(app.db, request.actor, p.userId, body.secret, body.code);
      return reply.status(204).send();
    },
  );

  await userAdminRoutes(app);
}
