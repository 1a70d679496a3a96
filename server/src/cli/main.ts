import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { parseResidentId, RESIDENT_ID_REASONS } from '../modules/masterdata/identity/resident-id.js';
import { verifyAuditChain } from '../modules/audit/service.js';
import { verifyAuditCheckpoints } from '../modules/seals/checkpoints.js';
import { registerTrustCommands } from '../modules/seals/cli.js';
import { configureSeals } from '../modules/seals/master-key.js';
import { serve } from './serve.js';
import { seedDemoCity } from '../modules/demo/seed.js';
import { importPersonsFile } from '../modules/masterdata/import.js';
import { progressBar } from './progress.js';
import { registerPolicyCommands } from '../modules/policy/cli.js';
import { registerInsuranceCommands } from '../modules/insurance/cli.js';

const program = new Command();
program.name('tongban').description('Tongban (通办) — integrated HR and social security public services platform').exitOverride();

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

program
  .command('serve')
  .description('Start the platform (migrates, and loads the demo city into an empty database)')
  .action(async () => {
    await serve(loadConfig());
  });

program
  .command('migrate')
  .description('Apply database migrations')
  .action(async () => {
    const config = loadConfig();
    const h = await openDatabase(config);
    const applied = await migrateToLatest(h.db);
    console.log(JSON.stringify({ database: h.kind, applied }));
    await h.close();
  });

program
  .command('seed')
  .description('Generate the deterministic demo city (regions, service points, staff, persons, employers, contribution histories)')
  .option('--persons <n>', 'number of persons', (v) => Number(v), 20_000)
  .option('--seed <s>', 'random seed', (v) => Number(v), 2026)
  .action(async (opts: { persons: number; seed: number }) => {
    if (!Number.isInteger(opts.persons) || opts.persons < 1) fail('--persons must be a positive integer');
    if (!Number.isInteger(opts.seed)) fail('--seed must be an integer');
    const config = loadConfig();
    const h = await openDatabase(config);
    await migrateToLatest(h.db);
    const bar = progressBar('persons');
    const summary = await seedDemoCity(h.db, { persons: opts.persons, seed: opts.seed, onProgress: bar.update });
    bar.stop();
    console.log(JSON.stringify(summary, null, 2));
    await h.close();
  });

const imp = program.command('import').description('Bulk imports');
imp
  .command('persons <file>')
  .description('Import persons from CSV or XLSX: bad rows go to a report, good rows are kept, suspected duplicates to review')
  .option('--report <file>', 'where to write the rejected rows (default: <file>.rejected.csv)')
  .action(async (file: string, opts: { report?: string }) => {
    const config = loadConfig();
    const h = await openDatabase(config);
    await migrateToLatest(h.db);
    const bar = progressBar('rows');
    try {
      const result = await importPersonsFile(h.db, file, { reportPath: opts.report, onProgress: bar.update });
      bar.stop();
      console.log(JSON.stringify(result, null, 2));
    } catch (e) {
      bar.stop();
      fail(`import failed: ${(e as Error).message}`);
    } finally {
      await h.close();
    }
  });

const audit = program.command('audit').description('Audit trail');
audit
  .command('verify')
  .description('Verify the hash chain; exits 1 and names each broken entry when it was tampered with')
  .action(async () => {
    const config = loadConfig();
    const h = await openDatabase(config);
    await migrateToLatest(h.db);
    const bar = progressBar('entries');
    const chain = await verifyAuditChain(h.db, bar.update);
    bar.stop();
    // Signed checkpoints show what the chain alone cannot: entries cut off its end.
    configureSeals({ dataDir: config.dataDir });
    const checkpoints = await verifyAuditCheckpoints(h.db);
    const problems = [...chain.problems, ...checkpoints.problems].sort((a, b) => a.seq - b.seq);
    const report = { ...chain, ok: problems.length === 0, problems, checkpoints: { checked: checkpoints.checked, latestSeq: checkpoints.latest } };
    console.log(JSON.stringify(report, null, 2));
    await h.close();
    if (!report.ok) process.exit(1);
  });

registerTrustCommands(program, audit);

const id = program.command('id').description('Resident ID tools');
id
  .command('normalize <value>')
  .alias('normalise')
  .description('Normalise and check a resident ID (GB 11643): prints JSON, or exits 1 with the reason')
  .action((value: string) => {
    const r = parseResidentId(value);
    if (!r.ok) {
      console.log(JSON.stringify({ ok: false, reason: r.reason, message: RESIDENT_ID_REASONS[r.reason] }));
      process.exit(1);
    }
    console.log(JSON.stringify({ id: r.value.id, birthDate: r.value.birthDate, sex: r.value.sex, area: r.value.area, upgraded: r.value.upgraded }));
  });

registerPolicyCommands(program);
registerInsuranceCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  throw e;
}
