import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611270003_audit_log': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_role', 'text')
        .addColumn('channel', 'text')
        .addColumn('service_point_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('object_type', 'text')
        .addColumn('object_id', 'text')
        .addColumn('before', 'jsonb')
        .addColumn('after', 'jsonb')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_object').on('audit_log').columns(['object_type', 'object_id']).execute();
      await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor_id', 'at']).execute();
    },
  },
  // Entries are written without a place in the chain and sealed (seq, prev_hash, hash) shortly
  // after by one sealer at a time (service.ts sealAudit): the global lock no longer sits on
  // every writer's transaction (docs/DECISIONS.md D5). `id` is the order of writing; existing
  // entries keep their seq as id.
  '202611271501_audit_seal_later': {
    async up(db: Kysely<any>) {
      await sql`alter table audit_log add column id bigint`.execute(db);
      await sql`update audit_log set id = seq`.execute(db);
      await sql`create sequence audit_log_id_seq owned by audit_log.id`.execute(db);
      await sql`select setval('audit_log_id_seq', coalesce((select max(seq) from audit_log), 0) + 1, false)`.execute(db);
      await sql`alter table audit_log alter column id set default nextval('audit_log_id_seq')`.execute(db);
      await sql`alter table audit_log alter column id set not null`.execute(db);
      await sql`alter table audit_log drop constraint audit_log_pkey`.execute(db);
      await sql`alter table audit_log add primary key (id)`.execute(db);
      await sql`alter table audit_log alter column seq drop not null`.execute(db);
      await sql`alter table audit_log alter column prev_hash drop not null`.execute(db);
      await sql`alter table audit_log alter column hash drop not null`.execute(db);
      await sql`create unique index audit_log_seq on audit_log (seq)`.execute(db);
      await sql`create index audit_log_unsealed on audit_log (id) where seq is null`.execute(db);
    },
  },
};
