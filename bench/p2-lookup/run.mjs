#!/usr/bin/env node
// P2: person lookup by resident ID over HTTP at 2.86 M persons, on PostgreSQL.
// Compares the platform's GET /api/persons?q=<ID> (signed-in staff, access check,
// region scope, masking) with a bare Fastify + pg route doing the same SELECT,
// first at full speed, then at a fixed 1,000 requests/s for the p99 latency.
//   node bench/p2-lookup/run.mjs            (PERSONS=2860000 by default)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '../..');
const PERSONS = Number(process.env.PERSONS ?? 2_860_000);
const ADMIN_URL = process.env.BENCH_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = process.env.BENCH_DB ?? 'tongban_bench_p2';
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const DURATION = Number(process.env.DURATION ?? 20);

async function q(url, text, params) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function ensureCity() {
  const exists = (await q(ADMIN_URL, 'select 1 from pg_database where datname = $1', [DB])).length > 0;
  if (exists) {
    const [{ n }] = await q(DB_URL, 'select count(*)::int as n from persons').catch(() => [{ n: 0 }]);
    if (n >= PERSONS) return n;
    await q(ADMIN_URL, `drop database ${DB} with (force)`);
  }
  await q(ADMIN_URL, `create database ${DB}`);
  console.error(`seeding ${PERSONS} persons into ${DB} (one-off; takes a while)…`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'server/bin/tongban.mjs'), 'seed', '--persons', String(PERSONS)], { env: { ...process.env, DATABASE_URL: DB_URL }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('seed failed');
  console.error(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  await q(DB_URL, 'vacuum analyze persons');
  return PERSONS;
}

function startServer(args, env, readyText) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(readyText)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

function load(url, ids, extra) {
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        connections: 32,
        duration: DURATION,
        ...extra,
        requests: [{ setupRequest: (req) => ({ ...req, path: extra.pathFor(ids[Math.floor(Math.random() * ids.length)]) }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    void inst;
  });
}

function summary(r) {
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, total: r.requests.total };
}

const n = await ensureCity();
const ids = (await q(DB_URL, 'select resident_id from persons tablesample system (1) limit 20000')).map((r) => r.resident_id);
const ourPort = 3901;
const barePort = 3902;
const ours = await startServer([path.join(root, 'server/bin/tongban.mjs'), 'serve'], { DATABASE_URL: DB_URL, PORT: String(ourPort), SEED_PERSONS: '0', LOG_LEVEL: 'warn' }, 'is running');
const bare = await startServer([path.join(root, 'bench/p2-lookup/bare.mjs')], { DATABASE_URL: DB_URL, PORT: String(barePort) }, 'bare ready');
try {
  const login = await fetch(`http://127.0.0.1:${ourPort}/api/auth/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'Tongban#2026' }) });
  if (login.status !== 204) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const oursOpts = { headers: { cookie }, pathFor: (id) => `/api/persons?q=${id}` };
  const bareOpts = { pathFor: (id) => `/persons/${id}` };
  // Warm both (JIT, connection pools, shared buffers).
  await load(`http://127.0.0.1:${ourPort}`, ids, { ...oursOpts, duration: 5 });
  await load(`http://127.0.0.1:${barePort}`, ids, { ...bareOpts, duration: 5 });
  const oursMax = summary(await load(`http://127.0.0.1:${ourPort}`, ids, oursOpts));
  const bareMax = summary(await load(`http://127.0.0.1:${barePort}`, ids, bareOpts));
  const oursFixed = summary(await load(`http://127.0.0.1:${ourPort}`, ids, { ...oursOpts, overallRate: 1000, connections: 20 }));
  const result = {
    benchmark: 'P2 person lookup by resident ID',
    persons: n,
    durationSeconds: DURATION,
    platform: oursMax,
    bare: bareMax,
    ratio: Number((oursMax.rps / bareMax.rps).toFixed(3)),
    platformAt1000rps: oursFixed,
    goal: 'ratio >= 0.8 and p99 < 10 ms at 1,000 req/s',
    met: oursMax.rps / bareMax.rps >= 0.8 && oursFixed.p99 < 10,
  };
  fs.mkdirSync(path.join(root, 'bench/out'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/out/p2.json'), JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result, null, 2));
} finally {
  ours.kill('SIGTERM');
  bare.kill('SIGTERM');
}
