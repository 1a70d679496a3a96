import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, type Dialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { prepareHotStatements, RECYCLE_AFTER } from './prepared.js';
import { deferBegin } from './lazy-begin.js';

// bigint (int8) and numeric come back as strings by default; counts and fen amounts
// fit in a JS number well below 2^53, so read int8 as number. numeric stays a string.
// `date` stays a 'YYYY-MM-DD' string: a Date object would shift with the time zone.
// Both drivers are given the same parsers so the two databases answer alike.
const INT8 = 20;
const DATE = 1082;
export const pgliteParsers = { [INT8]: (v: string) => Number(v), [DATE]: (v: string) => v };
pg.types.setTypeParser(INT8, pgliteParsers[INT8]);
pg.types.setTypeParser(DATE, pgliteParsers[DATE]);

export type Db = Kysely<Database>;

// The pg pool behind a Kysely instance, for work Kysely cannot express (COPY in bulk import).
const pgPools = new WeakMap<Db, pg.Pool>();
export function pgPoolOf(db: Db): pg.Pool | undefined {
  return pgPools.get(db);
}

/**
 * Runs `fn` on one pooled PostgreSQL connection, given both as the raw client (for COPY
 * streams) and as a Kysely instance bound to that same connection, so a Kysely
 * transaction and a COPY can share one transaction.
 */
export async function withPgClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient, db: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // Kysely asks its "pool" for a connection per query or transaction: always this one.
  const borrowed = { query: client.query.bind(client), release: () => undefined };
  const one = { connect: async () => borrowed, end: async () => undefined, options: {} };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: one as unknown as pg.Pool }) });
  let failed = false;
  try {
    return await fn(client, db);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    await db.destroy();
    // A connection left in an unknown state (failed COPY, aborted transaction) is not reused.
    client.release(failed);
  }
}

export interface DbHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string | undefined;
  /** Folder for the embedded database; undefined means in memory. */
  dataDir?: string | undefined;
  poolSize?: number;
}

export async function openDatabase(opts: DbOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    // Connections stay open for five minutes of idleness (pg's default is 10 s): a new
    // PostgreSQL backend costs its fork, authentication and cold catalog caches, which a
    // counter's first search after a quiet spell would otherwise wait for.
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, idleTimeoutMillis: 300_000, maxUses: RECYCLE_AFTER });
    pool.on('connect', (client) => {
      prepareHotStatements(client);
      deferBegin(client);
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pgPools.set(db, pool);
    // Kysely ends the pool only if it ever ran a query itself; a handle used only through
    // withPgClient would otherwise keep its connections open after close.
    const close = async () => {
      await db.destroy();
      if (!pool.ended) await pool.end();
    };
    return { db, kind: 'postgres', close };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  let dir: string | undefined;
  if (opts.dataDir) {
    dir = path.join(opts.dataDir, 'pglite');
    fs.mkdirSync(dir, { recursive: true });
  }
  const client = new PGlite(dir, { parsers: pgliteParsers });
  await client.waitReady;
  return pgliteHandle(client);
}

/** Wraps an opened PGlite instance (tests clone a migrated template this way). */
export async function pgliteHandle(client: import('@electric-sql/pglite').PGlite): Promise<DbHandle> {
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) as unknown as Dialect });
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await db.destroy();
      if (!client.closed) await client.close();
    },
  };
}
