import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611271400_insurance_core': {
    async up(db: Kysely<any>) {
      // The rights record (rights module, extended here): which bill a month was assessed
      // on, where it came from, and whether it is transferred out (then it does not count).
      await sql`alter table contribution_entries add column bill_id uuid, add column source text not null default 'local', add column transfer_out_id uuid`.execute(db);
      await sql`create index contribution_entries_bill on contribution_entries (bill_id) where bill_id is not null`.execute(db);

      await db.schema
        .createTable('insurance_employers')
        .addColumn('org_id', 'uuid', (c) => c.primaryKey())
        .addColumn('credit_code', 'text', (c) => c.notNull().unique())
        .addColumn('registered_on', 'date', (c) => c.notNull())
        .addColumn('risk_class', 'int2', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();

      await db.schema
        .createTable('employments')
        .addColumn('employment_id', 'uuid', (c) => c.primaryKey())
        .addColumn('org_id', 'uuid', (c) => c.notNull())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('start_month', 'char(7)', (c) => c.notNull())
        .addColumn('end_month', 'char(7)')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('employments_org_person_start', ['org_id', 'person_id', 'start_month'])
        .execute();
      await sql`create index employments_person on employments (person_id, start_month)`.execute(db);

      await db.schema
        .createTable('contribution_declarations')
        .addColumn('org_id', 'uuid', (c) => c.notNull())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('wage_fen', 'bigint', (c) => c.notNull().check(sql`wage_fen >= 0`))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('batch_id', 'uuid')
        .addColumn('declared_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('contribution_declarations_pk', ['org_id', 'person_id', 'month'])
        .execute();

      await db.schema
        .createTable('flexible_enrolments')
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('start_month', 'char(7)', (c) => c.notNull())
        .addColumn('end_month', 'char(7)')
        .addColumn('base_fen', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('flexible_enrolments_pk', ['person_id', 'start_month'])
        .execute();

      await db.schema
        .createTable('contribution_bills')
        .addColumn('bill_id', 'uuid', (c) => c.primaryKey())
        .addColumn('bill_no', 'text', (c) => c.notNull().unique())
        .addColumn('payer_kind', 'text', (c) => c.notNull())
        .addColumn('org_id', 'uuid')
        .addColumn('person_id', 'uuid')
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('due_date', 'date', (c) => c.notNull())
        .addColumn('principal_fen', 'bigint', (c) => c.notNull())
        .addColumn('paid_principal_fen', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('late_fee_paid_fen', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('settled_on', 'date')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
        .addColumn('parameters', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // One bill per employer per month, one per flexible individual per month.
      await sql`create unique index contribution_bills_org_month on contribution_bills (org_id, month) where payer_kind = 'employer'`.execute(db);
      await sql`create unique index contribution_bills_person_month on contribution_bills (person_id, month) where payer_kind = 'person'`.execute(db);
      await sql`create index contribution_bills_open on contribution_bills (due_date) where status <> 'paid'`.execute(db);

      await db.schema
        .createTable('payer_credits')
        .addColumn('payer_key', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'uuid')
        .addColumn('person_id', 'uuid')
        .addColumn('credit_fen', 'bigint', (c) => c.notNull().check(sql`credit_fen >= 0`))
        .execute();

      await db.schema
        .createTable('payments')
        .addColumn('payment_id', 'uuid', (c) => c.primaryKey())
        .addColumn('bank_code', 'text', (c) => c.notNull())
        .addColumn('tx_ref', 'text', (c) => c.notNull())
        .addColumn('bill_id', 'uuid')
        .addColumn('bill_no', 'text', (c) => c.notNull())
        .addColumn('org_id', 'uuid')
        .addColumn('person_id', 'uuid')
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addColumn('paid_on', 'date', (c) => c.notNull())
        .addColumn('principal_fen', 'bigint', (c) => c.notNull())
        .addColumn('late_fee_fen', 'bigint', (c) => c.notNull())
        .addColumn('credit_fen', 'bigint', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        // The bank's reference posts once, however often the callback arrives.
        .addUniqueConstraint('payments_bank_tx', ['bank_code', 'tx_ref'])
        .execute();
      await sql`create index payments_bill on payments (bill_id)`.execute(db);
      await sql`create index payments_day on payments (bank_code, paid_on)`.execute(db);

      await db.schema
        .createTable('reconciliations')
        .addColumn('recon_id', 'uuid', (c) => c.primaryKey())
        .addColumn('bank_code', 'text', (c) => c.notNull())
        .addColumn('statement_date', 'date', (c) => c.notNull())
        .addColumn('file_sha256', 'text', (c) => c.notNull())
        .addColumn('matched', 'integer', (c) => c.notNull())
        .addColumn('missing_in_ledger', 'integer', (c) => c.notNull())
        .addColumn('missing_in_bank', 'integer', (c) => c.notNull())
        .addColumn('amount_mismatch', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('reconciliation_items')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('recon_id', 'uuid', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('tx_ref', 'text', (c) => c.notNull())
        .addColumn('ledger_fen', 'bigint')
        .addColumn('bank_fen', 'bigint')
        .addColumn('payment_id', 'uuid')
        .execute();
      await sql`create index reconciliation_items_recon on reconciliation_items (recon_id, kind)`.execute(db);

      await db.schema
        .createTable('pension_accounts')
        .addColumn('person_id', 'uuid', (c) => c.primaryKey())
        .addColumn('balance_fen', 'bigint', (c) => c.notNull())
        .addColumn('interest_year', 'integer')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('pension_account_entries')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('parameters', 'jsonb')
        .addColumn('posted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('pension_account_entries_once', ['person_id', 'kind', 'ref'])
        .execute();

      await db.schema
        .createTable('transfers')
        .addColumn('transfer_id', 'uuid', (c) => c.primaryKey())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('insurance_type', 'text', (c) => c.notNull())
        .addColumn('other_area', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('months', 'integer', (c) => c.notNull())
        .addColumn('prior_months', 'integer', (c) => c.notNull())
        .addColumn('first_month', 'char(7)')
        .addColumn('last_month', 'char(7)')
        .addColumn('account_balance_fen', 'bigint', (c) => c.notNull())
        .addColumn('pooled_fund_fen', 'bigint', (c) => c.notNull())
        .addColumn('detail', 'jsonb', (c) => c.notNull())
        .addColumn('parameters', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint('transfers_reference', ['person_id', 'direction', 'reference'])
        .execute();

      await db.schema
        .createTable('benefits')
        .addColumn('benefit_id', 'uuid', (c) => c.primaryKey())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('start_month', 'char(7)', (c) => c.notNull())
        .addColumn('end_month', 'char(7)')
        .addColumn('basic_fen', 'bigint', (c) => c.notNull())
        .addColumn('account_fen', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('suspended_from', 'char(7)')
        .addColumn('paid_through', 'char(7)')
        .addColumn('bank_code', 'text', (c) => c.notNull())
        .addColumn('account_no', 'text', (c) => c.notNull())
        .addColumn('decision_ref', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // The payroll advances paid_through on every benefit every month: free space on each
      // page lets that update stay on the page (HOT, no index writes).
      await sql`alter table benefits set (fillfactor = 70)`.execute(db);
      // One running benefit of each kind per person.
      await sql`create unique index benefits_person_kind on benefits (person_id, kind) where status <> 'ended'`.execute(db);
      await db.schema
        .createTable('benefit_adjustments')
        .addColumn('benefit_id', 'uuid', (c) => c.notNull())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('effective_month', 'char(7)', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addColumn('parameter_version', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('benefit_adjustments_pk', ['benefit_id', 'effective_month'])
        .execute();
      // The payroll sums a chunk's adjustments by person-id range.
      await sql`create index benefit_adjustments_person on benefit_adjustments (person_id)`.execute(db);

      await db.schema
        .createTable('payroll_runs')
        .addColumn('run_id', 'uuid', (c) => c.primaryKey())
        .addColumn('month', 'char(7)', (c) => c.notNull().unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('chunk_size', 'integer', (c) => c.notNull())
        .addColumn('chunks_total', 'integer', (c) => c.notNull())
        .addColumn('chunks_done', 'integer', (c) => c.notNull())
        .addColumn('payments', 'integer', (c) => c.notNull())
        .addColumn('total_fen', 'bigint', (c) => c.notNull())
        .addColumn('files', 'jsonb', (c) => c.notNull())
        .addColumn('run_by', 'text')
        .addColumn('released_by', 'text')
        .addColumn('released_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('finished_at', 'timestamptz')
        .execute();
      await db.schema
        .createTable('payroll_chunks')
        .addColumn('run_id', 'uuid', (c) => c.notNull())
        .addColumn('chunk_no', 'integer', (c) => c.notNull())
        .addColumn('lo', 'uuid', (c) => c.notNull())
        .addColumn('hi', 'uuid', (c) => c.notNull())
        .addColumn('done', 'boolean', (c) => c.notNull().defaultTo(false))
        .addPrimaryKeyConstraint('payroll_chunks_pk', ['run_id', 'chunk_no'])
        .execute();
      await db.schema
        .createTable('benefit_payments')
        .addColumn('run_id', 'uuid', (c) => c.notNull())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('benefit_id', 'uuid', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('regular_fen', 'bigint', (c) => c.notNull())
        .addColumn('arrears_months', 'integer', (c) => c.notNull())
        .addColumn('arrears_fen', 'bigint', (c) => c.notNull())
        .addColumn('total_fen', 'bigint', (c) => c.notNull())
        .addColumn('bank_code', 'text', (c) => c.notNull())
        .addColumn('account_no', 'text', (c) => c.notNull())
        // A run pays each person once per benefit kind: a crash and a rerun cannot pay twice.
        .addPrimaryKeyConstraint('benefit_payments_pk', ['run_id', 'person_id', 'kind'])
        .execute();
    },
  },
  '202611271801_payroll_reads_by_person': {
    async up(db: Kysely<any>) {
      // The payroll no longer writes paid_through to every benefit each month (it reads it
      // from the previous run), so the free space kept for that update is not needed.
      await sql`alter table benefits reset (fillfactor)`.execute(db);
      // A payroll chunk reads a person-id range of the running benefits and of their
      // adjustments. Person ids are random with respect to where rows lie, so reading the
      // rows would touch every page of both tables for each chunk; these indexes hold what
      // the chunk needs in person order (index-only scans: benefits rarely change now).
      await sql`create index benefits_payroll on benefits (person_id) include (kind, benefit_id, start_month, end_month, paid_through, basic_fen, account_fen, bank_code, account_no) where status = 'active'`.execute(db);
      await sql`create index benefit_adjustments_person_month on benefit_adjustments (person_id, effective_month) include (benefit_id, amount_fen)`.execute(db);
      await sql`drop index benefit_adjustments_person`.execute(db);
    },
  },
  '202611272101_payee_name': {
    async up(db: Kysely<any>) {
      // The name on the paying account (账户名) belongs to the benefit: it is what the bank
      // checks, recorded when the account is, and it need not be the retiree's own (a
      // guardian's account). A payment carries the name it was sent with, so a bank file
      // is written from the payment alone, in the same pass that computes it.
      await sql`alter table benefits add column account_name text`.execute(db);
      await sql`update benefits b set account_name = p.name from persons p where p.person_id = b.person_id`.execute(db);
      await sql`alter table benefits alter column account_name set not null`.execute(db);
      await sql`alter table benefit_payments add column payee_name text not null default ''`.execute(db);
      await sql`update benefit_payments x set payee_name = p.name from persons p where p.person_id = x.person_id`.execute(db);
      await sql`alter table benefit_payments alter column payee_name drop default`.execute(db);
      await sql`drop index benefits_payroll`.execute(db);
      await sql`create index benefits_payroll on benefits (person_id) include (kind, benefit_id, start_month, end_month, paid_through, basic_fen, account_fen, bank_code, account_no, account_name) where status = 'active'`.execute(db);
    },
  },
  '202611280001_payments_key_holds_benefit': {
    async up(db: Kysely<any>) {
      // Each payroll chunk reads the previous run's payments of its person range for the
      // benefit each paid. With the benefit in the key's leaves that is an index-only scan
      // in person order, instead of a visit to every heap page of the run (docs/PERFORMANCE.md).
      await sql`alter table benefit_payments drop constraint benefit_payments_pk`.execute(db);
      await sql`alter table benefit_payments add constraint benefit_payments_pk primary key (run_id, person_id, kind) include (benefit_id)`.execute(db);
    },
  },
  '202611280900_payroll_reads_in_benefit_order': {
    async up(db: Kysely<any>) {
      // A payroll chunk merges the running benefits of its person range with their
      // adjustments, benefit by benefit. With the benefit in both keys, after the person, the
      // index scans deliver that order and neither input is sorted again (docs/PERFORMANCE.md).
      await sql`drop index benefits_payroll`.execute(db);
      await sql`create index benefits_payroll on benefits (person_id, benefit_id) include (kind, start_month, end_month, paid_through, basic_fen, account_fen, bank_code, account_no, account_name) where status = 'active'`.execute(db);
      await sql`drop index benefit_adjustments_person_month`.execute(db);
      await sql`create index benefit_adjustments_person_benefit on benefit_adjustments (person_id, benefit_id, effective_month) include (amount_fen)`.execute(db);
    },
  },
  '202611281000_benefit_adjustments_in_force': {
    async up(db: Kysely<any>) {
      // Each benefit carries the sum of its yearly adjustments and the month of the latest,
      // written with the adjustment (once a year). A monthly payroll on or after that month
      // reads the sum from the benefit instead of adding up every adjustment of every
      // pension again: that was a sixth of each payroll chunk (docs/PERFORMANCE.md).
      await sql`alter table benefits add column adjustments_fen bigint not null default 0, add column last_adjustment_month char(7)`.execute(db);
      await sql`
        update benefits b set adjustments_fen = a.total, last_adjustment_month = a.latest
        from (select benefit_id, sum(amount_fen)::bigint as total, max(effective_month) as latest from benefit_adjustments group by benefit_id) a
        where a.benefit_id = b.benefit_id`.execute(db);
      await sql`drop index benefits_payroll`.execute(db);
      await sql`create index benefits_payroll on benefits (person_id, benefit_id) include (kind, start_month, end_month, paid_through, basic_fen, account_fen, adjustments_fen, last_adjustment_month, bank_code, account_no, account_name) where status = 'active'`.execute(db);
    },
  },
  '202611281100_benefits_ending': {
    async up(db: Kysely<any>) {
      // After each payroll chunk, the running benefits of its range with an end month (the
      // unemployment benefits, a few) are checked for their last payment: read from this
      // small index, not from every running benefit of the range.
      await sql`create index benefits_ending on benefits (person_id) include (kind, end_month) where status = 'active' and end_month is not null`.execute(db);
    },
  },
  '202611281200_benefit_rhythm': {
    async up(db: Kysely<any>) {
      // The month of the first payroll run that paid a benefit since it last left the monthly
      // rhythm (null until one has). Such a benefit was paid by every run since, the previous
      // one included: the payroll looks up the previous run's payments only for the others
      // (D17).
      await sql`alter table benefits add column rhythm_from char(7)`.execute(db);
      // The first run after the month it was last paid through by other means (a legacy
      // system, or before a suspension) that paid it; the runs since paid it every month.
      await sql`
        update benefits b set rhythm_from = x.first
        from (
          select p.benefit_id, min(r.month) as first
          from benefit_payments p join payroll_runs r on r.run_id = p.run_id join benefits e on e.benefit_id = p.benefit_id
          where e.status = 'active' and (e.paid_through is null or r.month > e.paid_through)
          group by p.benefit_id
        ) x
        where x.benefit_id = b.benefit_id`.execute(db);
      await sql`drop index benefits_payroll`.execute(db);
      await sql`create index benefits_payroll on benefits (person_id, benefit_id) include (kind, start_month, end_month, paid_through, rhythm_from, basic_fen, account_fen, adjustments_fen, last_adjustment_month, bank_code, account_no, account_name) where status = 'active'`.execute(db);
      // The running benefits no run has paid yet (new ones): a chunk marks those it paid.
      await sql`create index benefits_entering on benefits (person_id) include (kind) where status = 'active' and rhythm_from is null`.execute(db);
    },
  },
};
