import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611271302_archives_records': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('archive_records')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('person_id', 'uuid')
        .addColumn('org_id', 'uuid')
        .addColumn('case_id', 'text')
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('material_code', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('original_filename', 'text')
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sm3', 'char(64)', (c) => c.notNull())
        .addColumn('sha256', 'char(64)', (c) => c.notNull())
        .addColumn('storage_key', 'text', (c) => c.notNull())
        .addColumn('retention_years', 'integer')
        .addColumn('retain_until', 'date')
        .addColumn('formed_on', 'date', (c) => c.notNull())
        .addColumn('classification', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('seal_key_id', 'text', (c) => c.notNull())
        .addColumn('seal_signature', 'text', (c) => c.notNull())
        .addColumn('disposal_status', 'text', (c) => c.notNull().defaultTo('retained'))
        .addColumn('disposed_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('archive_records_person').on('archive_records').columns(['person_id', 'category', 'created_at']).execute();
      await db.schema.createIndex('archive_records_case').on('archive_records').column('case_id').execute();
      await db.schema.createIndex('archive_records_sm3').on('archive_records').column('sm3').execute();
      await db.schema
        .createTable('archive_disposals')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('record_id', 'uuid', (c) => c.notNull().references('archive_records.id'))
        .addColumn('person_id', 'uuid')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('proposed_by', 'text', (c) => c.notNull())
        .addColumn('proposed_at', 'timestamptz', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('archive_disposals_record').on('archive_disposals').column('record_id').execute();
    },
  },
};
