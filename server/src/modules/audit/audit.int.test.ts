import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { databaseUrlOf, TEST_DB } from '../../test/db.js';
import { setupTestApp, type TestContext } from '../../test/fixtures.js';
import { makeResidentId } from '../masterdata/identity/resident-id.js';
import { appendAudit, appendAudits, entryHash, sealAudit, SYSTEM_ACTOR, verifyAuditChain, type ChainProblemKind } from './service.js';
import { openDatabase } from '../../db/connect.js';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let t: TestContext;
let entries = 0;

before(async () => {
  t = await setupTestApp();
  const app = t.app;
  // Real actions: a failed and a good staff sign-in, a citizen sign-in, an unmasking,
  // a person registered over the API, a sign-out; and entries written directly.
  await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: 'teller.hc', password: 'wrong-password' } });
  const teller = await t.staffCookie('teller.hc');
  await t.citizenCookie(t.city.persons.li!.residentId);
  const unmask = await app.inject({ method: 'POST', url: `/api/persons/${t.city.persons.zhang!.personId}/unmask`, headers: { cookie: teller }, payload: { reason: '核对身份' } });
  assert.equal(unmask.statusCode, 200, unmask.body);
  const admin = await t.staffCookie('admin');
  const created = await app.inject({
    method: 'POST',
    url: '/api/persons',
    headers: { cookie: admin },
    payload: { residentId: makeResidentId('371003', '1999-09-09', 321), name: '赵敏', phone: '13506301111', regionCode: '371003001' },
  });
  assert.equal(created.statusCode, 201, created.body);
  await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: teller } });
  await appendAudit(t.db, SYSTEM_ACTOR, { action: 'test.note', after: { text: 'emoji 🙂, RTL مرحبا, quote " and \\ backslash', nested: { b: 2, a: [1, { z: null }] } } });
  await appendAudit(t.db, SYSTEM_ACTOR, { action: 'test.note', before: { n: 1 }, after: { n: 2 } });
  await sealAudit(t.db);
  entries = Number((await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(t.db)).rows[0]!.n);
  assert.ok(entries >= 12, `expected a chain of some length, got ${entries}`);
});
after(async () => t?.close());

const actions = async () => (await t.db.selectFrom('audit_log').select('action').orderBy('id').execute()).map((r) => r.action);

type Row = Record<string, unknown> & { seq: number };

async function snapshot(): Promise<Row[]> {
  return (await t.db.selectFrom('audit_log').selectAll().orderBy('id').execute()) as unknown as Row[];
}

async function restore(rows: Row[], db: Db = t.db): Promise<void> {
  await db.deleteFrom('audit_log').execute();
  for (const r of rows) {
    await db
      .insertInto('audit_log')
      .values({ ...(r as Record<string, unknown>), before: r.before === null ? null : JSON.stringify(r.before), after: r.after === null ? null : JSON.stringify(r.after) } as never)
      .execute();
  }
}

/** Runs a tampering on the shared chain, hands the result to `check`, and puts the chain back. */
async function tampered<T>(tamper: (db: Db) => Promise<void>, check: () => Promise<T>): Promise<T> {
  const saved = await snapshot();
  try {
    await tamper(t.db);
    return await check();
  } finally {
    await restore(saved);
  }
}

// ---- the tamperings, as an attacker with SQL access would do them ----

const modifyAfter = (seq: number) => async (db: Db) => {
  await sql`update audit_log set after = ${JSON.stringify({ forged: true })}::jsonb where seq = ${seq}`.execute(db);
};
const modifyAction = (seq: number) => async (db: Db) => {
  await sql`update audit_log set action = 'auth.login' || 'x' where seq = ${seq}`.execute(db);
};
/** Edits an entry and recomputes its own hash, so the entry alone looks sound. */
const rewrite = (seq: number) => async (db: Db) => {
  const r = (await sql<Row>`select * from audit_log where seq = ${seq}`.execute(db)).rows[0]!;
  const forged = { ...r, action: 'test.rewritten', at: new Date(r.at as Date) } as never as Parameters<typeof entryHash>[1] & { prev_hash: string };
  await sql`update audit_log set action = 'test.rewritten', hash = ${entryHash(forged.prev_hash, forged)} where seq = ${seq}`.execute(db);
};
const remove = (seq: number) => async (db: Db) => {
  await sql`delete from audit_log where seq = ${seq}`.execute(db);
};
/** Shifts the seqs of every entry from `from` on by `by` (two steps: seq is the primary key). */
async function renumber(db: Db, from: number, by: number): Promise<void> {
  await sql`update audit_log set seq = -(seq + ${by}) where seq >= ${from}`.execute(db);
  await sql`update audit_log set seq = -seq where seq < 0`.execute(db);
}
const removeAndRenumber = (seq: number) => async (db: Db) => {
  await remove(seq)(db);
  await renumber(db, seq + 1, -1);
};
/** Squeezes in a forged entry at `seq` with a self-consistent hash linking to entry seq − 1. */
const insertAt = (seq: number) => async (db: Db) => {
  const prev = seq > 1 ? (await sql<{ hash: string }>`select hash from audit_log where seq = ${seq - 1}`.execute(db)).rows[0]!.hash : '0'.repeat(64);
  await renumber(db, seq, 1);
  const fields = { seq, at: new Date(), actor_id: 'intruder', actor_role: 'administrator', channel: 'web', service_point_id: null, ip: '10.0.0.66', action: 'person.unmask', object_type: 'person', object_id: 'x', before: null, after: { reason: 'forged' } };
  await db.insertInto('audit_log').values({ ...fields, after: JSON.stringify(fields.after), prev_hash: prev, hash: entryHash(prev, fields) } as never).execute();
};
/** Swaps the positions of two entries (each keeps its content and hash, takes the other's seq). */
const swap = (i: number, j: number) => async (db: Db) => {
  await sql`update audit_log set seq = -1 where seq = ${i}`.execute(db);
  await sql`update audit_log set seq = ${i} where seq = ${j}`.execute(db);
  await sql`update audit_log set seq = ${j} where seq = -1`.execute(db);
};

const problemsOf = async () => (await verifyAuditChain(t.db)).problems.map((p) => ({ seq: p.seq, kind: p.kind }));

// ---- the CLI, against the same database ----

const currentDatabaseUrl = () => databaseUrlOf(t.db);

function runCli(env: Record<string, string>): { status: number | null; report: { ok: boolean; problems: { seq: number; kind: string }[] } | null; stderr: string } {
  const res = spawnSync(process.execPath, ['bin/tongban.mjs', 'audit', 'verify'], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: '', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  let report = null;
  try {
    report = JSON.parse(res.stdout);
  } catch {
    /* reported below */
  }
  return { status: res.status, report, stderr: res.stderr };
}

const cliProblems = (r: ReturnType<typeof runCli>) => r.report?.problems.map((p) => ({ seq: p.seq, kind: p.kind }));

// ---- tests ----

test('an intact chain verifies: every entry, no problems, head = last entry', async () => {
  const report = await verifyAuditChain(t.db);
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.equal(report.entries, entries);
  assert.equal(report.headSeq, entries);
  const head = await t.db.selectFrom('audit_log').select('hash').where('seq', '=', entries).executeTakeFirstOrThrow();
  assert.equal(report.headHash, head.hash);
  const acts = await actions();
  for (const a of ['auth.login_failed', 'auth.login', 'person.unmask', 'person.create', 'auth.logout', 'test.note']) assert.ok(acts.includes(a), `chain has ${a}`);
});

const cases: { name: string; tamper: (seq: number) => (db: Db) => Promise<void>; kind: ChainProblemKind }[] = [
  { name: 'an entry whose `after` was edited', tamper: modifyAfter, kind: 'modified' },
  { name: 'an entry whose action was edited', tamper: modifyAction, kind: 'modified' },
  { name: 'an entry edited with its hash recomputed', tamper: rewrite, kind: 'modified' },
  { name: 'a deleted entry', tamper: remove, kind: 'deleted' },
  { name: 'a deleted entry with the later seqs renumbered to close the gap', tamper: removeAndRenumber, kind: 'deleted' },
  { name: 'a forged entry squeezed in (later seqs renumbered, hash self-consistent)', tamper: insertAt, kind: 'inserted' },
];

for (const c of cases) {
  test(`verify names ${c.name}: kind ${c.kind}, and which entry`, async () => {
    for (const seq of [1, 5, entries - 1]) {
      assert.deepEqual(await tampered(c.tamper(seq), problemsOf), [{ seq, kind: c.kind }], `tampering at ${seq}`);
    }
    assert.equal((await verifyAuditChain(t.db)).ok, true, 'chain restored');
  });
}

test('verify names both entries of a reordering (adjacent or far apart, content swapped)', async () => {
  for (const [i, j] of [[3, 4], [2, 9], [1, entries]] as const) {
    assert.deepEqual(await tampered(swap(i, j), problemsOf), [{ seq: i, kind: 'reordered' }, { seq: j, kind: 'reordered' }], `swap ${i}<->${j}`);
  }
  // Swapping the content of two rows while the seqs stay put is the same reordering.
  const swapContent = async (db: Db) => {
    const cols = sql.raw(['at', 'actor_id', 'actor_role', 'channel', 'service_point_id', 'ip', 'action', 'object_type', 'object_id', 'before', 'after', 'prev_hash', 'hash'].map((c) => `${c} = o.${c}`).join(', '));
    await sql`update audit_log a set ${cols} from (select * from audit_log where seq in (6, 7)) o where a.seq in (6, 7) and o.seq = 13 - a.seq`.execute(db);
  };
  assert.deepEqual(await tampered(swapContent, problemsOf), [{ seq: 6, kind: 'reordered' }, { seq: 7, kind: 'reordered' }]);
});

test('property: any single tampering anywhere is reported once, with its kind and entry', async () => {
  const n = entries;
  const op = fc.oneof(
    fc.record({ op: fc.constant('modify' as const), seq: fc.integer({ min: 1, max: n }) }),
    fc.record({ op: fc.constant('rewrite' as const), seq: fc.integer({ min: 1, max: n - 1 }) }),
    fc.record({ op: fc.constant('delete' as const), seq: fc.integer({ min: 1, max: n - 1 }) }),
    fc.record({ op: fc.constant('deleteRenumber' as const), seq: fc.integer({ min: 1, max: n - 1 }) }),
    fc.record({ op: fc.constant('insert' as const), seq: fc.integer({ min: 1, max: n }) }),
    fc.record({ op: fc.constant('swap' as const), seq: fc.integer({ min: 1, max: n - 1 }), gap: fc.integer({ min: 1, max: n - 1 }) }),
  );
  await fc.assert(
    fc.asyncProperty(op, async (o) => {
      let tamper: (db: Db) => Promise<void>;
      let expected: { seq: number; kind: ChainProblemKind }[];
      switch (o.op) {
        case 'modify': [tamper, expected] = [modifyAfter(o.seq), [{ seq: o.seq, kind: 'modified' }]]; break;
        case 'rewrite': [tamper, expected] = [rewrite(o.seq), [{ seq: o.seq, kind: 'modified' }]]; break;
        case 'delete': [tamper, expected] = [remove(o.seq), [{ seq: o.seq, kind: 'deleted' }]]; break;
        case 'deleteRenumber': [tamper, expected] = [removeAndRenumber(o.seq), [{ seq: o.seq, kind: 'deleted' }]]; break;
        case 'insert': [tamper, expected] = [insertAt(o.seq), [{ seq: o.seq, kind: 'inserted' }]]; break;
        case 'swap': {
          const j = Math.min(n, o.seq + o.gap);
          [tamper, expected] = [swap(o.seq, j), [{ seq: o.seq, kind: 'reordered' }, { seq: j, kind: 'reordered' }]];
          break;
        }
      }
      assert.deepEqual(await tampered(tamper, problemsOf), expected);
    }),
    { seed: 20261127, numRuns: 25 },
  );
});

test('several tamperings at once are each reported', async () => {
  const problems = await tampered(async (db) => {
    await modifyAfter(2)(db);
    await remove(6)(db);
    await swap(9, 11)(db);
  }, problemsOf);
  assert.deepEqual(problems, [
    { seq: 2, kind: 'modified' },
    { seq: 6, kind: 'deleted' },
    { seq: 9, kind: 'reordered' },
    { seq: 11, kind: 'reordered' },
  ]);
});

test('concurrent appends outside a transaction still form one chain', async () => {
  const saved = await snapshot();
  try {
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(t.db, SYSTEM_ACTOR, { action: 'test.concurrent', after: { i } })));
    const report = await verifyAuditChain(t.db);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.entries, entries + 20);
  } finally {
    await restore(saved);
  }
});

test('POST /api/audit/verify reports the damage to an auditor, and is itself audited', async () => {
  const saved = await snapshot();
  try {
    const auditor = await t.staffCookie('auditor');
    const ok = await t.app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: auditor } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().ok, true);
    await modifyAction(4)(t.db);
    const bad = await t.app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: auditor } });
    assert.equal(bad.json().ok, false);
    assert.deepEqual(bad.json().problems.map((p: { seq: number; kind: string }) => [p.seq, p.kind]), [[4, 'modified']]);
    assert.ok((await actions()).includes('audit.verify'));
    const teller = await t.staffCookie('teller.hc');
    const denied = await t.app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: teller } });
    assert.equal(denied.statusCode, 403);
  } finally {
    await restore(saved);
  }
});

// The CLI opens the database named by DATABASE_URL, so it checks the PostgreSQL test
// database; on PGlite the same verifyAuditChain is covered by the tests above (an
// on-disk PGlite copy for a child process costs a minute here).
if (TEST_DB === 'postgres') test('`tongban audit verify` exits 0 on an intact chain and 1 naming each tampered entry', { timeout: 300_000 }, async () => {
  const env = { DATABASE_URL: await currentDatabaseUrl() };
  const entries = (await snapshot()).length;
  const intact = runCli(env);
  assert.equal(intact.status, 0, intact.stderr);
  assert.equal(intact.report?.ok, true);
  assert.equal(intact.report && (intact.report as unknown as { entries: number }).entries, entries);
  const cli = async (tamper: (db: Db) => Promise<void>) => tampered(tamper, async () => runCli(env));
  for (const [tamper, expected] of [
    [modifyAfter(5), [{ seq: 5, kind: 'modified' }]],
    [rewrite(4), [{ seq: 4, kind: 'modified' }]],
    [remove(7), [{ seq: 7, kind: 'deleted' }]],
    [insertAt(6), [{ seq: 6, kind: 'inserted' }]],
    [swap(2, 9), [{ seq: 2, kind: 'reordered' }, { seq: 9, kind: 'reordered' }]],
  ] as const) {
    const r = await cli(tamper);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.report?.ok, false);
    assert.deepEqual(cliProblems(r), expected);
  }
});

test('the audit trail is append-only: outside tests, only the sealer updates audit_log, and only unsealed entries', () => {
  const src = path.join(serverDir, 'src');
  const offenders: string[] = [];
  // The one permitted update: sealBatch gives an unsealed entry its place in the chain.
  const sealing = /update audit_log set seq = v\.seq, prev_hash = v\.prev_hash, hash = v\.hash\s+from \(values \$\{values\}\) as v\(id, seq, prev_hash, hash\) where audit_log\.id = v\.id and audit_log\.seq is null/;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !p.includes(`${path.sep}test${path.sep}`)) {
        let text = fs.readFileSync(p, 'utf8');
        if (p.endsWith(path.join('audit', 'service.ts'))) {
          assert.match(text, sealing, 'the sealer only touches unsealed entries');
          text = text.replace(sealing, '');
        }
        // The migration that numbered the entries written before sealing existed (id = seq).
        if (p.endsWith(path.join('audit', 'migrations.ts'))) text = text.replace('update audit_log set id = seq`', '');
        if (/updateTable\(\s*['"]audit_log['"]|deleteFrom\(\s*['"]audit_log['"]|(update|delete\s+from|truncate)\s+(table\s+)?audit_log\b/i.test(text)) offenders.push(path.relative(serverDir, p));
      }
    }
  };
  walk(src);
  assert.deepEqual(offenders, []);
  // And the check itself finds what it looks for.
  assert.match("await db.deleteFrom('audit_log')", /deleteFrom\(\s*['"]audit_log['"]/);
});

test('entries are written at once and sealed later, in writing order, into one chain; sealing again changes nothing', async () => {
  const saved = await snapshot();
  try {
    const ids = await appendAudits(t.db, [1, 2, 3].map((i) => ({ actor: SYSTEM_ACTOR, input: { action: 'test.later', after: { i } } })));
    const written = await t.db.selectFrom('audit_log').select(['id', 'seq', 'hash']).where('id', 'in', ids).orderBy('id').execute();
    assert.deepEqual(written.map((r) => [r.seq, r.hash]), [[null, null], [null, null], [null, null]], 'written without a place in the chain');
    assert.equal(await sealAudit(t.db), 3);
    const sealed = await t.db.selectFrom('audit_log').select(['id', 'seq', 'prev_hash', 'hash', 'after']).where('id', 'in', ids).orderBy('id').execute();
    assert.deepEqual(sealed.map((r) => r.seq), [entries + 1, entries + 2, entries + 3]);
    assert.deepEqual(sealed.map((r) => (r.after as { i: number }).i), [1, 2, 3]);
    assert.equal(sealed[1]!.prev_hash, sealed[0]!.hash);
    const before = await snapshot();
    assert.equal(await sealAudit(t.db), 0);
    assert.deepEqual(await snapshot(), before);
    const report = await verifyAuditChain(t.db);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.unsealed, 0);
  } finally {
    await restore(saved);
  }
});

// Two connections are needed to see writers that do not wait and a sealer that steps aside: PostgreSQL.
if (TEST_DB === 'postgres') test('writers in parallel never wait for the chain; one sealer at a time; a busy chain is sealed by whoever holds it', async () => {
  const saved = await snapshot();
  const other = await openDatabase({ databaseUrl: await currentDatabaseUrl(), poolSize: 8 });
  try {
    // 40 transactions on 8 connections, each writing 3 entries: none waits for another.
    await Promise.all(Array.from({ length: 40 }, (_, i) => other.db.transaction().execute((trx) => appendAudits(trx, [0, 1, 2].map((k) => ({ actor: SYSTEM_ACTOR, input: { action: 'test.parallel', after: { i, k } } }))))));
    // While another sealer holds the chain, sealing steps aside and seals nothing.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = other.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(774411)`.execute(trx);
      locked();
      await held;
    });
    await isLocked;
    assert.equal(await sealAudit(t.db), 0);
    release();
    await holder;
    assert.equal(await sealAudit(t.db), 120);
    const report = await verifyAuditChain(t.db);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.entries, entries + 120);
    const per = await sql<{ i: number; ks: number[] }>`select (after->>'i')::int as i, array_agg((after->>'k')::int order by seq) as ks from audit_log where action = 'test.parallel' group by 1`.execute(t.db);
    assert.equal(per.rows.length, 40);
    // The entries of one transaction keep their order in the chain.
    for (const r of per.rows) assert.deepEqual(r.ks, [0, 1, 2]);
  } finally {
    await other.close();
    await restore(saved);
  }
});
