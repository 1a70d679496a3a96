import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pgPoolOf, withPgClient, type Db } from '../../../db/connect.js';

/**
 * One database session for a whole import: temporary tables live in it, and on
 * PostgreSQL rows are loaded with COPY, which Kysely cannot express. `db` runs
 * Kysely queries on that same session, so COPY and queries share a transaction.
 */
export interface ImportSession {
  kind: 'postgres' | 'pglite';
  db: Db;
  /** Appends rows (values in `columns` order) to a table: COPY on PostgreSQL, multi-row INSERT on PGlite. */
  insertRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Runs `fn` in one transaction on this session. */
  transaction<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
}

/** COPY text format: backslash, tab and line breaks escaped, \N for null. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : String(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

function copyText(rows: readonly (readonly unknown[])[]): string {
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) lines[i] = rows[i]!.map(copyValue).join('\t');
  return lines.join('\n') + '\n';
}

// PostgreSQL allows 65,535 bind parameters per statement.
const MAX_PARAMS = 60_000;

async function withPostgres<T>(pool: pg.Pool, fn: (s: ImportSession) => Promise<T>): Promise<T> {
  // Queries (Kysely, `single`) and COPY share the one session.
  return withPgClient(pool, async (client, single) => {
    const session: ImportSession = {
      kind: 'postgres',
      db: single,
      async insertRows(table, columns, rows) {
        if (rows.length === 0) return;
        const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
        await pipeline(Readable.from([copyText(rows)]), stream);
      },
      transaction: (fn) => single.transaction().execute(fn),
    };
    // Each chunk is re-done by importing the file again (imports are idempotent), so its
    // commit need not wait for the WAL flush; a crash loses at most the last chunks, never
    // consistency. Set once for the session (one round trip less per chunk), reset below.
    // (A session that fails is not returned to the pool: withPgClient.)
    await client.query('set synchronous_commit = off');
    const out = await fn(session);
    await client.query('reset synchronous_commit');
    return out;
  });
}

async function withPglite<T>(db: Db, fn: (s: ImportSession) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    let current: Db = conn;
    const session: ImportSession = {
      kind: 'pglite',
      db: conn,
      async insertRows(table, columns, rows) {
        const per = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
        for (let i = 0; i < rows.length; i += per) {
          const values = rows.slice(i, i + per).map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j] ?? null])));
          await (current as Kysely<any>).insertInto(table).values(values).execute();
        }
      },
      transaction: (fn) =>
        conn.transaction().execute(async (trx) => {
          current = trx;
          try {
            return await fn(trx);
          } finally {
            current = conn;
          }
        }),
    };
    return fn(session);
  });
}

export function withImportSession<T>(db: Db, fn: (s: ImportSession) => Promise<T>): Promise<T> {
  const pool = pgPoolOf(db);
  return pool ? withPostgres(pool, fn) : withPglite(db, fn);
}
