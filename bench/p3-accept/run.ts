// P3: applications accepted end to end per second on PostgreSQL — a teller at a counter
// submits, the rules decide (FEEL, with the parameters in force), the case is created and
// accepted at once, the review task opens in the central back office, with history,
// timers, audit chain and outbox — beside pgbench running a custom script that does the
// same row writes in one transaction (the physical reference).
//   cd /work/main && node --import tsx bench/p3-accept/run.ts   (APPLICATIONS=3000, CONCURRENCY=8, PGBENCH_SECONDS=20)
// Creates a fresh database (the test city plus 500 applicants), prints JSON and drops it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { openDatabase, pgPoolOf } from '../../server/src/db/connect.js';
import { migrateToLatest } from '../../server/src/db/migrate.js';
import { DEFAULT_CATALOG_DIR } from '../../server/src/config.js';
import { syncParameterCatalog } from '../../server/src/modules/policy/parameters.js';
import { seedSmallCity } from '../../server/src/test/fixtures.js';
import { createPerson, validatePerson } from '../../server/src/modules/masterdata/persons.js';
import { makeResidentId } from '../../server/src/modules/masterdata/identity/resident-id.js';
import { sealAudit, startAuditSealer, SYSTEM_ACTOR, verifyAuditChain } from '../../server/src/modules/audit/service.js';
import { installTestItems, SIMPLE_ITEM } from '../../server/src/modules/cases/testkit.js';
import { submitApplication } from '../../server/src/modules/cases/submit.js';
import { setPorts } from '../../server/src/modules/cases/ports.js';
import type { Applicant } from '../../server/src/modules/cases/wizard.js';

const APPLICATIONS = Number(process.env.APPLICATIONS ?? 3000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const PGBENCH_SECONDS = Number(process.env.PGBENCH_SECONDS ?? 20);
const ADMIN_URL = process.env.BENCH_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = process.env.BENCH_DB ?? 'tongban_bench_p3';
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const PGBENCH = process.env.PGBENCH ?? (fs.existsSync('/usr/bin/pgbench') ? '/usr/bin/pgbench' : '/usr/lib/postgresql/15/bin/pgbench');

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/**
 * The rows the platform writes for one application accepted at a counter, in one transaction:
 * the case; the acceptance task (done at once) and the review task; the review task's overdue
 * timer and the acceptance receipt's document timer; three history rows, three outbox events and
 * three audit entries (written unsealed; the platform's sealer numbers them, in the platform's
 * time, not here); the case's one UPDATE. `perRow`: one statement per row (a plain script).
 * `oneStatement`: the platform's own shape (cases/engine.ts writeDeferred): the case, then
 * everything else as one statement of data-modifying CTEs ending in the case UPDATE.
 */
function pgbenchScript(shape: 'perRow' | 'oneStatement'): string {
  const caseInsert = `INSERT INTO cases (id, tracking_no, item_code, item_version_id, item_name, domain, person_id, region_code, answers, materials, facts, decision, channel, service_point_id, submitted_by, client_key, status, current_step, promised_date, statutory_date) SELECT gen_random_uuid(), :tno, '371000-SB-9904', 'v', '测试简易登记', 'social_insurance', :pid, '371002001001', s.answers, '{"id_card":"reused"}', s.facts, s.decision, 'counter', 'SP371002001', gen_random_uuid(), NULL, 'submitted', 'accept', '2026-12-08', '2026-12-25' FROM p3_sample s RETURNING id AS cid \\gset`;
  const kinds = ['case.submitted', 'case.accepted', 'case.in_review'];
  // Each table: its insert head and the rows (value lists) the platform writes into it.
  const inserts: { head: string; rows: string[]; tail?: string }[] = [
    {
      head: 'INSERT INTO tasks (id, case_id, person_id, step_key, step_index, role, scope, region_code, status, due_date, statutory_due, completed_by, completed_at, action) VALUES ',
      rows: [
        `(:tacc, :cid, :pid, 'accept', 0, 'teller', '371002001', '371002001001', 'done', '2026-11-30', '2026-12-01', gen_random_uuid(), now(), 'accept')`,
        // pgbench would read ":social_insurance" inside a literal as a variable: chr(58) is the colon.
        `(:trev, :cid, :pid, 'review', 1, 'reviewer', 'central' || chr(58) || 'social_insurance', '371002001001', 'open', '2026-12-04', '2026-12-18', NULL, NULL, NULL)`,
      ],
    },
    {
      head: 'INSERT INTO case_events (case_id, person_id, actor_id, kind, from_status, to_status, task_id, detail) VALUES ',
      rows: kinds.map((k) => `(:cid, :pid, 'u', '${k}', 'submitted', 'accepted', :tacc, '{"channel":"counter"}')`),
    },
    {
      head: 'INSERT INTO outbox (event_id, type, aggregate_type, aggregate_id, partition_key, payload) VALUES ',
      rows: kinds.map((k) => `(gen_random_uuid(), '${k}', 'case', :cid, :pid, '{"caseId":"x","trackingNo":"TB2026112700000001X","itemCode":"371000-SB-9904","status":"accepted","personId":"p","orgId":"","taskId":""}')`),
    },
    {
      head: 'INSERT INTO timers (kind, due_at, payload, dedup_key) VALUES ',
      rows: [`('task.overdue', now() + interval '3 days', '{"taskId":"x"}', 'overdue-' || CAST(:trev AS text))`, `('document', now(), '{"kind":"acceptance_receipt"}', 'document-' || CAST(:cid AS text))`],
      tail: ' ON CONFLICT (dedup_key) DO NOTHING',
    },
    {
      head: 'INSERT INTO audit_log (at, actor_id, actor_role, channel, service_point_id, ip, action, object_type, object_id, before, after) VALUES ',
      rows: kinds.map((k) => `(now(), 'u', 'teller', 'counter', 'SP371002001', '127.0.0.1', '${k}', 'case', :cid, '{"status":"submitted"}', '{"status":"accepted","trackingNo":"TB2026112700000001X","itemCode":"371000-SB-9904","taskId":""}')`),
    },
  ];
  const caseUpdate = `UPDATE cases SET status = 'in_review', accepted_at = now(), current_step = 'review', updated_at = now(), version = version + 1 WHERE id = :cid AND version = 1`;
  const body =
    shape === 'perRow'
      ? [...inserts.flatMap((t) => t.rows.map((r) => `${t.head}${r}${t.tail ?? ''};`)), `${caseUpdate};`]
      : [`WITH ${inserts.map((t, i) => `w${i} AS (${t.head}${t.rows.join(', ')}${t.tail ?? ''})`).join(', ')} ${caseUpdate};`];
  return ['BEGIN;', "SELECT gen_random_uuid() AS pid, gen_random_uuid() AS tacc, gen_random_uuid() AS trev, 'TB' || nextval('case_tracking_seq') AS tno \\gset", caseInsert, ...body, 'COMMIT;', ''].join('\n');
}

function runPgbench(script: string, label: string): number {
  const file = path.join(os.tmpdir(), `tongban-p3-${label}.sql`);
  fs.writeFileSync(file, script);
  // Prepared statements, as the platform's hot statements are (docs/DECISIONS.md D12).
  const r = spawnSync(PGBENCH, ['-n', '-M', 'prepared', '-c', String(CONCURRENCY), '-j', '2', '-T', String(PGBENCH_SECONDS), '-f', file, DB_URL], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
  const m = /tps = ([0-9.]+) \(without initial connection time\)/.exec(r.stdout);
  if (!m) throw new Error(`no tps in pgbench output:\n${r.stdout}`);
  return Number(m[1]);
}

async function main() {
  await admin(`drop database if exists ${DB} with (force)`);
  await admin(`create database ${DB}`);
  const h = await openDatabase({ databaseUrl: DB_URL, poolSize: CONCURRENCY + 2 });
  pgPoolOf(h.db)?.on('error', () => undefined);
  try {
    await migrateToLatest(h.db);
    await syncParameterCatalog(h.db, DEFAULT_CATALOG_DIR);
    await installTestItems(h.db, [SIMPLE_ITEM]);
    // The small test city (regions, service points, teller.hc at SP371002001) and 500 applicants in Huancui.
    await seedSmallCity(h.db);
    for (let i = 0; i < 500; i++) {
      const v = validatePerson({ residentId: makeResidentId('371002', `19${60 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`, 100 + (i % 800)), name: `申请人${'甲乙丙丁戊己庚辛壬癸'[i % 10]}${'子丑寅卯辰巳午未申酉戌亥'[Math.floor(i / 10) % 12]}`, regionCode: '371002001' });
      if (!v.ok) throw new Error(JSON.stringify(v.errors));
      await createPerson(h.db, SYSTEM_ACTOR, { kind: 'system', ref: 'bench', actor: null }, v.value).catch(() => undefined);
    }
    // The submission seal (SM2 signature + archive record) is issue 6's and needs the archive
    // store of a running server; P3 measures rules, case, tasks, audit and outbox without it.
    setPorts({ sealSubmission: async () => null });
    const teller = await h.db.selectFrom('users').select(['user_id', 'roles', 'scope_region', 'service_point_id']).where('username', '=', 'teller.hc').executeTakeFirstOrThrow();
    const persons = await h.db.selectFrom('persons').selectAll().where('region_code', 'like', '371002%').limit(1000).execute();
    const staff = { userId: teller.user_id, roles: teller.roles, scopeRegion: teller.scope_region };
    const actor = { userId: teller.user_id, role: 'teller', channel: 'counter', servicePointId: teller.service_point_id, ip: '127.0.0.1' };

    let next = 0;
    let accepted = 0;
    await sealAudit(h.db);
    // The sealer runs beside the submissions as in a server, and the clock stops when every
    // accepted application's audit entries are sealed into the chain.
    const stopSealer = startAuditSealer(h.db, console, 200);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const i = next++;
          if (i >= APPLICATIONS) return;
          const p = persons[i % persons.length]!;
          const applicant: Applicant = { kind: 'person', personId: p.person_id, orgId: null, name: p.name, regionCode: p.region_code, person: p };
          const out = await submitApplication(
            h.db,
            { actor, now: new Date() },
            applicant,
            { itemCode: SIMPLE_ITEM.code, channel: 'counter', servicePointId: teller.service_point_id, answers: { employer: `单位${i}`, disabled: false }, materials: [{ code: 'id_card', reuse: true }], clientKey: `bench:${i}` },
            { submittedBy: teller.user_id, staff },
          );
          if (out.result === 'receipt' && out.case.status === 'in_review') accepted++;
        }
      }),
    );
    await stopSealer();
    await sealAudit(h.db);
    const platformSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const chain = await verifyAuditChain(h.db);
    if (!chain.ok || chain.unsealed !== 0) throw new Error(`audit chain after the run: ${JSON.stringify(chain).slice(0, 500)}`);
    // The JSON the platform stored for one application, written again by every pgbench transaction.
    await pgPoolOf(h.db)!.query('create table p3_sample as select answers, facts, decision from cases limit 1');
    const pgbenchTps = runPgbench(pgbenchScript('perRow'), 'per-row');
    const pgbenchOneStatementTps = runPgbench(pgbenchScript('oneStatement'), 'one-statement');
    const rate = accepted / platformSeconds;
    console.log(
      JSON.stringify(
        {
          applications: APPLICATIONS,
          concurrency: CONCURRENCY,
          // CPU of this process per application: less sensitive than the rate to what else runs on the machine.
          platform: { accepted, seconds: +platformSeconds.toFixed(2), perSecond: +rate.toFixed(1), nodeCpuMsPerApplication: +((cpu.user + cpu.system) / 1000 / accepted).toFixed(2) },
          auditChain: { sealedEntries: chain.entries, ok: chain.ok },
          pgbench: { script: 'the same row writes, one statement per row', tps: pgbenchTps },
          pgbenchOneStatement: { script: "the same rows in the platform's statement shape (case insert + one CTE statement)", tps: pgbenchOneStatementTps },
          ratio: +(rate / pgbenchTps).toFixed(2),
          ratioToOneStatement: +(rate / pgbenchOneStatementTps).toFixed(2),
          goals: '≥ 500/s and ≥ 0.4 × pgbench',
        },
        null,
        2,
      ),
    );
  } finally {
    await h.close();
    await admin(`drop database if exists ${DB} with (force)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
