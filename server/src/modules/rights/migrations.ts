import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611270006_rights_minimal': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('insured_status')
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('insurance_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('since', 'date', (c) => c.notNull())
        .addColumn('prior_months', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('insured_status_pk', ['person_id', 'insurance_type'])
        .execute();
      await db.schema
        .createTable('contribution_entries')
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('insurance_type', 'text', (c) => c.notNull())
        .addColumn('month', 'char(7)', (c) => c.notNull())
        .addColumn('org_id', 'uuid')
        .addColumn('base_fen', 'bigint', (c) => c.notNull())
        .addColumn('employer_fen', 'bigint', (c) => c.notNull())
        .addColumn('employee_fen', 'bigint', (c) => c.notNull())
        .addColumn('paid', 'boolean', (c) => c.notNull())
        .addPrimaryKeyConstraint('contribution_entries_pk', ['person_id', 'insurance_type', 'month'])
        .execute();
      await sql`create index contribution_entries_org on contribution_entries (org_id, month)`.execute(db);
    },
  },
};
