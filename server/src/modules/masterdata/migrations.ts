import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611270004_masterdata': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('regions')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text')
        .addColumn('level', 'smallint', (c) => c.notNull())
        .addColumn('parent_code', 'text', (c) => c.references('regions.code'))
        .execute();
      await db.schema
        .createTable('service_points')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('region_code', 'text', (c) => c.notNull().references('regions.code'))
        .addColumn('address', 'text')
        .execute();
      await db.schema
        .createTable('persons')
        .addColumn('person_id', 'uuid', (c) => c.primaryKey())
        .addColumn('resident_id', 'char(18)', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_pinyin', 'text', (c) => c.notNull())
        .addColumn('name_initials', 'text', (c) => c.notNull())
        .addColumn('birth_date', 'date', (c) => c.notNull())
        .addColumn('sex', 'char(1)', (c) => c.notNull().check(sql`sex in ('M','F')`))
        .addColumn('id_area_code', 'char(6)', (c) => c.notNull())
        .addColumn('region_code', 'text', (c) => c.notNull())
        .addColumn('phone', 'text')
        .addColumn('address', 'text')
        .addColumn('household_id', 'uuid')
        .addColumn('household_relation', 'text')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // text_pattern_ops: prefix search (LIKE 'zhang%') uses the index in any collation.
      await sql`create index persons_name on persons (name text_pattern_ops)`.execute(db);
      // One index for the pinyin prefix search (LIKE 'zhang%') and the duplicate lookup
      // (name_pinyin = … and birth_date = …): text_pattern_ops also serves equality.
      await sql`create index persons_pinyin on persons (name_pinyin text_pattern_ops, birth_date)`.execute(db);
      await sql`create index persons_initials on persons (name_initials text_pattern_ops)`.execute(db);
      await sql`create index persons_phone on persons (phone)`.execute(db);
      await sql`create index persons_region on persons (region_code text_pattern_ops)`.execute(db);
      await db.schema
        .createTable('person_field_history')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('value', 'text')
        .addColumn('source_kind', 'text', (c) => c.notNull())
        .addColumn('source_ref', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index person_field_history_person on person_field_history (person_id, field, recorded_at)`.execute(db);
      await db.schema
        .createTable('households')
        .addColumn('household_id', 'uuid', (c) => c.primaryKey())
        .addColumn('head_person_id', 'uuid')
        .addColumn('address', 'text')
        .addColumn('region_code', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('organisations')
        .addColumn('org_id', 'uuid', (c) => c.primaryKey())
        .addColumn('credit_code', 'char(18)', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('org_type', 'text', (c) => c.notNull())
        .addColumn('industry_code', 'text')
        .addColumn('region_code', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index organisations_name on organisations (name text_pattern_ops)`.execute(db);
      await db.schema
        .createTable('ss_cards')
        .addColumn('card_no', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'date', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ss_cards_person').on('ss_cards').column('person_id').execute();
      await db.schema
        .createTable('duplicate_candidates')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('candidate_resident_id', 'char(18)', (c) => c.notNull())
        .addColumn('candidate', 'jsonb', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('source_ref', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('resolved_by', 'text')
        .addColumn('resolved_at', 'timestamptz')
        .addUniqueConstraint('duplicate_candidates_pair', ['person_id', 'candidate_resident_id'])
        .execute();
      await db.schema
        .createTable('import_batches')
        .addColumn('batch_id', 'uuid', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('file_sha256', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('finished_at', 'timestamptz')
        .addColumn('rows_total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_created', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_updated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_unchanged', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_rejected', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_queued', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
};
