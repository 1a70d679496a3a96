import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * 办件 (case) lifecycle. `submitted` waits for acceptance (受理); `correction_requested`
 * waits for the applicant (补正); the final states are not_accepted, rejected, withdrawn,
 * completed (办结) and delivered (送达).
 */
export const CASE_STATUSES = [
  'submitted',
  'accepted',
  'correction_requested',
  'not_accepted',
  'in_review',
  'approved',
  'rejected',
  'withdrawn',
  'completed',
  'delivered',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const FINAL_STATUSES: readonly CaseStatus[] = ['not_accepted', 'rejected', 'withdrawn', 'completed', 'delivered'];

/** One application (办件). Keyed by the applicant's person_id / org_id (the shard key). */
export interface CaseTable {
  id: string;
  /** Human-readable, unique: TB + YYYYMMDD + 8-digit sequence + check character (ISO 7064 MOD 11-2). */
  tracking_no: string;
  item_code: string;
  item_version_id: string;
  item_name: string;
  domain: string;
  person_id: string | null;
  org_id: string | null;
  /** The applicant's region (staff visibility follows it). */
  region_code: string;
  answers: JSONColumnType<Record<string, unknown>>;
  /** Material code → archive record id, or 'reused' (免提交). */
  materials: JSONColumnType<Record<string, string>>;
  /** Facts the rules saw, kept so the decision can be replayed. */
  facts: JSONColumnType<Record<string, unknown>>;
  decision: JSONColumnType<Record<string, unknown>>;
  channel: string;
  service_point_id: string | null;
  submitted_by: string | null;
  /** `<user>:<Idempotency-Key>`: a retry after a crash finds the case it already created. */
  client_key: string | null;
  status: CaseStatus;
  current_step: string | null;
  promised_date: string;
  statutory_date: string;
  outcome_reason: string | null;
  outcome_citation: JSONColumnType<Record<string, unknown>> | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  accepted_at: Date | null;
  decided_at: Date | null;
  completed_at: Date | null;
  version: ColumnType<number, number | undefined, number>;
}

export type TaskStatus = 'open' | 'claimed' | 'done' | 'cancelled';

/** One step of one case, queued for a role in a scope, never for a person. */
export interface TaskTable {
  id: string;
  case_id: string;
  person_id: string | null;
  org_id: string | null;
  step_key: string;
  step_index: number;
  role: string;
  /** A region code (the accepting service point's region, or the applicant's) or `central:<domain>`. */
  scope: string;
  /** The applicant's region, for supervisors' and central staff's scope filters. */
  region_code: string;
  status: TaskStatus;
  claimed_by: string | null;
  claimed_at: Date | null;
  /** Promised (承诺) and statutory (法定) due dates, in working days from the calendar. */
  due_date: string;
  statutory_due: string;
  escalated_at: Date | null;
  completed_by: string | null;
  completed_at: Date | null;
  action: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  version: ColumnType<number, number | undefined, number>;
}

/** The case's own history, as the applicant and staff see it (the audit trail is separate). */
export interface CaseEventTable {
  id: Generated<number>;
  case_id: string;
  person_id: string | null;
  org_id: string | null;
  at: ColumnType<Date, Date | undefined, never>;
  actor_id: string | null;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  task_id: string | null;
  detail: JSONColumnType<Record<string, unknown>>;
}

/** 一次性告知书: everything missing, said once. At submission (no case) or as a correction request. */
export interface NoticeTable {
  id: string;
  number: string;
  kind: 'submission' | 'correction';
  case_id: string | null;
  item_code: string;
  item_version_id: string;
  person_id: string | null;
  org_id: string | null;
  missing: JSONColumnType<{ code: string; name: { zh: string; en: string }; reason: string }[]>;
  issued_by: string | null;
  channel: string;
  service_point_id: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** 好差评: one rating per finished case. */
export interface RatingTable {
  case_id: string;
  person_id: string | null;
  org_id: string | null;
  score: number;
  comment: string | null;
  rated_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export const FOLLOW_UP_OUTCOMES = ['contacted', 'rectified', 'explained'] as const;
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number];

/** 差评回访: a supervisor's follow-up of a poor rating (score ≤ 2), once per rating. */
export interface RatingFollowUpTable {
  case_id: string;
  outcome: FollowUpOutcome;
  note: string;
  followed_up_by: string;
  followed_up_at: ColumnType<Date, Date | undefined, never>;
}

export type OverrideStatus = 'requested' | 'approved' | 'refused';

/** A rule outcome overridden: requested by one person with a reason, confirmed by another. */
export interface OverrideTable {
  id: string;
  case_id: string;
  person_id: string | null;
  org_id: string | null;
  rule_id: string;
  reason: string;
  requested_by: string;
  requested_at: ColumnType<Date, Date | undefined, never>;
  status: OverrideStatus;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
}

/** An overdue task raised to a supervisor. One per task. */
export interface EscalationTable {
  id: string;
  task_id: string;
  case_id: string;
  person_id: string | null;
  org_id: string | null;
  region_code: string;
  scope: string;
  due_date: string;
  escalated_at: ColumnType<Date, Date | undefined, never>;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
}

/** A chain trigger fired once per (case, trigger): the primary key makes it idempotent. */
export interface ChainFiringTable {
  case_id: string;
  trigger_key: string;
  action: string;
  result: JSONColumnType<Record<string, unknown>>;
  fired_at: ColumnType<Date, Date | undefined, never>;
}

/** Durable timers polled by every replica with FOR UPDATE SKIP LOCKED. */
export interface TimerTable {
  id: Generated<number>;
  kind: string;
  due_at: Date;
  payload: JSONColumnType<Record<string, unknown>>;
  /** Set once: a timer fires at most once. */
  dedup_key: string | null;
  fired_at: Date | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/**
 * 通办 at the counter: a teller who has checked a person's ID card may serve that person
 * although they live in another district. Granted per teller and person, time-limited,
 * audited; it opens the wizard and the person's cases, nothing else.
 */
export interface CounterGrantTable {
  id: string;
  user_id: string;
  person_id: string;
  service_point_id: string;
  reason: string;
  granted_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
}

export interface CasesTables {
  cases: CaseTable;
  tasks: TaskTable;
  case_events: CaseEventTable;
  notices: NoticeTable;
  ratings: RatingTable;
  rating_follow_ups: RatingFollowUpTable;
  overrides: OverrideTable;
  escalations: EscalationTable;
  chain_firings: ChainFiringTable;
  timers: TimerTable;
  counter_grants: CounterGrantTable;
}
