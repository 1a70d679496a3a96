import { Type, type TSchema, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * The shape of each known parameter's value. The calculations read these, so a value that
 * does not fit is refused at load (YAML) and at drafting (API), never at evaluation.
 * Parameters not listed here may hold any JSON value.
 */
const Int = (opts: { minimum?: number; maximum?: number } = {}) => Type.Integer({ minimum: 0, ...opts });
const MonthOrNull = Type.Union([Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' }), Type.Null()]);
const Age = Type.Object({ years: Int({ maximum: 100 }), months: Int({ maximum: 11 }) }, { additionalProperties: false });

export const RetirementCategoryRule = Type.Object(
  {
    originalAge: Age,
    targetAge: Age,
    /** First birth month whose age is delayed; null = no delay (the pre-reform rule). */
    firstBirthMonth: MonthOrNull,
    birthMonthsPerStep: Int({ minimum: 1 }),
    monthsPerStep: Int(),
  },
  { additionalProperties: false },
);
export const RetirementRules = Type.Object(
  { male: RetirementCategoryRule, 'female-cadre': RetirementCategoryRule, 'female-worker': RetirementCategoryRule },
  { additionalProperties: false },
);
export type RetirementRulesValue = Static<typeof RetirementRules>;
export type RetirementCategoryRuleValue = Static<typeof RetirementCategoryRule>;

export const FlexibleRetirement = Type.Object({ maxEarlierMonths: Int(), maxLaterMonths: Int() }, { additionalProperties: false });
export type FlexibleRetirementValue = Static<typeof FlexibleRetirement>;

export const MinContribution = Type.Object(
  { baseMonths: Int(), firstYear: Type.Union([Int({ minimum: 1900, maximum: 2200 }), Type.Null()]), monthsPerYear: Int(), targetMonths: Int() },
  { additionalProperties: false },
);
export type MinContributionValue = Static<typeof MinContribution>;

export const MonthsDivisor = Type.Record(Type.String({ pattern: '^[0-9]{2}$' }), Int({ minimum: 1 }), { minProperties: 1 });
export type MonthsDivisorValue = Static<typeof MonthsDivisor>;

export const MaxMonthsBands = Type.Array(Type.Object({ fromMonths: Int(), maxMonths: Int() }, { additionalProperties: false }), { minItems: 1 });
export type MaxMonthsBandsValue = Static<typeof MaxMonthsBands>;

export const BaseLimits = Type.Object({ floorShare: Type.Number({ minimum: 0, maximum: 10 }), ceilingShare: Type.Number({ minimum: 0, maximum: 10 }) }, { additionalProperties: false });

const RateEntry = Type.Object({}, { additionalProperties: true });
export const ContributionRates = Type.Object({
  pension_employee: RateEntry,
  unemployment: RateEntry,
  work_injury: RateEntry,
  medical_employee: RateEntry,
  pension_flexible: RateEntry,
});

export const VALUE_SCHEMAS: Record<string, TSchema> = {
  'retirement.rules': RetirementRules,
  'retirement.flexible': FlexibleRetirement,
  'pension.min_contribution_years': MinContribution,
  'pension.months_divisor': MonthsDivisor,
  'pension.basic_share_per_year': Int({ maximum: 10_000 }),
  'pension.crediting_rate': Type.Integer({ minimum: -10_000, maximum: 10_000 }),
  'wage.average_monthly': Int(),
  'wage.minimum_monthly': Int(),
  'contribution.rates': ContributionRates,
  'contribution.base_limits': BaseLimits,
  'unemployment.min_contribution_months': Int(),
  'unemployment.max_months_bands': MaxMonthsBands,
  'unemployment.benefit_share_of_minimum_wage': Type.Number({ minimum: 0, maximum: 1 }),
};

/** Problems with a value (path relative to the value, reason), empty when it fits. */
export function valueProblems(key: string, value: unknown): { path: string; reason: string }[] {
  if (value === undefined) return [{ path: '', reason: 'a value is required' }];
  const schema = VALUE_SCHEMAS[key];
  const out: { path: string; reason: string }[] = [];
  if (schema) {
    for (const e of Value.Errors(schema, value)) {
      out.push({ path: e.path, reason: e.message });
      if (out.length >= 20) break;
    }
  }
  if (out.length) return out;
  // Rules the schema cannot say.
  if (key === 'unemployment.max_months_bands') {
    const bands = value as MaxMonthsBandsValue;
    for (let i = 1; i < bands.length; i++) {
      if (bands[i]!.fromMonths <= bands[i - 1]!.fromMonths) out.push({ path: `/${i}/fromMonths`, reason: 'bands must be in ascending order of fromMonths' });
    }
  }
  if (key === 'retirement.rules') {
    for (const [cat, rule] of Object.entries(value as RetirementRulesValue)) {
      const from = rule.originalAge.years * 12 + rule.originalAge.months;
      const to = rule.targetAge.years * 12 + rule.targetAge.months;
      if (to < from) out.push({ path: `/${cat}/targetAge`, reason: 'the target age is below the original age' });
    }
  }
  if (key === 'contribution.base_limits') {
    const v = value as Static<typeof BaseLimits>;
    if (v.ceilingShare < v.floorShare) out.push({ path: '/ceilingShare', reason: 'the ceiling is below the floor' });
  }
  return out;
}
