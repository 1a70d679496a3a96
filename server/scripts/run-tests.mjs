#!/usr/bin/env node
// Runs the whole suite: unit tests once, integration tests on PGlite and on
// PostgreSQL, browser tests in Debian Chromium. Under CI=true a phase that cannot
// run (no PostgreSQL, no Chromium) is a failure, never a skip.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '..');
const ci = process.env.CI === 'true' || process.env.CI === '1';
const only = process.argv.slice(2);

function find(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') find(p, out);
    else if (e.isFile() && e.name.endsWith('.test.ts')) out.push(path.relative(root, p));
  }
  return out;
}
const all = find(path.join(root, 'src')).sort().filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const unit = all.filter((f) => !f.endsWith('.int.test.ts') && !f.endsWith('.browser.test.ts'));
const integration = all.filter((f) => f.endsWith('.int.test.ts'));
const browser = all.filter((f) => f.endsWith('.browser.test.ts'));

const pgUrl = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
async function postgresUp() {
  const c = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
async function dropLeftovers() {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  // Only this run's databases: other runs may be going on against the same server.
  const { rows } = await c.query('select datname from pg_database where datname like $1', [`tongban_t%\\_r${process.pid}\\_%`]);
  for (const r of rows) await c.query(`drop database if exists ${r.datname} with (force)`);
  await c.end();
}
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const totals = { pass: 0, fail: 0 };
let failed = false;
function run(label, files, env) {
  if (files.length === 0) return;
  console.log(`\n=== ${label}: ${files.length} files ===`);
  const countsFile = path.join(os.tmpdir(), `tongban-test-counts-${process.pid}-${label.replace(/\W+/g, '-')}.json`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=./scripts/count-reporter.mjs', `--test-reporter-destination=${countsFile}`, '--test-concurrency=2', ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TONGBAN_TEST_RUN: `r${process.pid}`, ...env },
  });
  const text = fs.existsSync(countsFile) ? fs.readFileSync(countsFile, 'utf8') : '';
  const counts = text ? JSON.parse(text) : { pass: 0, fail: 1 };
  fs.rmSync(countsFile, { force: true });
  totals.pass += counts.pass;
  totals.fail += counts.fail;
  if (res.status !== 0) failed = true;
}
function skipOrFail(what) {
  if (ci) {
    console.error(`\n${what}: required in CI, failing.`);
    failed = true;
  } else console.warn(`\n${what}: skipped on this machine (CI fails instead).`);
}

run('unit', unit, {});
run('integration on PGlite', integration, { TEST_DB: 'pglite' });
if (await postgresUp()) {
  run('integration on PostgreSQL', integration, { TEST_DB: 'postgres', TEST_PG_URL: pgUrl });
  await dropLeftovers();
} else skipOrFail(`PostgreSQL at ${pgUrl} is not answering`);
if (fs.existsSync(chromium)) run('browser (Chromium)', browser, { CHROMIUM_PATH: chromium });
else if (browser.length) skipOrFail(`Chromium not found at ${chromium}`);

console.log(`\n${totals.pass} passed, ${totals.fail} failed`);
process.exit(failed || totals.fail > 0 ? 1 : 0);
