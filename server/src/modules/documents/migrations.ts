import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '202611271303_documents': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('documents')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('number', 'text', (c) => c.notNull().unique())
        .addColumn('person_id', 'uuid')
        .addColumn('org_id', 'uuid')
        .addColumn('case_id', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('holder_masked', 'text', (c) => c.notNull())
        .addColumn('content_sm3', 'char(64)', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('qr', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('pdf_sm3', 'char(64)', (c) => c.notNull())
        .addColumn('pdf_sha256', 'char(64)', (c) => c.notNull())
        .addColumn('pdf_archive_id', 'uuid', (c) => c.notNull())
        .addColumn('content_archive_id', 'uuid', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('issued'))
        .addColumn('revoked_at', 'timestamptz')
        .addColumn('revocation_reason', 'text')
        .addColumn('created_by', 'text')
        .execute();
      await db.schema.createIndex('documents_pdf_sm3').on('documents').column('pdf_sm3').execute();
      await db.schema.createIndex('documents_person').on('documents').columns(['person_id', 'kind', 'issued_at']).execute();
      await db.schema.createIndex('documents_case').on('documents').column('case_id').execute();
      await db.schema
        .createTable('document_counters')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('last', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('document_counters_pk', ['kind', 'year'])
        .execute();
    },
  },
};
