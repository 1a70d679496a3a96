import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611271301_seals_keys': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('seal_keys')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('owner_department', 'text', (c) => c.notNull())
        .addColumn('public_key_pem', 'text', (c) => c.notNull())
        .addColumn('public_key_hex', 'text', (c) => c.notNull())
        .addColumn('private_key_enc', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('revocation_reason', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // Two replicas creating the first key at once: one wins, the other reads it.
      await sql`create unique index seal_keys_one_active on seal_keys (purpose, algorithm) where status = 'active'`.execute(db);
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('head_seq', 'bigint', (c) => c.primaryKey())
        .addColumn('head_hash', 'text', (c) => c.notNull())
        .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
