import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import type { Principal } from '../../http/context.js';
import type { Permission } from '../iam/roles.js';
import { getPerson } from '../masterdata/persons.js';
import { assertCanServePerson } from '../cases/access.js';
import { inspectUpload, sanitiseFilename, UPLOAD_LIMIT, UPLOAD_TYPES } from './intake.js';
import { ARCHIVE_CATEGORIES } from './retention.js';
import { getArchiveRecord, presentRecord, storeArchiveRecord } from './service.js';
import { decideDisposal, proposeDisposal } from './disposal.js';

const RecordSchema = Type.Object({
  id: Type.String(),
  personId: Type.Union([Type.String(), Type.Null()]),
  orgId: Type.Union([Type.String(), Type.Null()]),
  caseId: Type.Union([Type.String(), Type.Null()]),
  category: Type.String(),
  materialCode: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  originalFilename: Type.Union([Type.String(), Type.Null()]),
  mediaType: Type.String(),
  size: Type.Integer(),
  sm3: Type.String(),
  sha256: Type.String(),
  retentionYears: Type.Union([Type.Integer(), Type.Null()]),
  retainUntil: Type.Union([Type.String(), Type.Null()]),
  formedOn: Type.String(),
  classification: Type.String(),
  source: Type.String(),
  createdAt: Type.String(),
  disposalStatus: Type.String(),
  disposedAt: Type.Union([Type.String(), Type.Null()]),
});

/**
 * Citizens reach their own archive; staff need the permission and the person in
 * their region. WARNING: every archive read or write goes through here.
 */
async function personInReach(app: FastifyInstance, principal: Principal, personId: string, staffPermission: Permission) {
  const person = await getPerson(app.db, personId);
  if (!person) throw new AppError('NOT_FOUND');
  if (principal.kind !== 'citizen' && !principal.permissions.has(staffPermission)) throw new AppError('FORBIDDEN');
  // Staff: their region, or a person identified at their counter (the universal teller's 通办 grant).
  await assertCanServePerson(app.db, principal, person);
  return person;
}

export async function archiveRoutes(app: FastifyInstance): Promise<void> {
  // Raw bodies for the allowed types (and octet-stream); the type is decided from the content anyway.
  for (const type of [...Object.keys(UPLOAD_TYPES), 'image/jpg', 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT + 1024 }, (_req, body, done) => done(null, body));
  }

  app.post(
    '/api/archive/uploads',
    {
      config: { access: 'authenticated' },
      bodyLimit: UPLOAD_LIMIT + 1024,
      schema: {
        tags: ['archives'],
        summary: 'Archive one material (raw body: PDF, JPEG or PNG; the type is detected from the content). Filename in the X-Filename header, percent-encoded; kept as metadata only.',
        querystring: Type.Object(
          {
            personId: Type.String({ format: 'uuid' }),
            category: Type.Optional(Type.Union(ARCHIVE_CATEGORIES.map((c) => Type.Literal(c)), { default: 'application_material' })),
            materialCode: Type.Optional(Type.String({ maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' })),
            title: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: Type.Object({ id: Type.String(), sm3: Type.String(), sha256: Type.String(), mediaType: Type.String(), size: Type.Integer() }), 413: Type.Ref('Problem'), 415: Type.Ref('Problem') }),
      },
    },
    async (request, reply) => {
      const q = request.query as { personId: string; category?: string; materialCode?: string; title?: string };
      await personInReach(app, request.principal!, q.personId, 'archive.upload');
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new AppError('UPLOAD_TYPE_NOT_ALLOWED', { detail: 'send the file itself as the body' });
      const filename = sanitiseFilename(request.headers['x-filename'] as string | undefined);
      const inspected = await inspectUpload(body, { contentType: request.headers['content-type'], filename });
      const rec = await storeArchiveRecord(app.db, app.archiveStore, {
        personId: q.personId,
        category: q.category ?? 'application_material',
        materialCode: q.materialCode ?? null,
        title: q.title ?? filename ?? q.materialCode ?? '上传材料',
        mediaType: inspected.mediaType,
        bytes: body,
        source: request.principal!.kind === 'citizen' ? 'upload' : 'scan',
        originalFilename: filename,
        actor: request.actor,
      });
      return reply.status(201).send({ id: rec.id, sm3: rec.sm3, sha256: rec.sha256, mediaType: rec.media_type, size: Number(rec.size) });
    },
  );

  app.get(
    '/api/archive/records',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['archives'],
        summary: "A person's archive records, newest first (a citizen their own; staff within their region)",
        querystring: Type.Object(
          { personId: Type.String({ format: 'uuid' }), category: Type.Optional(Type.String({ maxLength: 50 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ items: Type.Array(RecordSchema) }) }),
      },
    },
    async (request) => {
      const q = request.query as { personId: string; category?: string; limit?: number };
      await personInReach(app, request.principal!, q.personId, 'archive.read');
      let query = app.db.selectFrom('archive_records').selectAll().where('person_id', '=', q.personId).orderBy('created_at', 'desc').limit(q.limit ?? 100);
      if (q.category) query = query.where('category', '=', q.category);
      // Sealed submissions and content records are the bureau's evidence, not the citizen's materials.
      if (request.principal!.kind === 'citizen') query = query.where('media_type', '!=', 'application/json');
      return { items: (await query.execute()).map(presentRecord) };
    },
  );

  app.get(
    '/api/archive/records/:id/content',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['archives'],
        summary: 'The archived bytes of one record (Content-Type is the detected type)',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: responses({ 200: Type.Any() }),
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const rec = await getArchiveRecord(app.db, id);
      if (!rec || !rec.person_id) throw new AppError('NOT_FOUND');
      await personInReach(app, request.principal!, rec.person_id, 'archive.read');
      if (rec.disposal_status === 'disposed') throw new AppError('NOT_FOUND', { detail: 'the record was disposed of after its retention period' });
      const bytes = await app.archiveStore.get(rec.storage_key);
      if (!bytes) throw new AppError('NOT_FOUND', { detail: 'the bytes are missing from the archive store' });
      return reply
        .type(rec.media_type)
        .header('content-disposition', `attachment; filename="${rec.id}"`)
        .header('x-content-type-options', 'nosniff')
        .header('x-content-sm3', rec.sm3)
        .send(Buffer.from(bytes));
    },
  );

  app.post(
    '/api/archive/records/:id/disposal',
    {
      config: { access: 'archive.manage' },
      schema: {
        tags: ['archives'],
        summary: 'Propose disposing of a record past its retention period (a second person approves)',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ reason: Type.String({ minLength: 2, maxLength: 500 }) }, { additionalProperties: false }),
        response: responses({ 201: Type.Object({ disposalId: Type.String() }) }),
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const rec = await getArchiveRecord(app.db, id);
      if (!rec) throw new AppError('NOT_FOUND');
      if (rec.person_id) await personInReach(app, request.principal!, rec.person_id, 'archive.manage');
      return reply.status(201).send(await proposeDisposal(app.db, request.actor, id, (request.body as { reason: string }).reason));
    },
  );

  app.post(
    '/api/archive/disposals/:id/decision',
    {
      config: { access: 'archive.dispose' },
      schema: {
        tags: ['archives'],
        summary: 'Approve (bytes removed, record marked disposed) or reject a proposed disposal; not by the proposer',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ approve: Type.Boolean() }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ recordId: Type.String(), status: Type.String() }) }),
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return decideDisposal(app.db, app.archiveStore, request.actor, id, (request.body as { approve: boolean }).approve);
    },
  );
}
