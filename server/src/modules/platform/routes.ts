import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Type } from '@sinclair/typebox';
import { ProblemSchema } from '../../http/schemas.js';
import { metricsRegistry } from '../../http/metrics.js';
import { AppError } from '../../http/errors.js';

export async function platformRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['platform'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { tags: ['platform'], summary: 'Readiness: the database answers', response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: Type.Ref(ProblemSchema) } } },
    async () => {
      try {
        await sql`select 1`.execute(app.db);
      } catch (cause) {
        throw new AppError('SERVICE_UNAVAILABLE', { detail: 'database not reachable', cause });
      }
      return { status: 'ready' as const };
    },
  );

  app.get('/metrics', { config: { access: 'public' }, schema: { tags: ['platform'], summary: 'Prometheus metrics', hide: true } }, async (_req, reply) => {
    reply.type(metricsRegistry.contentType);
    return metricsRegistry.metrics();
  });

  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
