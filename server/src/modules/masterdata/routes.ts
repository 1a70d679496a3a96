import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { appendAudit } from '../audit/service.js';
import {
  createPerson,
  getPerson,
  personAsOf,
  personHistory,
  presentPersonFull,
  presentPersonMasked,
  updatePerson,
  validatePerson,
  type Source,
} from './persons.js';
import { searchPersons } from './search.js';
import { assertCanSeePerson, regionPrefixFor } from './visibility.js';
import { createOrganisation, getOrganisation, searchOrganisations, validateOrganisation } from './organisations.js';
import { listDuplicates, resolveDuplicate } from './duplicates.js';
import { maskResidentId } from '../../lib/mask.js';
import { DATE_PATTERN } from '../../lib/dates.js';

// The fields every view of a person has; the full view adds what is masked or omitted in lists.
const personCore = {
  personId: Type.String(),
  residentId: Type.String(),
  name: Type.String(),
  namePinyin: Type.String(),
  birthDate: Type.String(),
  sex: Type.String(),
  regionCode: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  masked: Type.Boolean(),
};
const PersonMasked = Type.Object(personCore);
const PersonFull = Type.Object({
  ...personCore,
  address: Type.Union([Type.String(), Type.Null()]),
  householdId: Type.Union([Type.String(), Type.Null()]),
  householdRelation: Type.Union([Type.String(), Type.Null()]),
  idAreaCode: Type.String(),
  version: Type.Integer(),
});
const PersonId = Type.Object({ personId: Type.String({ format: 'uuid' }) });
const PersonCreate = Type.Object(
  {
    residentId: Type.String({ minLength: 1, maxLength: 40 }),
    name: Type.String({ minLength: 1, maxLength: 50 }),
    phone: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
    address: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    regionCode: Type.String({ minLength: 6, maxLength: 12 }),
  },
  { additionalProperties: false },
);
const PersonPatch = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version read; a concurrent change makes this a 409' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    phone: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
    address: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    regionCode: Type.Optional(Type.String({ minLength: 6, maxLength: 12 })),
  },
  { additionalProperties: false },
);

function channelSource(request: { principal: { channel: string; userId: string } | null }): Source {
  return { kind: 'channel', ref: request.principal?.channel ?? 'web', actor: request.principal?.userId ?? null };
}

export async function masterdataRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/persons',
    {
      config: { access: 'person.read' },
      schema: {
        tags: ['master data'],
        summary: 'Search persons in your region by resident ID, Chinese name, pinyin or initials, phone or card number (results masked)',
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 1, maxLength: 60 }),
            kind: Type.Optional(Type.Union(['resident_id', 'phone', 'card', 'name', 'pinyin'].map((k) => Type.Literal(k)))),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ kind: Type.String(), items: Type.Array(PersonMasked) }) }),
      },
    },
    async (request) => {
      const { q, kind, limit } = request.query as { q: string; kind?: 'resident_id'; limit?: number };
      const prefix = regionPrefixFor(request.principal!);
      if (prefix === null) throw new AppError('FORBIDDEN');
      const result = await searchPersons(app.db, q, prefix, limit ?? 20, kind);
      return { kind: result.kind, items: result.rows.map(presentPersonMasked) };
    },
  );

  app.post(
    '/api/persons',
    {
      config: { access: 'person.write' },
      schema: { tags: ['master data'], summary: 'Register a person (one record per resident ID)', body: PersonCreate, response: responses({ 201: PersonFull }) },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof PersonCreate>;
      const v = validatePerson(body);
      if (!v.ok) throw new AppError('VALIDATION_FAILED', { errors: v.errors.map((e) => ({ field: `/body/${e.field}`, reason: e.reason, code: e.code })) });
      const p = request.principal!;
      if (!p.scopeRegion || !v.value.region_code.startsWith(p.scopeRegion)) throw new AppError('OUT_OF_SCOPE');
      const created = await createPerson(app.db, request.actor, channelSource(request), v.value);
      return reply.status(201).send(presentPersonFull(created));
    },
  );

  app.get(
    '/api/persons/:personId',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['master data'],
        summary: "A person's record: a citizen their own (in full), staff within their region (masked; unmask separately). asOf gives the record as of a date.",
        params: PersonId,
        querystring: Type.Object({ asOf: Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN })) }, { additionalProperties: false }),
        response: responses({ 200: Type.Union([PersonFull, PersonMasked]) }),
      },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      const { asOf } = request.query as { asOf?: string };
      const principal = request.principal!;
      const person = asOf ? await personAsOf(app.db, personId, asOf) : await getPerson(app.db, personId);
      if (!person) throw new AppError('NOT_FOUND');
      assertCanSeePerson(principal, person);
      return principal.kind === 'citizen' ? presentPersonFull(person) : presentPersonMasked(person);
    },
  );

  app.post(
    '/api/persons/:personId/unmask',
    {
      config: { access: 'person.unmask' },
      schema: {
        tags: ['master data'],
        summary: "Show a person's full resident ID, phone and address. Needs a reason; every unmasking is audited.",
        params: PersonId,
        body: Type.Object({ reason: Type.String({ minLength: 2, maxLength: 200 }) }, { additionalProperties: false }),
        response: responses({ 200: PersonFull }),
      },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      const { reason } = request.body as { reason: string };
      const person = await getPerson(app.db, personId);
      if (!person) throw new AppError('NOT_FOUND');
      assertCanSeePerson(request.principal!, person);
      await appendAudit(app.db, request.actor, { action: 'person.unmask', objectType: 'person', objectId: personId, after: { reason, residentId: maskResidentId(person.resident_id) } });
      return presentPersonFull(person);
    },
  );

  app.patch(
    '/api/persons/:personId',
    {
      config: { access: 'person.write' },
      schema: { tags: ['master data'], summary: 'Correct a person\'s contact or residence fields (provenance: this channel)', params: PersonId, body: PersonPatch, response: responses({ 200: Type.Object({ person: PersonMasked, changed: Type.Array(Type.String()), keptByProvenance: Type.Array(Type.String()) }) }) },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      const body = request.body as Static<typeof PersonPatch>;
      const person = await getPerson(app.db, personId);
      if (!person) throw new AppError('NOT_FOUND');
      assertCanSeePerson(request.principal!, person);
      const v = validatePerson({
        residentId: person.resident_id,
        name: body.name ?? person.name,
        phone: body.phone === undefined ? person.phone : body.phone,
        address: body.address === undefined ? person.address : body.address,
        regionCode: body.regionCode ?? person.region_code,
      });
      if (!v.ok) throw new AppError('VALIDATION_FAILED', { errors: v.errors.map((e) => ({ field: `/body/${e.field}`, reason: e.reason, code: e.code })) });
      const changes: Record<string, string | null> = {};
      if (body.name !== undefined) changes.name = v.value.name;
      if (body.phone !== undefined) changes.phone = v.value.phone;
      if (body.address !== undefined) changes.address = v.value.address;
      if (body.regionCode !== undefined) changes.region_code = v.value.region_code;
      const outcome = await updatePerson(app.db, request.actor, channelSource(request), personId, changes, body.version);
      return { person: presentPersonMasked(outcome.person), changed: outcome.changed, keptByProvenance: outcome.keptByProvenance };
    },
  );

  app.get(
    '/api/persons/:personId/history',
    {
      config: { access: 'person.read' },
      schema: {
        tags: ['master data'],
        summary: 'Field history with provenance (source, reference, who, when); values of identifiers masked',
        params: PersonId,
        response: responses({ 200: Type.Object({ items: Type.Array(Type.Object({ field: Type.String(), value: Type.Union([Type.String(), Type.Null()]), source: Type.String(), ref: Type.String(), actor: Type.Union([Type.String(), Type.Null()]), at: Type.String() })) }) }),
      },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      const person = await getPerson(app.db, personId);
      if (!person) throw new AppError('NOT_FOUND');
      assertCanSeePerson(request.principal!, person);
      const rows = await personHistory(app.db, personId);
      return {
        items: rows.map((r) => ({
          field: r.field,
          value: r.field === 'phone' ? (r.value ? r.value.slice(0, 3) + '****' + r.value.slice(-4) : null) : r.field === 'address' ? (r.value ? '[set]' : null) : r.value,
          source: r.source_kind,
          ref: r.source_ref,
          actor: r.actor,
          at: new Date(r.recorded_at).toISOString(),
        })),
      };
    },
  );

  const OrgOut = Type.Object({ orgId: Type.String(), creditCode: Type.String(), name: Type.String(), orgType: Type.String(), industryCode: Type.Union([Type.String(), Type.Null()]), regionCode: Type.String() });

  app.get(
    '/api/organisations',
    {
      config: { access: 'organisation.read' },
      schema: { tags: ['master data'], summary: 'Search organisations by credit code or name', querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 60 }) }, { additionalProperties: false }), response: responses({ 200: Type.Object({ items: Type.Array(OrgOut) }) }) },
    },
    async (request) => ({ items: await searchOrganisations(app.db, (request.query as { q: string }).q) }),
  );

  app.get(
    '/api/organisations/:orgId',
    { config: { access: 'organisation.read' }, schema: { tags: ['master data'], summary: 'One organisation', params: Type.Object({ orgId: Type.String({ format: 'uuid' }) }), response: responses({ 200: OrgOut }) } },
    async (request) => {
      const org = await getOrganisation(app.db, (request.params as { orgId: string }).orgId);
      if (!org) throw new AppError('NOT_FOUND');
      return org;
    },
  );

  const OrgCreate = Type.Object(
    { creditCode: Type.String({ minLength: 1, maxLength: 30 }), name: Type.String({ minLength: 1, maxLength: 100 }), orgType: Type.String({ minLength: 1, maxLength: 40 }), industryCode: Type.Optional(Type.String({ maxLength: 10 })), regionCode: Type.String({ minLength: 6, maxLength: 12 }) },
    { additionalProperties: false },
  );
  app.post(
    '/api/organisations',
    { config: { access: 'organisation.write' }, schema: { tags: ['master data'], summary: 'Register an organisation by its unified social credit code', body: OrgCreate, response: responses({ 201: OrgOut }) } },
    async (request, reply) => {
      const v = validateOrganisation(request.body as Static<typeof OrgCreate>);
      if (!v.ok) throw new AppError('VALIDATION_FAILED', { errors: v.errors });
      const org = await createOrganisation(app.db, request.actor, v.value);
      return reply.status(201).send(org);
    },
  );

  const Duplicate = Type.Object({ id: Type.Integer(), personId: Type.String(), existing: PersonMasked, candidate: Type.Record(Type.String(), Type.Unknown()), reason: Type.String(), sourceRef: Type.String(), status: Type.String(), createdAt: Type.String() });
  app.get(
    '/api/duplicates',
    { config: { access: 'duplicate.review' }, schema: { tags: ['master data'], summary: 'Suspected duplicates waiting for review (never merged silently)', querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('same_person'), Type.Literal('different_persons')])) }, { additionalProperties: false }), response: responses({ 200: Type.Object({ items: Type.Array(Duplicate) }) }) } },
    async (request) => {
      const prefix = regionPrefixFor(request.principal!);
      if (prefix === null) throw new AppError('FORBIDDEN');
      return { items: await listDuplicates(app.db, prefix, (request.query as { status?: 'open' }).status ?? 'open') };
    },
  );
  app.post(
    '/api/duplicates/:id/resolve',
    {
      config: { access: 'duplicate.review' },
      schema: { tags: ['master data'], summary: 'Decide a suspected duplicate: the same person (ID typo) or different persons', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), body: Type.Object({ decision: Type.Union([Type.Literal('same_person'), Type.Literal('different_persons')]), note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), response: responses({ 200: Duplicate }) },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const body = request.body as { decision: 'same_person' | 'different_persons'; note?: string };
      return resolveDuplicate(app.db, request.actor, request.principal!, id, body.decision, body.note ?? null);
    },
  );

  app.get(
    '/api/regions',
    { config: { access: 'agency.read' }, schema: { tags: ['agencies'], summary: 'Administrative regions (GB/T 2260) below a parent', querystring: Type.Object({ parent: Type.Optional(Type.String({ maxLength: 12 })) }, { additionalProperties: false }), response: responses({ 200: Type.Object({ items: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), level: Type.Integer(), parentCode: Type.Union([Type.String(), Type.Null()]) })) }) }) } },
    async (request) => {
      const { parent } = request.query as { parent?: string };
      let q = app.db.selectFrom('regions').selectAll().orderBy('code').limit(2000);
      q = parent ? q.where('parent_code', '=', parent) : q.where('level', '<=', 2);
      const rows = await q.execute();
      return { items: rows.map((r) => ({ code: r.code, name: r.name, level: r.level, parentCode: r.parent_code })) };
    },
  );
  app.get(
    '/api/service-points',
    { config: { access: 'agency.read' }, schema: { tags: ['agencies'], summary: 'Service points in a region', querystring: Type.Object({ region: Type.Optional(Type.String({ maxLength: 12 })), kind: Type.Optional(Type.String({ maxLength: 30 })) }, { additionalProperties: false }), response: responses({ 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), regionCode: Type.String(), address: Type.Union([Type.String(), Type.Null()]) })) }) }) } },
    async (request) => {
      const { region, kind } = request.query as { region?: string; kind?: string };
      let q = app.db.selectFrom('service_points').selectAll().orderBy('id').limit(2000);
      if (region) q = q.where('region_code', 'like', `${region.replace(/[\\%_]/g, '')}%`);
      if (kind) q = q.where('kind', '=', kind as 'town_office');
      const rows = await q.execute();
      return { items: rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, regionCode: r.region_code, address: r.address })) };
    },
  );
}
