import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's catalog/ folder (server/src/config.ts → ../../catalog). */
export const DEFAULT_CATALOG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../catalog');

/** Process configuration, read once from the environment (see README's table). */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL connection string; when absent the embedded PGlite database in dataDir is used. */
  databaseUrl: string | undefined;
  logLevel: string;
  /** Persons in the demo city generated on first start of an empty database. */
  seedPersons: number;
  seedRandom: number;
  /** Marks cookies Secure. Browsers accept Secure cookies from http://localhost and 127.0.0.1. */
  cookieSecure: boolean;
  natsUrl: string | undefined;
  /** Development SMS sender writes codes to the log and to the test inbox. */
  smsSender: 'log';
  /** The reviewed YAML a bureau edits (items/, parameters/, calendars/): loaded at start. */
  catalogDir: string;
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFrom(env.PORT, 3000, 'PORT'),
    host: env.HOST || '0.0.0.0',
    // Relative to where the user ran the command: `npm start` at the repository root runs the
    // server inside server/, but npm keeps the user's folder in INIT_CWD.
    dataDir: path.resolve(env.INIT_CWD || process.cwd(), env.DATA_DIR || 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    seedPersons: intFrom(env.SEED_PERSONS, 20_000, 'SEED_PERSONS'),
    seedRandom: intFrom(env.SEED_RANDOM, 2026, 'SEED_RANDOM'),
    cookieSecure: env.COOKIE_SECURE !== 'false',
    natsUrl: env.NATS_URL || undefined,
    smsSender: 'log',
    catalogDir: env.CATALOG_DIR ? path.resolve(env.INIT_CWD || process.cwd(), env.CATALOG_DIR) : DEFAULT_CATALOG_DIR,
  };
}
