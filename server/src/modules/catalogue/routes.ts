import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { DATE_PATTERN } from '../../lib/dates.js';
import { itemToBpmn } from './bpmn.js';
import { chinaToday, createDraft, getVersion, itemVersionAt, itemVersionById, listItems, listVersions, publishVersion, retireVersion, reviewVersion, submitDraft } from './service.js';
import { CHANNELS, DOMAINS, type Channel, type Domain } from './types.js';

const Localised = Type.Object({ zh: Type.String(), en: Type.String() });
const TimeLimit = Type.Object({ statutoryDays: Type.Integer(), promisedDays: Type.Integer(), extensionDays: Type.Optional(Type.Integer()), note: Type.Optional(Localised) });
const ItemSummary = Type.Object({
  code: Type.String(),
  name: Localised,
  domain: Type.String(),
  applicant: Type.String(),
  summary: Type.Optional(Localised),
  instant: Type.Boolean(),
  channels: Type.Array(Type.String()),
  timeLimit: TimeLimit,
  feeFen: Type.Integer(),
  versionId: Type.String(),
  version: Type.Integer(),
  effectiveFrom: Type.String(),
});
const ItemVersionSchema = Type.Object({
  versionId: Type.String(),
  version: Type.Integer(),
  effectiveFrom: Type.String(),
  item: Type.Unknown({ description: 'The ServiceItem definition (see catalog/README.md, "Items")' }),
});
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const VersionInfo = Type.Object({
  versionId: Type.String(),
  code: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  effectiveFrom: Nullable(Type.String()),
  source: Type.String(),
  contentHash: Type.String(),
  createdBy: Type.String(),
  reviewedBy: Nullable(Type.String()),
  reviewDecision: Nullable(Type.String()),
  reviewComment: Nullable(Type.String()),
  publishedBy: Nullable(Type.String()),
  createdAt: Type.String(),
  submittedAt: Nullable(Type.String()),
  reviewedAt: Nullable(Type.String()),
  publishedAt: Nullable(Type.String()),
  retiredAt: Nullable(Type.String()),
});
const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 40 }) });
const VersionParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 40 }), versionId: Type.String({ format: 'uuid' }) });
const AsOfQuery = Type.Object({ asOf: Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN })) }, { additionalProperties: false });
const DraftBody = Type.Object(
  {
    definition: Type.Optional(Type.Unknown({ description: 'A full item definition, validated like catalog/items/*.yaml' })),
    patch: Type.Optional(Type.Unknown({ description: 'A JSON merge patch (RFC 7396) of the latest published version' })),
  },
  { additionalProperties: false },
);
const ReviewBody = Type.Object({ decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]), comment: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });
const PublishBody = Type.Object({ effectiveFrom: Type.String({ format: 'date', pattern: DATE_PATTERN }) }, { additionalProperties: false });
const RetireBody = Type.Object({ reason: Type.String({ minLength: 2, maxLength: 500 }) }, { additionalProperties: false });

export async function catalogueRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/items',
    {
      config: { access: 'public' },
      schema: {
        tags: ['catalogue'],
        summary: 'Service items in force (residents browse before signing in): filter by channel, domain, or q (Chinese name, keyword, pinyin or initials, code)',
        querystring: Type.Object(
          {
            channel: Type.Optional(Type.Union(CHANNELS.map((c) => Type.Literal(c)))),
            domain: Type.Optional(Type.Union(DOMAINS.map((d) => Type.Literal(d)))),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
            asOf: Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ asOf: Type.String(), items: Type.Array(ItemSummary) }) }),
      },
    },
    async (request) => {
      const q = request.query as { channel?: Channel; domain?: Domain; q?: string; asOf?: string };
      const asOf = q.asOf ?? chinaToday();
      return { asOf, items: await listItems(app.db, { ...q, asOf }) };
    },
  );

  app.get(
    '/api/items/:code',
    {
      config: { access: 'public' },
      schema: { tags: ['catalogue'], summary: 'The version of an item in force today or on asOf, with its full definition', params: CodeParams, querystring: AsOfQuery, response: responses({ 200: ItemVersionSchema }) },
    },
    async (request) => {
      const { code } = request.params as { code: string };
      const { asOf } = request.query as { asOf?: string };
      const v = await itemVersionAt(app.db, code, asOf ?? chinaToday());
      if (!v) throw new AppError('NOT_FOUND', { detail: `no version of item ${code} in force on ${asOf ?? 'today'}` });
      return v;
    },
  );

  app.get(
    '/api/items/:code/process.bpmn',
    {
      config: { access: 'public' },
      schema: {
        tags: ['catalogue'],
        summary: "The item's process as BPMN 2.0 XML (lanes per role, correction loop, refusal ends, diagram coordinates): opens in any BPMN modeler. versionId or asOf pick the version.",
        params: CodeParams,
        querystring: Type.Object({ asOf: Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN })), versionId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
        response: responses({ 200: Type.String({ description: 'application/xml' }) }),
      },
    },
    async (request, reply) => {
      const { code } = request.params as { code: string };
      const { asOf, versionId } = request.query as { asOf?: string; versionId?: string };
      const v = versionId ? await itemVersionById(app.db, versionId) : await itemVersionAt(app.db, code, asOf ?? chinaToday());
      if (!v || v.item.code !== code) throw new AppError('NOT_FOUND');
      return reply
        .type('application/xml; charset=utf-8')
        .header('content-disposition', `inline; filename="${code}-v${v.version}.bpmn"`)
        .send(itemToBpmn(v.item, { version: v.version, effectiveFrom: v.effectiveFrom }));
    },
  );

  app.get(
    '/api/items/:code/versions',
    {
      config: { access: 'catalogue.read' },
      schema: { tags: ['catalogue'], summary: 'Every version of an item (drafts, in review, published, retired), newest first', params: CodeParams, response: responses({ 200: Type.Object({ items: Type.Array(VersionInfo) }) }) },
    },
    async (request) => {
      const { code } = request.params as { code: string };
      const items = await listVersions(app.db, code);
      if (!items.length) throw new AppError('NOT_FOUND');
      return { items };
    },
  );

  app.get(
    '/api/items/:code/versions/:versionId',
    {
      config: { access: 'catalogue.read' },
      schema: { tags: ['catalogue'], summary: 'One version with its definition (staff; drafts included)', params: VersionParams, response: responses({ 200: Type.Intersect([VersionInfo, Type.Object({ definition: Type.Unknown() })]) }) },
    },
    async (request) => {
      const { code, versionId } = request.params as { code: string; versionId: string };
      const v = await getVersion(app.db, code, versionId);
      if (!v) throw new AppError('NOT_FOUND');
      return v;
    },
  );

  app.post(
    '/api/items/:code/drafts',
    {
      config: { access: 'catalogue.manage' },
      schema: {
        tags: ['catalogue'],
        summary: 'Create a draft version: a full definition or a merge patch of the current one, validated exactly like the YAML catalogue (a new code creates a new item)',
        params: CodeParams,
        body: DraftBody,
        response: responses({ 201: VersionInfo }),
      },
    },
    async (request, reply) => {
      const { code } = request.params as { code: string };
      const body = request.body as Static<typeof DraftBody>;
      const v = await createDraft(app.db, request.actor, code, body);
      return reply.status(201).send(v);
    },
  );

  app.post(
    '/api/items/:code/drafts/:versionId/submit',
    {
      config: { access: 'catalogue.manage' },
      schema: { tags: ['catalogue'], summary: 'Submit a draft for review', params: VersionParams, response: responses({ 200: VersionInfo }) },
    },
    async (request) => {
      const { code, versionId } = request.params as { code: string; versionId: string };
      return submitDraft(app.db, request.actor, code, versionId);
    },
  );

  app.post(
    '/api/items/:code/drafts/:versionId/review',
    {
      config: { access: 'catalogue.manage' },
      schema: { tags: ['catalogue'], summary: 'Approve or reject a submitted version (four eyes: not by its author; a rejection needs a comment)', params: VersionParams, body: ReviewBody, response: responses({ 200: VersionInfo }) },
    },
    async (request) => {
      const { code, versionId } = request.params as { code: string; versionId: string };
      return reviewVersion(app.db, request.actor, code, versionId, request.body as Static<typeof ReviewBody>);
    },
  );

  app.post(
    '/api/items/:code/drafts/:versionId/publish',
    {
      config: { access: 'catalogue.manage' },
      schema: { tags: ['catalogue'], summary: 'Publish an approved version, effective from a date (today or later); until then the version in force stays', params: VersionParams, body: PublishBody, response: responses({ 200: VersionInfo }) },
    },
    async (request) => {
      const { code, versionId } = request.params as { code: string; versionId: string };
      return publishVersion(app.db, request.actor, code, versionId, request.body as Static<typeof PublishBody>);
    },
  );

  app.post(
    '/api/items/:code/versions/:versionId/retire',
    {
      config: { access: 'catalogue.manage' },
      schema: { tags: ['catalogue'], summary: 'Withdraw a published version before it takes effect (with a reason)', params: VersionParams, body: RetireBody, response: responses({ 200: VersionInfo }) },
    },
    async (request) => {
      const { code, versionId } = request.params as { code: string; versionId: string };
      return retireVersion(app.db, request.actor, code, versionId, request.body as Static<typeof RetireBody>);
    },
  );
}
