import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Db } from './connect.js';
import { migrations as platform } from '../modules/platform/migrations.js';
import { migrations as events } from '../modules/events/migrations.js';
import { migrations as audit } from '../modules/audit/migrations.js';
import { migrations as masterdata } from '../modules/masterdata/migrations.js';
import { migrations as iam } from '../modules/iam/migrations.js';
import { migrations as rights } from '../modules/rights/migrations.js';
import { migrations as insurance } from '../modules/insurance/migrations.js';
import { migrations as cases } from '../modules/cases/migrations.js';
import { migrations as catalogue } from '../modules/catalogue/migrations.js';
import { migrations as policy } from '../modules/policy/migrations.js';
import { migrations as seals } from '../modules/seals/migrations.js';
import { migrations as archives } from '../modules/archives/migrations.js';
import { migrations as documents } from '../modules/documents/migrations.js';

/**
 * Migrations of every module, in one global order. Names start with a date-time
 * stamp so that modules added later sort after the ones already applied.
 */
const all: Record<string, Migration> = { ...platform, ...events, ...audit, ...masterdata, ...iam, ...rights, ...insurance, ...cases, ...catalogue, ...policy, ...seals, ...archives, ...documents };

const provider: MigrationProvider = { getMigrations: async () => all };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
