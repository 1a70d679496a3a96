import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611271101_catalogue_items': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('service_items')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('name_zh', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text', (c) => c.notNull())
        .addColumn('published_version', 'integer')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('item_versions')
        .addColumn('version_id', 'uuid', (c) => c.primaryKey())
        .addColumn('item_code', 'text', (c) => c.notNull().references('service_items.code'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'in_review', 'published', 'retired')`))
        .addColumn('effective_from', 'date')
        .addColumn('definition', 'jsonb', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('reviewed_by', 'text')
        .addColumn('review_decision', 'text', (c) => c.check(sql`review_decision in ('approved', 'rejected')`))
        .addColumn('review_comment', 'text')
        .addColumn('published_by', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('submitted_at', 'timestamptz')
        .addColumn('reviewed_at', 'timestamptz')
        .addColumn('published_at', 'timestamptz')
        .addColumn('retired_at', 'timestamptz')
        .addColumn('row_version', 'integer', (c) => c.notNull().defaultTo(1))
        .addUniqueConstraint('item_versions_code_version', ['item_code', 'version'])
        .execute();
      await sql`create index item_versions_in_force on item_versions (item_code, effective_from) where status = 'published'`.execute(db);
      // Immutability of published versions is the case engine's guarantee: enforce it in the
      // database too, so no later code path (or hand-written SQL) can rewrite a version in use.
      await sql`
        create function item_versions_immutable() returns trigger language plpgsql as $$
        begin
          if old.status in ('published', 'retired') and (
               new.definition is distinct from old.definition
            or new.content_hash is distinct from old.content_hash
            or new.effective_from is distinct from old.effective_from
            or new.item_code is distinct from old.item_code
            or new.version is distinct from old.version
            or (old.status = 'retired' and new.status <> 'retired')) then
            raise exception 'item version % is % and cannot be changed', old.version_id, old.status;
          end if;
          return new;
        end $$`.execute(db);
      await sql`create trigger item_versions_immutable before update on item_versions for each row execute function item_versions_immutable()`.execute(db);
      await sql`
        create function item_versions_no_delete() returns trigger language plpgsql as $$
        begin
          if old.status in ('published', 'retired') then
            raise exception 'item version % is % and cannot be deleted', old.version_id, old.status;
          end if;
          return old;
        end $$`.execute(db);
      await sql`create trigger item_versions_no_delete before delete on item_versions for each row execute function item_versions_no_delete()`.execute(db);
    },
  },
};
