/**
 * A service item (事项) as the catalogue describes it: configuration grounded in law.
 * `catalog/items/*.yaml` files hold these; the catalogue module validates them at start
 * and keeps every published version. Owned by the catalogue module.
 */
import type { Citation, RuleSpec } from '../policy/types.js';

export type Localised = { zh: string; en: string };

export const DOMAINS = ['social_insurance', 'employment', 'talent', 'labour_rights', 'card'] as const;
export type Domain = (typeof DOMAINS)[number];

export const CHANNELS = ['counter', 'kiosk', 'web', 'mobile', 'partner', 'hotline'] as const;
export type Channel = (typeof CHANNELS)[number];

/** 受理 acceptance → 审核 review → 复核/审批 approval → 办结 completion → 送达 delivery */
export const STEP_KINDS = ['accept', 'review', 'approve', 'complete', 'deliver'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Where a step's task is queued: the accepting service point, the applicant's region, or the domain's central back office. */
export type StepScope = 'service_point' | 'region' | 'central';

export interface ItemStep {
  key: StepKind;
  name: Localised;
  /** A role from iam/roles.ts (teller, reviewer, approver, …). */
  role: string;
  scope: StepScope;
  /** Working days for this step (statutory = by law; promised = the bureau's own promise). */
  statutoryDays: number;
  promisedDays: number;
  note?: Localised;
}

export interface MaterialSpec {
  code: string;
  name: Localised;
  /** FEEL over Facts; absent = always required. */
  requiredWhen?: string;
  /** 免提交: the system can take it from master data or the archives instead. */
  reuse?: { from: 'masterdata'; field: string } | { from: 'archives'; category: string };
  /** Original to be shown, copies to be kept. */
  original?: boolean;
  copies?: number;
  note?: Localised;
}

export interface ChainTrigger {
  /** When the case ends this way. */
  on: 'approved' | 'completed';
  /** Start another item, change master data or the rights record, or just emit an event. */
  action: 'start_item' | 'set_insured_status' | 'set_card_status' | 'start_pension' | 'start_unemployment_benefit' | 'event';
  item?: string;
  params?: Record<string, unknown>;
  /** FEEL over Facts; absent = always. E.g. only start card application when the applicant has no card. */
  when?: string;
}

export interface ServiceItem {
  /** GB/T 39554.1 style: area (6) + domain/sequence, e.g. 371000-SB-0001 */
  code: string;
  name: Localised;
  domain: Domain;
  applicant: 'person' | 'organisation';
  legalBasis: Citation[];
  summary?: Localised;
  /** Instant items (即办件) complete at acceptance: card loss, certificates. */
  instant: boolean;
  channels: Channel[];
  /** The application form as JSON Schema (object); `x-prefill` on a property names the fact that fills it. */
  form: Record<string, unknown>;
  /** Eligibility conditions: all must pass. */
  conditions: RuleSpec[];
  /** Amounts and durations computed for the decision (e.g. maxMonths). */
  calculations?: RuleSpec[];
  materials: MaterialSpec[];
  steps: ItemStep[];
  /** Whole-case limits in working days. */
  timeLimit: {
    statutoryDays: number;
    promisedDays: number;
    /** Statutory extension (延长) in working days, with approval, e.g. arbitration +15 days. */
    extensionDays?: number;
    /** The law's own wording; where a law counts calendar days (日), how they were converted. */
    note?: Localised;
  };
  fee: { amountFen: number; basis?: Citation };
  outcomeDocuments: string[];
  chains?: ChainTrigger[];
  /**
   * YAML only (not stored in the definition): the day the file's version takes effect when it is
   * first loaded or, if later than the version in force, when it changes. Absent = the sync date.
   */
  effectiveFrom?: string;
  /** Free keywords for search (zh), e.g. 失业金, 下岗. */
  keywords?: string[];
}

/** Workflow of a version: 草稿 → 待审核 → 已发布; retired = withdrawn before it took effect (or shadowed). */
export const VERSION_STATUSES = ['draft', 'in_review', 'published', 'retired'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** What the case engine gets: one immutable published version of an item. */
export interface ItemVersionRef {
  versionId: string;
  version: number;
  effectiveFrom: string;
  item: ServiceItem;
}
