import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { createKey, getKey, listKeys, presentKey, revokeKey } from './keys.js';
import { KEY_PURPOSES, SEAL_ALGORITHMS } from './schema.js';

const KeySchema = Type.Object({
  keyId: Type.String(),
  algorithm: Type.String(),
  purpose: Type.String(),
  ownerDepartment: Type.String(),
  publicKeyPem: Type.String(),
  publicKeyHex: Type.String(),
  status: Type.String(),
  validFrom: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  revocationReason: Type.Union([Type.String(), Type.Null()]),
});

export async function sealRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/trust/keys',
    {
      config: { access: 'public' },
      schema: {
        tags: ['trust'],
        summary: 'The public key registry: every seal key ever used, with validity and revocation, so anyone can verify offline. SM2 keys sign with SM3 and user ID 1234567812345678.',
        security: [],
        response: responses({ 200: Type.Object({ keys: Type.Array(KeySchema) }) }),
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: (await listKeys(app.db)).map(presentKey) };
    },
  );

  app.post(
    '/api/trust/keys',
    {
      config: { access: 'seal.manage' },
      schema: {
        tags: ['trust'],
        summary: 'Create a key, or rotate: the new key signs from now on; the previous one stays valid for verification',
        body: Type.Object({ purpose: Type.Union(KEY_PURPOSES.map((p) => Type.Literal(p))), algorithm: Type.Optional(Type.Union(SEAL_ALGORITHMS.map((a) => Type.Literal(a)))), ownerDepartment: Type.Optional(Type.String({ minLength: 2, maxLength: 60 })) }, { additionalProperties: false }),
        response: responses({ 201: KeySchema }),
      },
    },
    async (request, reply) => {
      const body = request.body as { purpose: (typeof KEY_PURPOSES)[number]; algorithm?: (typeof SEAL_ALGORITHMS)[number]; ownerDepartment?: string };
      return reply.status(201).send(presentKey(await createKey(app.db, request.actor, body)));
    },
  );

  app.post(
    '/api/trust/keys/:keyId/revocation',
    {
      config: { access: 'seal.manage' },
      schema: {
        tags: ['trust'],
        summary: 'Revoke a key from an effective time on (may be in the past): documents it signed from then on no longer verify',
        params: Type.Object({ keyId: Type.String({ maxLength: 64 }) }),
        body: Type.Object({ reason: Type.String({ minLength: 2, maxLength: 300 }), effectiveAt: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
        response: responses({ 200: KeySchema }),
      },
    },
    async (request) => {
      const { keyId } = request.params as { keyId: string };
      const body = request.body as { reason: string; effectiveAt?: string };
      if (!(await getKey(app.db, keyId))) throw new AppError('SEAL_KEY_UNKNOWN');
      return presentKey(await revokeKey(app.db, request.actor, keyId, { reason: body.reason, ...(body.effectiveAt ? { effectiveAt: new Date(body.effectiveAt) } : {}) }));
    },
  );
}
