import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import type { Principal } from '../../http/context.js';
import type { Permission } from '../iam/roles.js';
import { getPerson } from '../masterdata/persons.js';
import { assertCanSeeOrganisation, assertCanSeePerson } from '../masterdata/visibility.js';
import { getOrganisation } from '../masterdata/organisations.js';
import { rightsSummary } from '../rights/service.js';
import { chinaToday } from '../archives/service.js';
import { UPLOAD_LIMIT } from '../archives/intake.js';
import { getDocument, issueDocument, presentDocument } from './service.js';
import { verifyAny, verifyQr } from './verify.js';

const PublicDocument = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  number: Type.String(),
  title: Type.String(),
  holder: Type.String(),
  issuer: Type.String(),
  issuedAt: Type.String(),
  keyId: Type.String(),
  algorithm: Type.String(),
  status: Type.String(),
});
const VerifyResult = Type.Object({
  valid: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  document: Type.Optional(PublicDocument),
});

async function documentPerson(app: FastifyInstance, principal: Principal, personId: string, staffPermission: Permission) {
  const person = await getPerson(app.db, personId);
  if (!person) throw new AppError('NOT_FOUND');
  if (principal.kind !== 'citizen' && !principal.permissions.has(staffPermission)) throw new AppError('FORBIDDEN');
  assertCanSeePerson(principal, person);
  return person;
}

/** A document is seen by whoever may see its holder: a person, or an organisation. */
async function assertCanSeeDocument(app: FastifyInstance, principal: Principal, doc: { person_id: string | null; org_id: string | null }) {
  if (doc.person_id) return void (await documentPerson(app, principal, doc.person_id, 'archive.read'));
  const org = doc.org_id ? await getOrganisation(app.db, doc.org_id) : undefined;
  if (!org) throw new AppError('NOT_FOUND');
  assertCanSeeOrganisation(principal, org);
}

export async function documentRoutes(app: FastifyInstance): Promise<void> {
  app.addContentTypeParser('application/pdf', { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => done(null, body));

  app.post(
    '/api/documents/contribution-certificate',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['documents'],
        summary: 'Issue a signed contribution certificate (参保缴费证明) as PDF: a citizen for themselves, staff for persons in their region',
        body: Type.Object({ personId: Type.String({ format: 'uuid' }), purpose: Type.Optional(Type.String({ maxLength: 60 })) }, { additionalProperties: false }),
        response: responses({ 201: Type.Any() }),
      },
    },
    async (request, reply) => {
      const body = request.body as { personId: string; purpose?: string };
      const person = await documentPerson(app, request.principal!, body.personId, 'document.issue');
      const rights = await rightsSummary(app.db, person.person_id);
      const issued = await issueDocument(
        app.db,
        app.archiveStore,
        'contribution_certificate',
        { holder: { personId: person.person_id, name: person.name, idNumber: person.resident_id }, asOf: chinaToday(), insurances: rights.insurances, purpose: body.purpose ?? null },
        request.actor,
      );
      return reply
        .status(201)
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="certificate-${issued.documentId}.pdf"`)
        .header('x-document-id', issued.documentId)
        .header('x-archive-id', issued.archiveId)
        .send(Buffer.from(issued.pdf));
    },
  );

  app.get(
    '/api/documents/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['documents'],
        summary: "An issued document's registry entry (the holder, or staff within the region)",
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: responses({
          200: Type.Object({
            ...PublicDocument.properties,
            personId: Type.Union([Type.String(), Type.Null()]),
            orgId: Type.Union([Type.String(), Type.Null()]),
            caseId: Type.Union([Type.String(), Type.Null()]),
            pdfSm3: Type.String(),
            pdfSha256: Type.String(),
            pdfArchiveId: Type.String(),
            contentArchiveId: Type.String(),
            contentSm3: Type.String(),
            qr: Type.String(),
          }),
        }),
      },
    },
    async (request) => {
      const doc = await getDocument(app.db, (request.params as { id: string }).id);
      if (!doc) throw new AppError('NOT_FOUND');
      await assertCanSeeDocument(app, request.principal!, doc);
      return presentDocument(doc);
    },
  );

  app.get(
    '/api/documents/:id/pdf',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['documents'],
        summary: 'The issued PDF, byte for byte as registered',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: responses({ 200: Type.Any() }),
      },
    },
    async (request, reply) => {
      const doc = await getDocument(app.db, (request.params as { id: string }).id);
      if (!doc) throw new AppError('NOT_FOUND');
      await assertCanSeeDocument(app, request.principal!, doc);
      const bytes = await app.archiveStore.get(doc.pdf_sm3.trim());
      if (!bytes) throw new AppError('NOT_FOUND', { detail: 'the PDF is missing from the archive store' });
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${doc.id}.pdf"`).send(Buffer.from(bytes));
    },
  );

  app.post(
    '/api/verify',
    {
      config: { access: 'public' },
      schema: {
        tags: ['documents'],
        summary: 'Verify a document: a PDF body (application/pdf), the QR text (text/plain), or JSON {"qr": "TB1:…"}. Answers valid, or invalid with a reason: content_changed, unknown_key, key_revoked, malformed, unknown_document, bad_signature, document_revoked.',
        security: [],
        response: responses({ 200: VerifyResult }),
      },
    },
    async (request) => {
      const body = request.body as unknown;
      if (Buffer.isBuffer(body)) return verifyAny(app.db, body);
      if (typeof body === 'string') return verifyAny(app.db, Buffer.from(body));
      if (body && typeof body === 'object' && typeof (body as { qr?: unknown }).qr === 'string') {
        const qr = (body as { qr: string }).qr;
        if (qr.length > 2000) return { valid: false, reason: 'malformed', detail: 'too long' };
        return verifyQr(app.db, qr);
      }
      throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body', reason: 'send a PDF, the QR text, or {"qr": "TB1:…"}', code: 'required' }] });
    },
  );
}
