import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { appendAudit, verifyAuditChain } from './service.js';

const Entry = Type.Object({
  /** Order of writing; `seq` (the place in the chain) and `hash` are null until sealed, a moment later. */
  id: Type.Integer(),
  seq: Type.Union([Type.Integer(), Type.Null()]),
  at: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  channel: Type.Union([Type.String(), Type.Null()]),
  servicePointId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  objectType: Type.Union([Type.String(), Type.Null()]),
  objectId: Type.Union([Type.String(), Type.Null()]),
  hash: Type.Union([Type.String(), Type.Null()]),
});

export async function auditRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/audit',
    {
      config: { access: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Audit trail entries, newest first, optionally for one object or actor',
        querystring: Type.Object(
          {
            objectId: Type.Optional(Type.String({ maxLength: 100 })),
            actorId: Type.Optional(Type.String({ maxLength: 100 })),
            action: Type.Optional(Type.String({ maxLength: 100 })),
            beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ items: Type.Array(Entry) }) }),
      },
    },
    async (request) => {
      const q = request.query as { objectId?: string; actorId?: string; action?: string; beforeId?: number; limit?: number };
      let query = app.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(q.limit ?? 100);
      if (q.objectId) query = query.where('object_id', '=', q.objectId);
      if (q.actorId) query = query.where('actor_id', '=', q.actorId);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.beforeId) query = query.where('id', '<', q.beforeId);
      const rows = await query.execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          seq: r.seq,
          at: new Date(r.at).toISOString(),
          actorId: r.actor_id,
          actorRole: r.actor_role,
          channel: r.channel,
          servicePointId: r.service_point_id,
          action: r.action,
          objectType: r.object_type,
          objectId: r.object_id,
          hash: r.hash,
        })),
      };
    },
  );

  app.post(
    '/api/audit/verify',
    {
      config: { access: 'audit.verify' },
      schema: {
        tags: ['audit'],
        summary: 'Verify the whole hash chain; reports each modified, deleted, inserted or reordered entry',
        response: responses({
          200: Type.Object({
            ok: Type.Boolean(),
            entries: Type.Integer(),
            unsealed: Type.Integer(),
            headSeq: Type.Union([Type.Integer(), Type.Null()]),
            headHash: Type.Union([Type.String(), Type.Null()]),
            problems: Type.Array(Type.Object({ seq: Type.Integer(), kind: Type.String(), detail: Type.String() })),
          }),
        }),
      },
    },
    async (request) => {
      const report = await verifyAuditChain(app.db);
      await appendAudit(app.db, request.actor, { action: 'audit.verify', after: { ok: report.ok, entries: report.entries, problems: report.problems.length } });
      return report;
    },
  );
}
