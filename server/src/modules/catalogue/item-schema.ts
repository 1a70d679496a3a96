/**
 * The JSON Schema (TypeBox) of a service item, mirroring `ServiceItem` in types.ts. The same
 * schema checks catalog/items/*.yaml at start and every draft an administrator sends through
 * the API, so both paths accept exactly the same definitions.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DATE_PATTERN } from '../../lib/dates.js';
import { CHANNELS, DOMAINS, STEP_KINDS } from './types.js';

const strict = { additionalProperties: false } as const;
const Text = (max = 500) => Type.String({ minLength: 1, maxLength: max });

export const LocalisedSchema = Type.Object({ zh: Text(), en: Text() }, strict);

export const CitationSchema = Type.Object(
  {
    law: Text(200),
    article: Type.Optional(Text(200)),
    docNo: Type.Optional(Text(100)),
    effectiveFrom: Type.Optional(Type.String({ pattern: DATE_PATTERN })),
    url: Type.Optional(Type.String({ pattern: '^https?://' })),
  },
  strict,
);

/** Legal basis entries must say when the cited text took effect. */
const LegalBasisSchema = Type.Object(
  {
    law: Text(200),
    article: Type.Optional(Text(200)),
    docNo: Type.Optional(Text(100)),
    effectiveFrom: Type.String({ pattern: DATE_PATTERN }),
    url: Type.Optional(Type.String({ pattern: '^https?://' })),
  },
  strict,
);

const IdPattern = '^[a-z][a-z0-9_]*$';

export const RuleSpecSchema = Type.Object(
  {
    id: Type.String({ pattern: IdPattern, maxLength: 60 }),
    name: LocalisedSchema,
    expression: Text(2000),
    citation: CitationSchema,
    failMessage: Type.Optional(LocalisedSchema),
  },
  strict,
);

const ReuseSchema = Type.Union([
  Type.Object({ from: Type.Literal('masterdata'), field: Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_.]*$' }) }, strict),
  Type.Object({ from: Type.Literal('archives'), category: Type.String({ pattern: IdPattern }) }, strict),
]);

export const MaterialSchema = Type.Object(
  {
    code: Type.String({ pattern: IdPattern, maxLength: 60 }),
    name: LocalisedSchema,
    requiredWhen: Type.Optional(Text(2000)),
    reuse: Type.Optional(ReuseSchema),
    original: Type.Optional(Type.Boolean()),
    copies: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    note: Type.Optional(LocalisedSchema),
  },
  strict,
);

export const StepSchema = Type.Object(
  {
    key: Type.Union(STEP_KINDS.map((k) => Type.Literal(k))),
    name: LocalisedSchema,
    role: Type.String({ minLength: 1, maxLength: 40 }),
    scope: Type.Union([Type.Literal('service_point'), Type.Literal('region'), Type.Literal('central')]),
    statutoryDays: Type.Integer({ minimum: 0, maximum: 400 }),
    promisedDays: Type.Integer({ minimum: 0, maximum: 400 }),
    note: Type.Optional(LocalisedSchema),
  },
  strict,
);

export const ChainSchema = Type.Object(
  {
    on: Type.Union([Type.Literal('approved'), Type.Literal('completed')]),
    action: Type.Union(['start_item', 'set_insured_status', 'set_card_status', 'start_pension', 'start_unemployment_benefit', 'event'].map((a) => Type.Literal(a))),
    item: Type.Optional(Type.String()),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    when: Type.Optional(Text(2000)),
  },
  strict,
);

/**
 * One form field: the subset of JSON Schema the wizard renders. `title` is Chinese,
 * `x-title-en` English; `x-prefill` names the fact that answers it (never asked again).
 */
const FieldTypes = ['string', 'integer', 'number', 'boolean', 'array', 'object'] as const;
export const FormFieldSchema = Type.Object(
  {
    type: Type.Union(FieldTypes.map((t) => Type.Literal(t))),
    title: Text(100),
    'x-title-en': Text(200),
    description: Type.Optional(Text(500)),
    'x-description-en': Type.Optional(Text(1000)),
    enum: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { minItems: 1 })),
    /** Labels of enum values, same order: [{zh, en}]. */
    'x-enum-titles': Type.Optional(Type.Array(LocalisedSchema)),
    format: Type.Optional(Type.Union(['date', 'email', 'uri', 'month'].map((f) => Type.Literal(f)))),
    pattern: Type.Optional(Text(200)),
    minimum: Type.Optional(Type.Number()),
    maximum: Type.Optional(Type.Number()),
    minLength: Type.Optional(Type.Integer({ minimum: 0 })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1 })),
    default: Type.Optional(Type.Unknown()),
    items: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    'x-prefill': Type.Optional(Type.String({ pattern: '^(applicant|rights|derived|organisation)(\\.[A-Za-z_][A-Za-z0-9_]*)+$' })),
    /** Money in fen: the UI shows yuan. */
    'x-unit': Type.Optional(Type.Union([Type.Literal('fen'), Type.Literal('months'), Type.Literal('days'), Type.Literal('yuan')])),
  },
  strict,
);

export const FormSchema = Type.Object(
  {
    type: Type.Literal('object'),
    properties: Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9]*$' }), FormFieldSchema),
    required: Type.Optional(Type.Array(Type.String())),
    additionalProperties: Type.Optional(Type.Boolean()),
    /** The order the wizard asks the fields in; the loader writes it from the file's order (jsonb forgets it). */
    'x-order': Type.Optional(Type.Array(Type.String())),
  },
  strict,
);

const ItemCodePattern = '^[0-9]{6}-(SB|JY|RC|LD|SK)-[0-9]{4}$';

export const ServiceItemSchema = Type.Object(
  {
    code: Type.String({ pattern: ItemCodePattern }),
    name: LocalisedSchema,
    domain: Type.Union(DOMAINS.map((d) => Type.Literal(d))),
    applicant: Type.Union([Type.Literal('person'), Type.Literal('organisation')]),
    legalBasis: Type.Array(LegalBasisSchema, { minItems: 1 }),
    summary: Type.Optional(LocalisedSchema),
    instant: Type.Boolean(),
    channels: Type.Array(Type.Union(CHANNELS.map((c) => Type.Literal(c))), { minItems: 1, uniqueItems: true }),
    form: FormSchema,
    conditions: Type.Array(RuleSpecSchema),
    calculations: Type.Optional(Type.Array(RuleSpecSchema)),
    materials: Type.Array(MaterialSchema),
    steps: Type.Array(StepSchema, { minItems: 1 }),
    timeLimit: Type.Object(
      {
        statutoryDays: Type.Integer({ minimum: 0, maximum: 400 }),
        promisedDays: Type.Integer({ minimum: 0, maximum: 400 }),
        /** Statutory extension (延长) in working days, e.g. arbitration +15 days. */
        extensionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 400 })),
        /** The law's own wording of the limit, and how calendar days were converted. */
        note: Type.Optional(LocalisedSchema),
      },
      strict,
    ),
    fee: Type.Object({ amountFen: Type.Integer({ minimum: 0 }), basis: Type.Optional(CitationSchema) }, strict),
    outcomeDocuments: Type.Array(Type.String({ pattern: IdPattern }), { minItems: 1 }),
    chains: Type.Optional(Type.Array(ChainSchema)),
    effectiveFrom: Type.Optional(Type.String({ pattern: DATE_PATTERN })),
    keywords: Type.Optional(Type.Array(Text(40))),
  },
  strict,
);

export type ServiceItemInput = Static<typeof ServiceItemSchema>;

/** Domain → the two letters in an item code. */
export const DOMAIN_CODE: Record<string, string> = { social_insurance: 'SB', employment: 'JY', talent: 'RC', labour_rights: 'LD', card: 'SK' };
