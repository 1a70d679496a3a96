import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611271201_cases_core': {
    async up(db: Kysely<any>) {
      await sql`create sequence case_tracking_seq`.execute(db);
      await sql`create sequence notice_number_seq`.execute(db);
      await sql`
        create table cases (
          id uuid primary key,
          tracking_no text not null unique,
          item_code text not null,
          item_version_id text not null,
          item_name text not null,
          domain text not null,
          person_id uuid,
          org_id uuid,
          region_code text not null,
          answers jsonb not null,
          materials jsonb not null,
          facts jsonb not null,
          decision jsonb not null,
          channel text not null,
          service_point_id text,
          submitted_by uuid,
          client_key text unique,
          status text not null check (status in ('submitted','accepted','correction_requested','not_accepted','in_review','approved','rejected','withdrawn','completed','delivered')),
          current_step text,
          promised_date date not null,
          statutory_date date not null,
          outcome_reason text,
          outcome_citation jsonb,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now(),
          accepted_at timestamptz,
          decided_at timestamptz,
          completed_at timestamptz,
          version integer not null default 1,
          check (person_id is not null or org_id is not null)
        )`.execute(db);
      await sql`create index cases_person on cases (person_id, created_at desc)`.execute(db);
      await sql`create index cases_org on cases (org_id, created_at desc) where org_id is not null`.execute(db);
      await sql`create index cases_region on cases (region_code text_pattern_ops, status)`.execute(db);
      await sql`
        create table tasks (
          id uuid primary key,
          case_id uuid not null references cases(id),
          person_id uuid,
          org_id uuid,
          step_key text not null,
          step_index integer not null,
          role text not null,
          scope text not null,
          region_code text not null,
          status text not null check (status in ('open','claimed','done','cancelled')),
          claimed_by uuid,
          claimed_at timestamptz,
          due_date date not null,
          statutory_due date not null,
          escalated_at timestamptz,
          completed_by uuid,
          completed_at timestamptz,
          action text,
          created_at timestamptz not null default now(),
          version integer not null default 1,
          check ((status = 'claimed') = (claimed_by is not null))
        )`.execute(db);
      await sql`create index tasks_case on tasks (case_id)`.execute(db);
      // The queues: open/claimed tasks by role and scope; a partial index stays small as work is done.
      await sql`create index tasks_queue on tasks (role, scope text_pattern_ops, due_date) where status in ('open','claimed')`.execute(db);
      await sql`create index tasks_claimed on tasks (claimed_by) where status = 'claimed'`.execute(db);
      // One live task per step of a case: a double submit of the same transition cannot fork the process.
      await sql`create unique index tasks_one_live_step on tasks (case_id, step_index) where status in ('open','claimed')`.execute(db);
      await sql`
        create table case_events (
          id bigserial primary key,
          case_id uuid not null,
          person_id uuid,
          org_id uuid,
          at timestamptz not null default now(),
          actor_id text,
          kind text not null,
          from_status text,
          to_status text,
          task_id uuid,
          detail jsonb not null
        )`.execute(db);
      await sql`create index case_events_case on case_events (case_id, id)`.execute(db);
      await sql`
        create table notices (
          id uuid primary key,
          number text not null unique,
          kind text not null check (kind in ('submission','correction')),
          case_id uuid,
          item_code text not null,
          item_version_id text not null,
          person_id uuid,
          org_id uuid,
          missing jsonb not null,
          issued_by text,
          channel text not null,
          service_point_id text,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index notices_person on notices (person_id, created_at desc)`.execute(db);
      await sql`
        create table ratings (
          case_id uuid primary key references cases(id),
          person_id uuid,
          org_id uuid,
          score integer not null check (score between 1 and 5),
          comment text,
          rated_by uuid not null,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create table overrides (
          id uuid primary key,
          case_id uuid not null references cases(id),
          person_id uuid,
          org_id uuid,
          rule_id text not null,
          reason text not null,
          requested_by uuid not null,
          requested_at timestamptz not null default now(),
          status text not null check (status in ('requested','approved','refused')),
          decided_by uuid,
          decided_at timestamptz,
          decision_note text,
          check (decided_by is null or decided_by <> requested_by)
        )`.execute(db);
      await sql`create index overrides_case on overrides (case_id)`.execute(db);
      await sql`create unique index overrides_one_pending on overrides (case_id, rule_id) where status = 'requested'`.execute(db);
      await sql`
        create table escalations (
          id uuid primary key,
          task_id uuid not null unique references tasks(id),
          case_id uuid not null,
          person_id uuid,
          org_id uuid,
          region_code text not null,
          scope text not null,
          due_date date not null,
          escalated_at timestamptz not null default now(),
          acknowledged_by uuid,
          acknowledged_at timestamptz
        )`.execute(db);
      await sql`create index escalations_region on escalations (region_code text_pattern_ops) where acknowledged_at is null`.execute(db);
      await sql`
        create table chain_firings (
          case_id uuid not null,
          trigger_key text not null,
          action text not null,
          result jsonb not null,
          fired_at timestamptz not null default now(),
          primary key (case_id, trigger_key)
        )`.execute(db);
      await sql`
        create table timers (
          id bigserial primary key,
          kind text not null,
          due_at timestamptz not null,
          payload jsonb not null,
          dedup_key text unique,
          fired_at timestamptz,
          attempts integer not null default 0,
          last_error text,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index timers_due on timers (due_at) where fired_at is null`.execute(db);
      await sql`
        create table counter_grants (
          id uuid primary key,
          user_id uuid not null,
          person_id uuid not null,
          service_point_id text not null,
          reason text not null,
          granted_at timestamptz not null default now(),
          expires_at timestamptz not null
        )`.execute(db);
      await sql`create index counter_grants_user on counter_grants (user_id, person_id, expires_at)`.execute(db);
    },
  },
  // 差评回访: one follow-up per poor rating; the rating itself stays as the applicant gave it.
  '202611271601_rating_follow_ups': {
    async up(db: Kysely<any>) {
      await sql`
        create table rating_follow_ups (
          case_id uuid primary key references ratings(case_id),
          outcome text not null check (outcome in ('contacted','rectified','explained')),
          note text not null check (length(note) > 0),
          followed_up_by uuid not null,
          followed_up_at timestamptz not null default now()
        )`.execute(db);
      // The supervision queues: poor ratings and overrides waiting for a second person.
      await sql`create index ratings_poor on ratings (created_at) where score <= 2`.execute(db);
      await sql`create index overrides_pending on overrides (requested_at) where status = 'requested'`.execute(db);
    },
  },
  '202611272201_expect_function': {
    async up(db: Kysely<any>) {
      // A statement that checks its own preconditions: false aborts the whole statement
      // (all its data-modifying CTEs) with SQLSTATE TB409, which the engine reads as a
      // conflict. Lets a task completion be one autocommit statement (engine.ts).
      await sql`create or replace function tongban_expect(ok boolean, what text) returns boolean language plpgsql as $$
        begin
          if ok is not true then raise exception using errcode = 'TB409', message = what; end if;
          return true;
        end $$`.execute(db);
    },
  },
};
