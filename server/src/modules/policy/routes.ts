import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { DATE_PATTERN, MONTH_PATTERN } from '../../lib/dates.js';
import { calcDueDate, calcPension, calcRetirement, calcUnemployment, CalculatorInputError } from './calculator.js';
import { todayInChina } from './months.js';
import { createParameterDraft, listParameters, parameterSnapshot, parameterTimeline, ParameterChangeError, ParameterNotFoundError, publishParameterDraft } from './parameters.js';
import { policyState } from './store.js';
import { calendarDays, CalendarRangeError } from './calendar-days.js';

const Scope = Type.Union([Type.Literal('national'), Type.Literal('provincial'), Type.Literal('local-illustration')]);
const Citation = Type.Object(
  {
    law: Type.String({ minLength: 1, maxLength: 300 }),
    article: Type.Optional(Type.String({ maxLength: 200 })),
    docNo: Type.Optional(Type.String({ maxLength: 100 })),
    effectiveFrom: Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN })),
    url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
  },
  { additionalProperties: false },
);
const Name = Type.Object({ zh: Type.String(), en: Type.String() });
const Version = Type.Object({
  key: Type.String(),
  versionId: Type.String(),
  effectiveFrom: Type.String(),
  effectiveTo: Type.Union([Type.String(), Type.Null()]),
  value: Type.Unknown(),
  unit: Type.String(),
  scope: Scope,
  citation: Citation,
});
const VersionRecord = Type.Object({
  ...Version.properties,
  status: Type.String(),
  source: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  publishedBy: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  superseded: Type.Boolean(),
});
const Definition = { key: Type.String(), name: Name, unit: Type.String(), scope: Scope, description: Type.Optional(Type.String()) };
const KeyParam = Type.Object({ key: Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$', maxLength: 100 }) });
const ParameterUse = Type.Object({ key: Type.String(), versionId: Type.String(), value: Type.Unknown() });
const Age = Type.Object({ years: Type.Integer(), months: Type.Integer() });

// Calculator input names (CLI style) → the API's body fields.
const FIELD: Record<string, string> = { birth: 'birthMonth', 'contribution-months': 'contributionMonths', 'avg-wage': 'avgWage', 'account-balance': 'accountBalance' };

function calculatorErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CalculatorInputError) throw new AppError('VALIDATION_FAILED', { errors: [{ field: `/body/${FIELD[e.field] ?? e.field}`, reason: e.reason }] });
    if (e instanceof RangeError) throw new AppError('VALIDATION_FAILED', { detail: e.message });
    throw e;
  }
}

function changeErrors(e: unknown): never {
  if (e instanceof ParameterChangeError) throw new AppError(e.code, { detail: e.message, ...(e.errors.length ? { errors: e.errors } : {}) });
  if (e instanceof ParameterNotFoundError) throw new AppError('NOT_FOUND', { detail: e.message });
  throw e;
}

export async function policyRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/parameters',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'Policy parameters with the version in effect on a day (default today), versions to come and open drafts',
        querystring: Type.Object({ asOf: Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN })) }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ asOf: Type.String(), parameters: Type.Array(Type.Object({ ...Definition, current: Type.Union([Version, Type.Null()]), upcoming: Type.Array(Version), drafts: Type.Integer() })) }) }),
      },
    },
    async (request) => {
      const { asOf } = request.query as { asOf?: string };
      const day = asOf ?? todayInChina();
      return { asOf: day, parameters: await listParameters(app.db, day) };
    },
  );

  app.get(
    '/api/parameters/:key',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'One parameter: every version (drafts, superseded and in effect) with its citation',
        params: KeyParam,
        response: responses({ 200: Type.Object({ ...Definition, timeline: Type.Array(VersionRecord) }) }),
      },
    },
    async (request) => {
      const { key } = request.params as { key: string };
      const def = (await parameterSnapshot(app.db)).definitions.get(key);
      if (!def) throw new AppError('NOT_FOUND', { detail: `no such parameter: ${key}` });
      return { ...def, timeline: await parameterTimeline(app.db, key).catch(changeErrors) };
    },
  );

  app.post(
    '/api/parameters/:key/drafts',
    {
      config: { access: 'policy.manage' },
      schema: {
        tags: ['policy'],
        summary: 'Propose a new value from an effective date (today or later); it applies only once another administrator publishes it',
        params: KeyParam,
        body: Type.Object(
          {
            value: Type.Unknown(),
            effectiveFrom: Type.String({ format: 'date', pattern: DATE_PATTERN }),
            citation: Citation,
            reason: Type.String({ minLength: 2, maxLength: 500 }),
            scope: Type.Optional(Scope),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: VersionRecord }),
      },
    },
    async (request, reply) => {
      const { key } = request.params as { key: string };
      const body = request.body as { value: unknown; effectiveFrom: string; citation: Record<string, string>; reason: string; scope?: 'national' };
      if (body.value === undefined) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/value', reason: 'a value is required' }] });
      const rec = await createParameterDraft(app.db, request.actor, key, { value: body.value, effectiveFrom: body.effectiveFrom, citation: body.citation as never, reason: body.reason, ...(body.scope ? { scope: body.scope } : {}) }).catch(changeErrors);
      return reply.status(201).send(rec);
    },
  );

  app.post(
    '/api/parameters/:key/drafts/:versionId/publish',
    {
      config: { access: 'policy.manage' },
      schema: {
        tags: ['policy'],
        summary: 'Publish a draft (four eyes: an administrator other than the drafter); audited, and announced as parameter.published',
        params: Type.Object({ ...KeyParam.properties, versionId: Type.String({ format: 'uuid' }) }),
        response: responses({ 200: VersionRecord }),
      },
    },
    async (request) => {
      const { key, versionId } = request.params as { key: string; versionId: string };
      return publishParameterDraft(app.db, request.actor, key, versionId).catch(changeErrors);
    },
  );

  const AsOf = Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN, description: 'rules in effect on this day (default today)' }));

  app.post(
    '/api/calc/retirement',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'Calculator: statutory retirement month and age (2025 reform), minimum contribution years, flexible window',
        body: Type.Object({ birthMonth: Type.String({ pattern: MONTH_PATTERN }), category: Type.Union([Type.Literal('male'), Type.Literal('female-cadre'), Type.Literal('female-worker')]), asOf: AsOf }, { additionalProperties: false }),
        response: responses({
          200: Type.Object({
            retirementMonth: Type.String(),
            age: Age,
            minContributionYears: Type.Number(),
            flexible: Type.Union([Type.Object({ earliestMonth: Type.String(), latestMonth: Type.String() }), Type.Null()]),
            parameters: Type.Array(ParameterUse),
          }),
        }),
      },
    },
    async (request) => {
      const b = request.body as { birthMonth: string; category: string; asOf?: string };
      const snapshot = await parameterSnapshot(app.db);
      return calculatorErrors(() => calcRetirement(snapshot, { birthMonth: b.birthMonth, category: b.category, asOf: b.asOf ?? todayInChina() }));
    },
  );

  app.post(
    '/api/calc/unemployment',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'Calculator: unemployment benefit eligibility and maximum months (社会保险法 第四十五条、第四十六条)',
        body: Type.Object({ contributionMonths: Type.Integer({ minimum: 0, maximum: 1200 }), asOf: AsOf }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ eligible: Type.Boolean(), maxMonths: Type.Integer(), parameters: Type.Array(ParameterUse) }) }),
      },
    },
    async (request) => {
      const b = request.body as { contributionMonths: number; asOf?: string };
      const snapshot = await parameterSnapshot(app.db);
      return calculatorErrors(() => calcUnemployment(snapshot, { contributionMonths: b.contributionMonths, asOf: b.asOf ?? todayInChina() }));
    },
  );

  const Decimal = (description: string) => Type.String({ pattern: '^[0-9]{1,12}(\\.[0-9]{1,6})?$', description });
  app.post(
    '/api/calc/pension',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'Calculator: monthly basic pension (basic + personal-account part), yuan rounded half-up to the fen',
        body: Type.Object(
          {
            avgWage: Decimal('average monthly wage, yuan'),
            index: Decimal('average contribution wage index'),
            years: Decimal('contribution years'),
            accountBalance: Decimal('personal account balance, yuan'),
            age: Type.Integer({ minimum: 0, maximum: 120 }),
            asOf: AsOf,
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ basic: Type.String(), account: Type.String(), total: Type.String(), divisor: Type.Integer(), parameters: Type.Array(ParameterUse) }) }),
      },
    },
    async (request) => {
      const b = request.body as { avgWage: string; index: string; years: string; accountBalance: string; age: number; asOf?: string };
      const snapshot = await parameterSnapshot(app.db);
      return calculatorErrors(() => calcPension(snapshot, { ...b, asOf: b.asOf ?? todayInChina() }));
    },
  );

  app.get(
    '/api/calendar/due',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'Due date N working days after a day (the day itself not counted); says when Monday–Friday had to be assumed',
        querystring: Type.Object({ from: Type.String({ format: 'date', pattern: DATE_PATTERN }), days: Type.Integer({ minimum: 0, maximum: 3660 }) }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ due: Type.String(), assumedWeekdaysFor: Type.Array(Type.Integer()) }) }),
      },
    },
    async (request) => {
      const q = request.query as { from: string; days: number };
      const { calendar } = await policyState(app.db);
      return calculatorErrors(() => calcDueDate(calendar, q));
    },
  );

  app.get(
    '/api/calendar/days',
    {
      config: { access: 'policy.read' },
      schema: {
        tags: ['policy'],
        summary: 'Every day of a year (or of from–to, at most 366 days): weekday, weekend, public holiday or make-up working day (调休上班), with the holiday name and the calendar version and citation',
        querystring: Type.Object(
          {
            year: Type.Optional(Type.Integer({ minimum: 1990, maximum: 2200 })),
            from: Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN })),
            to: Type.Optional(Type.String({ format: 'date', pattern: DATE_PATTERN })),
          },
          { additionalProperties: false },
        ),
        response: responses({
          200: Type.Object({
            from: Type.String(),
            to: Type.String(),
            calendars: Type.Array(Type.Object({ year: Type.Integer(), version: Type.String(), loadedAt: Type.String(), citation: Citation })),
            assumedWeekdaysFor: Type.Array(Type.Integer()),
            days: Type.Array(
              Type.Object({
                date: Type.String(),
                kind: Type.Union(['weekday', 'weekend', 'holiday', 'make-up-working-day'].map((k) => Type.Literal(k))),
                working: Type.Boolean(),
                name: Type.Union([Name, Type.Null()]),
                fromCalendar: Type.Boolean(),
              }),
            ),
          }),
        }),
      },
    },
    async (request) => {
      const q = request.query as { year?: number; from?: string; to?: string };
      const field = (name: string, reason: string, code: string) => new AppError('VALIDATION_FAILED', { errors: [{ field: `/querystring/${name}`, reason, code }] });
      if (q.year !== undefined && (q.from !== undefined || q.to !== undefined)) throw field('year', 'give a year or from and to, not both', 'exclusive');
      if (q.year === undefined && (q.from === undefined || q.to === undefined)) throw field(q.from === undefined ? 'from' : 'to', 'give a year, or both from and to', 'required');
      const from = q.year !== undefined ? `${q.year}-01-01` : q.from!;
      const to = q.year !== undefined ? `${q.year}-12-31` : q.to!;
      try {
        return await calendarDays(app.db, from, to);
      } catch (e) {
        if (e instanceof CalendarRangeError) throw field(e.field, e.reason, 'range');
        throw e;
      }
    },
  );
}
