import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611271001_policy_parameters': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('parameter_versions')
        .addColumn('version_id', 'text', (c) => c.primaryKey())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('effective_from', 'date', (c) => c.notNull())
        .addColumn('value', 'jsonb', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('national', 'provincial', 'local-illustration')`))
        .addColumn('citation', 'jsonb', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'published', 'withdrawn')`))
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('published_by', 'text')
        .addColumn('published_at', 'timestamptz')
        .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('yaml', 'api')`))
        .execute();
      await db.schema.createIndex('parameter_versions_key').on('parameter_versions').columns(['key', 'effective_from']).execute();
      await db.schema
        .createTable('parameter_definitions')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('name_zh', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('source_file', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('working_calendars')
        .addColumn('year', 'integer', (c) => c.primaryKey())
        .addColumn('calendar', 'jsonb', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('loaded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
};
