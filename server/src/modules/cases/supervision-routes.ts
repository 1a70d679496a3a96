/** The supervision queues: overrides awaiting a second person, ratings and 差评回访. */
import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { FOLLOW_UP_OUTCOMES, type FollowUpOutcome } from './schema.js';
import { followUpRating, listRatings, overrideQueue, ratingCounts } from './supervision-queues.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Loc = Type.Object({ zh: Type.String(), en: Type.String() });

const OverrideQueueEntry = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  trackingNo: Type.String(),
  itemCode: Type.String(),
  itemName: Type.String(),
  ruleId: Type.String(),
  ruleName: Nullable(Loc),
  reason: Type.String(),
  status: Type.Union([Type.Literal('requested'), Type.Literal('approved'), Type.Literal('refused')]),
  requestedBy: Type.String(),
  requestedByName: Nullable(Type.String()),
  requestedAt: Type.String(),
  decidedBy: Nullable(Type.String()),
  decidedByName: Nullable(Type.String()),
  decidedAt: Nullable(Type.String()),
  note: Nullable(Type.String()),
  canDecide: Type.Boolean(),
});

const Outcome = Type.Union(FOLLOW_UP_OUTCOMES.map((o) => Type.Literal(o)));

const RatingEntry = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  trackingNo: Type.String(),
  itemCode: Type.String(),
  itemName: Type.String(),
  score: Type.Integer(),
  comment: Nullable(Type.String()),
  poor: Type.Boolean(),
  status: Type.Union([Type.Literal('open'), Type.Literal('followed_up'), Type.Null()]),
  channel: Type.String(),
  servicePointId: Nullable(Type.String()),
  servicePointName: Nullable(Type.String()),
  regionCode: Type.String(),
  ratedAt: Type.String(),
  followUp: Nullable(Type.Object({ outcome: Outcome, note: Type.String(), by: Type.String(), byName: Nullable(Type.String()), at: Type.String() })),
});

const RatingCounts = Type.Object({
  total: Type.Integer(),
  byScore: Type.Array(Type.Integer(), { minItems: 5, maxItems: 5 }),
  poor: Type.Integer(),
  open: Type.Integer(),
  satisfactionRate: Nullable(Type.Number()),
});

export async function supervisionQueueRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/supervision/overrides',
    {
      config: { access: 'supervision.read' },
      schema: {
        tags: ['supervision'],
        summary: 'Overrides of cases in my region: pending (waiting for a second person, oldest first) or decided (newest first). canDecide is false for the requester.',
        querystring: Type.Object({ status: Type.Union([Type.Literal('pending'), Type.Literal('decided')], { default: 'pending' }) }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ items: Type.Array(OverrideQueueEntry) }) }),
      },
    },
    async (request) => {
      const { status } = request.query as { status: 'pending' | 'decided' };
      return { items: await overrideQueue(app.db, request.principal!, status) };
    },
  );

  app.get(
    '/api/supervision/ratings',
    {
      config: { access: 'supervision.read' },
      schema: {
        tags: ['supervision'],
        summary: 'Ratings (好差评) of cases in my region, newest first, with counts and the satisfaction rate. bad=true: poor ratings (≤ 2 stars) only; status: poor ratings open or followed up.',
        querystring: Type.Object(
          { bad: Type.Optional(Type.Boolean()), status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('followed_up')])) },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ items: Type.Array(RatingEntry), counts: RatingCounts }) }),
      },
    },
    async (request) => {
      const q = request.query as { bad?: boolean; status?: 'open' | 'followed_up' };
      const p = request.principal!;
      const [items, counts] = await Promise.all([listRatings(app.db, p, { poor: q.bad, status: q.status }), ratingCounts(app.db, p)]);
      return { items, counts };
    },
  );

  app.post(
    '/api/ratings/:id/follow-up',
    {
      config: { access: 'rating.follow_up' },
      schema: {
        tags: ['supervision'],
        summary: 'Record the follow-up of a poor rating (差评回访), once: outcome and a note. The id is the rated case’s id (one rating per case).',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ outcome: Outcome, note: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
        response: responses({ 201: RatingEntry }),
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = request.body as { outcome: FollowUpOutcome; note: string };
      const entry = await followUpRating(app.db, { actor: request.actor, now: new Date() }, request.principal!, id, body);
      return reply.status(201).send(entry);
    },
  );
}
