/**
 * Crash safety of submission: the real server (`tongban serve`) on a fresh PostgreSQL
 * database, clients submitting hundreds of applications with Idempotency-Keys and
 * retrying on any failure, the server killed with SIGKILL mid-way and started again.
 * Afterwards every acknowledged application exists exactly once, every key has exactly
 * one case, and `tongban audit verify` passes.
 * Always on PostgreSQL (the city deployment); it creates and drops its own database.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TEST_PG_URL } from '../../test/db.js';
import { openDatabase } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';
import { PASSWORD, seedSmallCity } from '../../test/fixtures.js';
import { installTestItems, SIMPLE_ITEM } from './testkit.js';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(serverDir, 'bin/tongban.mjs');
const DB = `tongban_t_sigkill_${process.pid}`;
const url = (() => {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${DB}`;
  return u.toString();
})();
const TOTAL = Number(process.env.SIGKILL_APPLICATIONS ?? 300);
const CLIENTS = 6;

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let server: ChildProcess | null = null;

function start(port: number): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', SEED_PERSONS: '0', LOG_LEVEL: 'warn', COOKIE_SECURE: 'false', NATS_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', () => undefined);
  return child;
}

async function ready(base: string, timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error('server did not become ready');
}

after(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await admin(`drop database if exists ${DB} with (force)`);
});

test('SIGKILL while clients submit with idempotency keys: every acknowledged application exists exactly once; the audit chain verifies', { timeout: 600_000 }, async () => {
  await admin(`drop database if exists ${DB} with (force)`);
  await admin(`create database ${DB}`);
  // The test item is published before the server starts (the server syncs catalog/ beside it).
  const h = await openDatabase({ databaseUrl: url, poolSize: 2 });
  await migrateToLatest(h.db);
  await installTestItems(h.db, [SIMPLE_ITEM]);
  // The small test city: the server sees persons and does not generate the demo city.
  const city = await seedSmallCity(h.db);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = start(port);
  await ready(base);

  const login = await fetch(`${base}/api/auth/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'teller.hc', password: PASSWORD }) });
  assert.ok(login.ok, await login.text());
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const applicantId = city.persons.zhang!.personId; // lives in Huancui, the teller's district

  const acknowledged = new Map<string, string>(); // key → case id from a 201
  let next = 0;
  let attempts = 0;
  let failures = 0;
  const submit = async (key: string, i: number): Promise<void> => {
    for (;;) {
      attempts++;
      try {
        const r = await fetch(`${base}/api/cases`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, 'idempotency-key': key },
          body: JSON.stringify({ itemCode: SIMPLE_ITEM.code, applicantId, channel: 'counter', answers: { employer: `单位${i}`, disabled: false }, materials: [{ code: 'id_card', reuse: true }] }),
        });
        const body = (await r.json()) as { case?: { id: string }; code?: string };
        if (r.status === 201) {
          const prior = acknowledged.get(key);
          if (prior) assert.equal(body.case!.id, prior, 'a retry of an acknowledged key returns the same case');
          acknowledged.set(key, body.case!.id);
          return;
        }
        failures++;
        // 409 IDEMPOTENCY_IN_PROGRESS (a claim left by the killed server) and 5xx: retry.
        assert.ok(r.status === 409 || r.status >= 500, `unexpected ${r.status} ${JSON.stringify(body)}`);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        failures++; // connection refused or reset: the server is down
      }
      await sleep(300);
    }
  };
  let clientError: unknown = null;
  const clients = Array.from({ length: CLIENTS }, async () => {
    for (;;) {
      const i = next++;
      if (i >= TOTAL) return;
      await submit(`sigkill-${i}`, i);
    }
  }).map((c) =>
    c.catch((e: unknown) => {
      clientError ??= e;
    }),
  );
  // A client's unexpected answer ends the test at once instead of leaving it waiting.
  const failFast = () => {
    if (clientError) throw clientError;
  };

  // Kill the server hard once about a third is acknowledged, then start it again.
  while (acknowledged.size < TOTAL / 3) {
    failFast();
    await sleep(20);
  }
  const ackedBeforeKill = new Map(acknowledged);
  server.kill('SIGKILL');
  await new Promise((r) => server!.once('exit', r));
  await sleep(500);
  server = start(port);
  await ready(base);
  await Promise.all(clients);
  failFast();

  // Every key once more after the restart: all answered with their one case.
  for (let i = 0; i < TOTAL; i++) await submit(`sigkill-${i}`, i);

  const rows = await h.db.selectFrom('cases').select(['id', 'client_key']).where('item_code', '=', SIMPLE_ITEM.code).execute();
  const byKey = new Map<string, string[]>();
  for (const r of rows) {
    const key = r.client_key!.split(':').slice(1).join(':');
    byKey.set(key, [...(byKey.get(key) ?? []), r.id]);
  }
  assert.equal(rows.length, TOTAL, 'one case per application, none duplicated or lost');
  for (let i = 0; i < TOTAL; i++) {
    const key = `sigkill-${i}`;
    assert.deepEqual(byKey.get(key), [acknowledged.get(key)], `key ${key}`);
  }
  for (const [key, id] of ackedBeforeKill) assert.equal(acknowledged.get(key), id, 'acknowledged before the kill: the same case after it');
  await h.close();

  server.kill('SIGTERM');
  await new Promise((r) => server!.once('exit', r));
  const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { cwd: serverDir, env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /"ok": true/);
  assert.ok(failures > 0, `the kill was felt by the clients (${attempts} attempts)`);
});
