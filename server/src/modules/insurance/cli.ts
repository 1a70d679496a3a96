import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openDatabase } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';
import { progressBar } from '../../cli/progress.js';
import { SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { creditYearInterest } from './account.js';
import { assessMonth } from './assessment.js';
import { applyYearlyAdjustment } from './benefits.js';
import { isMonth } from './money.js';
import { getPayrollRun, runPayroll } from './payroll.js';

/**
 * `tongban payroll …` and `tongban insurance …`: the monthly batches of the contributory
 * core. The operator is recorded as `cli:<os user>`; releasing a payroll needs another
 * person (the API's release route, permission payroll.release).
 */
function cliActor(): Actor {
  return { ...SYSTEM_ACTOR, userId: `cli:${os.userInfo().username}`, role: 'operator', channel: 'cli' };
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function withDb<T>(work: (db: Awaited<ReturnType<typeof openDatabase>>['db'], dataDir: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const h = await openDatabase(config);
  try {
    await migrateToLatest(h.db);
    return await work(h.db, config.dataDir);
  } finally {
    await h.close();
  }
}

export function registerInsuranceCommands(program: Command): void {
  const payroll = program.command('payroll').description('Monthly benefit payroll (待遇发放)');
  payroll
    .command('run')
    .description('Compute (or resume) the payroll of a month and write one CSV per bank under <DATA_DIR>/payroll/<month>/; idempotent')
    .requiredOption('--month <YYYY-MM>', 'the month to pay')
    .option('--chunk <n>', 'persons per chunk', (v) => Number(v), 50_000)
    .action(async (o: { month: string; chunk: number }) => {
      if (!isMonth(o.month)) fail('--month must be YYYY-MM');
      if (!Number.isInteger(o.chunk) || o.chunk < 1) fail('--chunk must be a positive integer');
      const bar = progressBar('chunks');
      const summary = await withDb((db, dataDir) => runPayroll(db, { month: o.month, dataDir, chunkSize: o.chunk, onProgress: bar.update }, cliActor()));
      bar.stop();
      console.log(JSON.stringify(summary, null, 2));
    });
  payroll
    .command('show')
    .description('Print a month’s payroll run')
    .requiredOption('--month <YYYY-MM>', 'the month')
    .action(async (o: { month: string }) => {
      const run = await withDb((db) => getPayrollRun(db, o.month));
      if (!run) fail(`no payroll run for ${o.month}`, 1);
      console.log(JSON.stringify(run, null, 2));
    });

  const ins = program.command('insurance').description('Contribution batches (缴费核定, 记账利息, 养老金调整)');
  ins
    .command('assess')
    .description('Assess every active employer and flexible worker for a month: entries and one bill each (idempotent)')
    .requiredOption('--month <YYYY-MM>', 'the month')
    .action(async (o: { month: string }) => {
      if (!isMonth(o.month)) fail('--month must be YYYY-MM');
      const bar = progressBar('payers');
      const r = await withDb((db) => assessMonth(db, o.month, cliActor(), bar.update));
      bar.stop();
      console.log(JSON.stringify(r));
    });
  ins
    .command('interest')
    .description('Credit a year’s personal-account interest at the published crediting rate (idempotent)')
    .requiredOption('--year <YYYY>', 'the account year', (v) => Number(v))
    .action(async (o: { year: number }) => {
      if (!Number.isInteger(o.year) || o.year < 1998) fail('--year must be a year');
      console.log(JSON.stringify(await withDb((db) => creditYearInterest(db, o.year, cliActor()))));
    });
  ins
    .command('adjust-pensions')
    .description('Apply a year’s pension adjustment from January (idempotent)')
    .requiredOption('--year <YYYY>', 'the year', (v) => Number(v))
    .action(async (o: { year: number }) => {
      if (!Number.isInteger(o.year) || o.year < 2000) fail('--year must be a year');
      console.log(JSON.stringify(await withDb((db) => applyYearlyAdjustment(db, o.year, cliActor()))));
    });
}
