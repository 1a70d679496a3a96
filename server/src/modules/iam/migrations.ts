import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611270005_iam': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('user_id', 'uuid', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('staff','citizen')`))
        .addColumn('username', 'text', (c) => c.unique())
        .addColumn('person_id', 'uuid', (c) => c.unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('totp_secret', 'text')
        .addColumn('roles', sql`text[]`, (c) => c.notNull())
        .addColumn('service_point_id', 'text')
        .addColumn('scope_region', 'text')
        .addColumn('org_id', 'uuid')
        .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('session_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'uuid', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('revoked_at', 'timestamptz')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('login_attempts')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('success', 'boolean', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('login_attempts_subject').on('login_attempts').columns(['subject', 'at']).execute();
      await db.schema
        .createTable('otp_codes')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('person_id', 'uuid', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('used_at', 'timestamptz')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('otp_codes_person').on('otp_codes').columns(['person_id', 'created_at']).execute();
      await db.schema
        .createTable('sms_messages')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  '202611271701_iam_users_admin': {
    async up(db: Kysely<any>) {
      // A version for the administrators' edits (two administrators must not silently overwrite each other).
      await db.schema.alterTable('users').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('users').addColumn('updated_at', 'timestamptz').execute();
      // The staff list is read by scope; citizens (millions of rows) are kept out of the index.
      await db.schema.createIndex('users_staff_scope').on('users').columns(['scope_region', 'username']).where(sql.ref('kind'), '=', 'staff').execute();
    },
  },
};
