import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, pgliteHandle, pgliteParsers, type Db, type DbHandle } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';

/**
 * Fresh, migrated databases for integration tests. TEST_DB picks the engine:
 * 'pglite' (default) clones one migrated in-memory instance per test; 'postgres'
 * creates a database per test from a migrated template and drops it afterwards.
 */
export const TEST_DB = (process.env.TEST_DB ?? 'pglite') as 'pglite' | 'postgres';
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Names carry the runner's id so a runner cleans up only its own databases. */
const RUN = (process.env.TONGBAN_TEST_RUN ?? 'rlocal').replace(/[^a-z0-9]/gi, '');

let pgliteTemplate: Promise<import('@electric-sql/pglite').PGlite> | undefined;
let pgTemplate: Promise<string> | undefined;

function urlFor(dbName: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function makePgTemplate(): Promise<string> {
  const name = `tongban_tpl_${RUN}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const handle = await openDatabase({ databaseUrl: urlFor(name), poolSize: 1 });
  await migrateToLatest(handle.db);
  await handle.close();
  return name;
}

export async function freshDatabase(): Promise<DbHandle> {
  if (TEST_DB === 'postgres') {
    pgTemplate ??= makePgTemplate();
    const template = await pgTemplate;
    const name = `tongban_t_${RUN}_${process.pid}_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database ${name} template ${template}`);
    const handle = await openDatabase({ databaseUrl: urlFor(name), poolSize: 4 });
    return {
      ...handle,
      close: async () => {
        await handle.close();
        await adminQuery(`drop database if exists ${name} with (force)`);
      },
    };
  }
  pgliteTemplate ??= (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const client = new PGlite({ parsers: pgliteParsers });
    await client.waitReady;
    const handle = await pgliteHandle(client);
    await migrateToLatest(handle.db);
    return client;
  })();
  const template = await pgliteTemplate;
  // Not template.clone(): a clone drops the parsers, so dates and int8 would read differently than in production.
  const { PGlite } = await import('@electric-sql/pglite');
  const client = new PGlite({ loadDataDir: await template.dumpDataDir('none'), parsers: pgliteParsers });
  await client.waitReady;
  return pgliteHandle(client);
}

/** Drops this process's template database (call once, after all tests of a file). */
export async function dropTemplates(): Promise<void> {
  if (pgTemplate) {
    const name = await pgTemplate;
    await adminQuery(`drop database if exists ${name} with (force)`);
  }
}

/** The URL of a test's PostgreSQL database, for a second pool or a child process on it. */
export async function databaseUrlOf(db: Db): Promise<string> {
  const name = (await sql<{ name: string }>`select current_database() as name`.execute(db)).rows[0]!.name;
  return urlFor(name);
}

/**
 * A fresh PostgreSQL database seen through a pool of one connection, so each step of a
 * test finds the state the step before left on that connection (its prepared statements,
 * its open transaction). `fresh` is a second handle on the same database.
 */
export async function withOneConnection<T>(use: (db: Db, fresh: DbHandle) => Promise<T>): Promise<T> {
  const fresh = await freshDatabase();
  const one = await openDatabase({ databaseUrl: await databaseUrlOf(fresh.db), poolSize: 1 });
  try {
    return await use(one.db, fresh);
  } finally {
    await one.close();
    await fresh.close();
  }
}
