import type { Config } from '../config.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { syncParameterCatalog } from '../modules/policy/parameters.js';
import { syncCatalogue } from '../modules/catalogue/service.js';
import { buildApp } from '../http/app.js';
import { purgeIdempotencyKeys } from '../http/idempotency.js';
import { natsPublisher } from '../modules/events/nats.js';
import { startRelay } from '../modules/events/relay.js';
import { signAuditCheckpoint } from '../modules/seals/checkpoints.js';
import { startCaseWorkers } from '../modules/cases/worker.js';
import { startAuditSealer } from '../modules/audit/service.js';
import { countPersons } from '../modules/masterdata/persons.js';
import { seedDemoCity, DEMO_ACCOUNTS } from '../modules/demo/seed.js';

export async function serve(config: Config): Promise<void> {
  const handle = await openDatabase(config);
  await migrateToLatest(handle.db);
  // Policy parameters and working-day calendars (catalog/parameters, catalog/calendars); a malformed file stops the start.
  await syncParameterCatalog(handle.db, config.catalogDir);
  // A malformed catalog/items file stops the start here, naming the file, path and reason.
  await syncCatalogue(handle.db, config.catalogDir);
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
  // Case timers (overdue escalation, business chains) run on every replica; SKIP LOCKED keeps them apart.
  const stopCaseWorkers = startCaseWorkers(handle.db, app.log);
  // Audit entries are written with each action and sealed into the hash chain here, in
  // writing order, every AUDIT_SEAL_MS (default 200); one replica seals at a time.
  const stopAuditSealer = startAuditSealer(handle.db, app.log, Math.max(10, Number(process.env.AUDIT_SEAL_MS ?? 200)));
  // Housekeeping: forget idempotency keys past their retry window, hourly.
  const purge = setInterval(() => {
    purgeIdempotencyKeys(handle.db).catch((err) => app.log.error({ err }, 'purging idempotency keys failed'));
  }, 60 * 60 * 1000);
  purge.unref();
  // Signed audit checkpoints (issue 6): the chain head, signed every AUDIT_CHECKPOINT_MINUTES (default 10) when it moved.
  const checkpointMinutes = Number(process.env.AUDIT_CHECKPOINT_MINUTES ?? 10);
  const checkpoint = setInterval(() => {
    signAuditCheckpoint(handle.db).catch((err) => app.log.error({ err }, 'signing the audit checkpoint failed'));
  }, Math.max(1, checkpointMinutes) * 60 * 1000);
  checkpoint.unref();
  const shutdown = async () => {
    clearInterval(purge);
    clearInterval(checkpoint);
    await stopCaseWorkers();
    await stopAuditSealer();
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
