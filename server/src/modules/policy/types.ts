/**
 * Law and policy as data: the shapes shared by the policy module (parameters, rules,
 * calendars), the catalogue (items whose conditions are rules) and the case engine
 * (decisions stored with their trace). Owned by the policy module.
 */

/** Where a rule or value comes from. `law` is the name as published (zh), e.g. 《中华人民共和国社会保险法》. */
export interface Citation {
  law: string;
  /** e.g. 第四十五条 */
  article?: string;
  /** Document number, e.g. 国发〔2005〕38号 */
  docNo?: string;
  /** When the cited text took effect (YYYY-MM-DD). */
  effectiveFrom?: string;
  url?: string;
}

/** National rules are the law; local illustrations are this demo city's own values. */
export type ParameterScope = 'national' | 'provincial' | 'local-illustration';

/** One value of a parameter, valid from `effectiveFrom` until the next version's date. */
export interface ParameterVersion<T = unknown> {
  key: string;
  /** Stable id of this exact value (decisions record it; replay uses it). */
  versionId: string;
  effectiveFrom: string;
  /** Exclusive end: the next published version's effectiveFrom, or null. */
  effectiveTo: string | null;
  value: T;
  unit: string;
  scope: ParameterScope;
  citation: Citation;
}

export type RetirementCategory = 'male' | 'female-cadre' | 'female-worker';

/** What the rules may look at. Built by the case engine from master data, the rights record and the answers. */
export interface Facts {
  /** The day the rules are evaluated for (YYYY-MM-DD). */
  asOf: string;
  applicant: {
    kind: 'person' | 'organisation';
    personId?: string;
    orgId?: string;
    name: string;
    sex?: 'M' | 'F';
    birthDate?: string;
    /** Whole years on asOf. */
    age?: number;
    regionCode: string;
    /** Social security card: none | active | lost | frozen | … */
    cardStatus?: string;
    retired?: boolean;
    /**
     * Which retirement age applies to a woman: 'female-cadre' (原法定退休年龄55周岁) or
     * 'female-worker' (50周岁). Men are 'male' from `sex`. Also read from `answers.retirementCategory`.
     */
    retirementCategory?: RetirementCategory;
  };
  rights: {
    /** Status per insurance type ('active' | 'suspended' | 'stopped' | 'retired' | 'none'). */
    insured: Record<string, string>;
    /** Paid + prior (transferred-in) months per insurance type. */
    contributionMonths: Record<string, number>;
    /** Personal pension account balance in yuan. */
    accountBalance?: number;
    /**
     * 本人平均缴费工资指数: the average of each recorded month's base over that year's
     * average wage (months carried over without bases count at 1.0).
     */
    averageIndex?: number;
  };
  /** What the applicant answered (the item's form). */
  answers: Record<string, unknown>;
}

/** A condition or calculation written in FEEL over Facts (`applicant.age >= 60`). */
export interface RuleSpec {
  id: string;
  name: { zh: string; en: string };
  /** FEEL expression; conditions yield a boolean, calculations any value. */
  expression: string;
  citation: Citation;
  /** Shown when a condition fails. */
  failMessage?: { zh: string; en: string };
}

export interface TraceEntry {
  ruleId: string;
  /** Conditions decide eligibility; calculations produce `value` (kept so a replay knows which is which). */
  kind?: 'condition' | 'calculation';
  name: { zh: string; en: string };
  expression: string;
  /** The facts and parameter values the expression read. */
  values: Record<string, unknown>;
  /** pass/fail for conditions; 'unknown' when a fact it needs is not known yet. */
  result: 'pass' | 'fail' | 'unknown';
  /** For calculations: the computed value. */
  value?: unknown;
  citation: Citation;
  failMessage?: { zh: string; en: string };
  /** The parameter versions (and derived values' parameters) this rule read. */
  parameters?: ParameterUse[];
  /** Why a rule came out 'unknown' or looked odd (a fact missing, a non-boolean condition …). */
  warnings?: string[];
}

export interface ParameterUse {
  key: string;
  versionId: string;
  value: unknown;
}

/** The outcome of evaluating rules, stored with a case so it can be explained and replayed. */
export interface Decision {
  outcome: 'eligible' | 'ineligible' | 'undetermined';
  asOf: string;
  trace: TraceEntry[];
  /** Exactly which parameter versions were used. */
  parameters: ParameterUse[];
  /** Calculated values by rule id (e.g. maxMonths). */
  results: Record<string, unknown>;
  /** SM3 of the canonical facts, so a replay can prove it saw the same inputs. */
  factsHash: string;
}

/** Status of a parameter version: drafts are invisible to evaluation until published. */
export type ParameterStatus = 'draft' | 'published' | 'withdrawn';

/** A parameter version with its administrative history (timeline and API). */
export interface ParameterVersionRecord<T = unknown> extends ParameterVersion<T> {
  status: ParameterStatus;
  source: 'yaml' | 'api';
  createdBy: string;
  createdAt: string;
  publishedBy: string | null;
  publishedAt: string | null;
  reason: string | null;
  /** True for a published version replaced by a later publication for the same effective date. */
  superseded: boolean;
}

/** What a parameter is (from catalog/parameters/*.yaml). */
export interface ParameterDefinition {
  key: string;
  name: { zh: string; en: string };
  unit: string;
  scope: ParameterScope;
  description?: string;
}

/** A statutory retirement age. */
export interface AgeYm {
  years: number;
  months: number;
}
