import type { Config } from '../config.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { buildApp } from '../http/app.js';
import { purgeIdempotencyKeys } from '../http/idempotency.js';
import { natsPublisher } from '../modules/events/nats.js';
import { startRelay } from '../modules/events/relay.js';
import { countPersons } from '../modules/masterdata/persons.js';
import { seedDemoCity, DEMO_ACCOUNTS } from '../modules/demo/seed.js';

export async function serve(config: Config): Promise<void> {
  const handle = await openDatabase(config);
  await migrateToLatest(handle.db);
  if ((await countPersons(handle.db)) === 0 && config.seedPersons > 0) {
    process.stdout.write(`Empty database: generating the demo city (${config.seedPersons} persons)…\n`);
    const t0 = Date.now();
    await seedDemoCity(handle.db, { persons: config.seedPersons, seed: config.seedRandom });
    process.stdout.write(`Demo city ready in ${((Date.now() - t0) / 1000).toFixed(1)} s.\n`);
  }
  const app = await buildApp({ db: handle.db, config });
  // Events leave through the outbox only: with NATS configured, every replica relays
  // (SKIP LOCKED keeps them from colliding); without it they wait in the table.
  let stopRelay: (() => Promise<void>) | null = null;
  if (config.natsUrl) {
    const publisher = await natsPublisher(config.natsUrl);
    const stop = startRelay(handle.db, publisher, app.log);
    stopRelay = async () => {
      await stop();
      await publisher.close();
    };
  }
  // Housekeeping: forget idempotency keys past their retry window, hourly.
  const purge = setInterval(() => {
    purgeIdempotencyKeys(handle.db).catch((err) => app.log.error({ err }, 'purging idempotency keys failed'));
  }, 60 * 60 * 1000);
  purge.unref();
  const shutdown = async () => {
    clearInterval(purge);
    await stopRelay?.();
    await app.close();
    await handle.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ port: config.port, host: config.host });
  const url = `http://localhost:${config.port}/`;
  process.stdout.write(
    [
      '',
      `Tongban (通办) is running: ${url}`,
      `Database: ${handle.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'}`,
      `API documentation: ${url}docs`,
      'Demo accounts (password for all: ' + DEMO_ACCOUNTS.password + '):',
      ...DEMO_ACCOUNTS.staff.map((a) => `  staff    ${a.username.padEnd(14)} ${a.role}  (${a.scope})`),
      ...DEMO_ACCOUNTS.citizens.map((c) => `  citizen  ${c.residentId}  ${c.name}`),
      '',
    ].join('\n'),
  );
}
