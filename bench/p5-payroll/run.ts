// P5: the monthly benefit payroll for 600,000 retirees on PostgreSQL, to bank files,
// against one INSERT … SELECT doing only the arithmetic (the reference).
//   cd /work/main && npx tsx bench/p5-payroll/run.ts      (RETIREES=600000 by default)
// Creates a fresh database, migrates it, generates the retirees in SQL (persons,
// pensions with paying banks, two yearly adjustments for most, a few in arrears after a
// reinstatement, 1 % suspended) and last month's released run, ANALYZEs, times the
// reference, then times runPayroll (set-based chunks + one CSV per bank by COPY), checks
// that every active pension is paid once and the totals agree, prints JSON and drops the
// database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, pgPoolOf } from '../../server/src/db/connect.js';
import { migrateToLatest } from '../../server/src/db/migrate.js';
import { SYSTEM_ACTOR } from '../../server/src/modules/audit/service.js';
import { uuid7 } from '../../server/src/lib/uuid7.js';
import { runPayroll } from '../../server/src/modules/insurance/payroll.js';

const RETIREES = Number(process.env.RETIREES ?? 600_000);
const CHUNK = Number(process.env.CHUNK ?? 50_000);
const PARALLEL = process.env.PARALLEL ? Number(process.env.PARALLEL) : undefined;
const MONTH = '2026-11';
const ADMIN_URL = process.env.BENCH_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = process.env.BENCH_DB ?? 'tongban_bench_p5';
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);

/** CPU seconds (user + system) so far of each backend of the benchmark database, by pid (from /proc: the same machine). */
async function backendCpu(c: pg.Client): Promise<Map<number, number>> {
  const pids = (await c.query('select pid from pg_stat_activity where datname = current_database()')).rows.map((r) => Number(r.pid));
  const tick = 100; // USER_HZ
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) / tick);
    } catch {
      // not on this machine, or gone
    }
  }
  return out;
}

function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  return +[...after].reduce((t, [pid, s]) => t + s - (before.get(pid) ?? 0), 0).toFixed(2);
}

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function q(c: pg.Client, text: string): Promise<number> {
  const t0 = performance.now();
  await c.query(text);
  return (performance.now() - t0) / 1000;
}

async function generate(c: pg.Client): Promise<number> {
  const t0 = performance.now();
  // Person ids: md5 of the index as a uuid (random order, like uuid7 keys of different days).
  await c.query(`
    insert into persons (person_id, resident_id, name, name_pinyin, name_initials, birth_date, sex, id_area_code, region_code)
    select md5('p5-' || i)::uuid, 'P5' || lpad(i::text, 16, '0'),
      (array['王','李','张','刘','陈','杨','赵','黄','周','吴'])[1 + i % 10] || (array['秀英','建国','桂兰','志强','玉梅','德胜','淑珍','国华'])[1 + (i / 10) % 8],
      'p5', 'p', date '1940-01-01' + (i % 9000), case when i % 2 = 0 then 'M' else 'F' end, '371002', '371002001'
    from generate_series(1, ${RETIREES}) i`);
  // Yearly adjustments of 2025 and 2026 for pensions that started before each year: their
  // sum and latest month are kept on the benefit, as applyYearlyAdjustment does.
  const ADJUSTMENTS = `(values ('2025-01', 2500, 100), ('2026-01', 2500, 100)) as y(m, fixed, bp)`;
  await c.query(`
    insert into benefits (benefit_id, person_id, kind, start_month, end_month, basic_fen, account_fen, status, suspended_from, paid_through, bank_code, account_no, account_name, decision_ref, adjustments_fen, last_adjustment_month, rhythm_from)
    select md5('b5-' || i)::uuid, md5('p5-' || i)::uuid, 'pension', start_month, null, basic_fen, account_fen,
      case when i % 100 = 0 then 'suspended' else 'active' end,
      case when i % 100 = 0 then '2026-09' end,
      -- Paid through October by last month's run (below), so paid_through is not stored:
      -- the payroll reads it from that run. It is stored only where a pension left the
      -- monthly rhythm: the suspended, and 1 in 200 reinstated after missing two months
      -- (arrears due), both paid through August.
      case when i % 200 = 7 or i % 100 = 0 then '2026-08' end,
      (array['ICBC','CCB','ABC','BOC','WHCB'])[1 + i % 5], 'SSC' || lpad(i::text, 12, '0'),
      (array['王','李','张','刘','陈','杨','赵','黄','周','吴'])[1 + i % 10] || (array['秀英','建国','桂兰','志强','玉梅','德胜','淑珍','国华'])[1 + (i / 10) % 8], 'P5-' || i,
      coalesce(adj.total, 0), adj.latest,
      -- In the monthly rhythm since their first month (D17); those that left it (the suspended,
      -- the reinstated owed arrears) are out of it until a run pays them again.
      case when i % 200 = 7 or i % 100 = 0 then null else start_month end
    from (
      select i, to_char(date '2008-01-01' + make_interval(months => i % 226), 'YYYY-MM') as start_month,
        150000 + (i::bigint * 7919) % 250000 as basic_fen, 20000 + (i::bigint * 104729) % 130000 as account_fen
      from generate_series(1, ${RETIREES}) i
    ) g
    left join lateral (
      select sum(y.fixed + ((g.basic_fen + g.account_fen) * y.bp * 2 + 10000) / 20000)::bigint as total, max(y.m) as latest
      from ${ADJUSTMENTS} where g.start_month < y.m
    ) adj on true`);
  await c.query(`
    insert into benefit_adjustments (benefit_id, person_id, effective_month, amount_fen, parameter_version)
    select b.benefit_id, b.person_id, y.m, y.fixed + ((b.basic_fen + b.account_fen) * y.bp * 2 + 10000) / 20000, 'pension.yearly_adjustment@' || y.m
    from benefits b cross join ${ADJUSTMENTS}
    where b.start_month < y.m`);
  // Last month's run, computed and released as the payroll would have left it: October paid
  // to every pension that was active then (not the suspended, not those in arrears). Its id is
  // a UUIDv7 of a month ago, as runPayroll makes them: runs sort by time in the payments' key,
  // so this month's run is appended at its right edge (an id sorting after it would put every
  // insert of the run in the middle of the key, which PostgreSQL splits half-and-half).
  const OCTOBER_RUN = uuid7(Date.UTC(2026, 9, 28, 2));
  await c.query(`
    insert into payroll_runs (run_id, month, status, chunk_size, chunks_total, chunks_done, payments, total_fen, files, run_by, released_by, released_at, finished_at)
    values ('${OCTOBER_RUN}'::uuid, '2026-10', 'released', ${CHUNK}, 0, 0, 0, 0, '[]', 'bench', 'bench-2', now(), now())`);
  await c.query(`
    insert into benefit_payments (run_id, person_id, benefit_id, kind, month, regular_fen, arrears_months, arrears_fen, total_fen, bank_code, account_no, payee_name)
    select '${OCTOBER_RUN}'::uuid, b.person_id, b.benefit_id, b.kind, '2026-10', b.basic_fen + b.account_fen, 0, 0, b.basic_fen + b.account_fen, b.bank_code, b.account_no, b.account_name
    from benefits b where b.status = 'active' and b.paid_through is null order by b.person_id`);
  await c.query('vacuum analyze persons, benefits, benefit_adjustments, benefit_payments, payroll_runs');
  return (performance.now() - t0) / 1000;
}

/** With REUSE_DB: a database kept by an earlier run (KEEP_DB=1), its November run removed. */
async function reusable(): Promise<boolean> {
  if (!process.env.REUSE_DB) return false;
  const c = new pg.Client({ connectionString: DB_URL });
  try {
    await c.connect();
    await c.query(`select 1 from benefit_payments limit 1`);
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
  return true;
}

async function forget(c: pg.Client) {
  await c.query(`delete from benefit_payments where run_id in (select run_id from payroll_runs where month = '${MONTH}')`);
  await c.query(`delete from payroll_chunks where run_id in (select run_id from payroll_runs where month = '${MONTH}')`);
  await c.query(`delete from payroll_runs where month = '${MONTH}'`);
  await c.query(`update benefits set rhythm_from = null where rhythm_from = '${MONTH}'`);
  await c.query('drop table if exists p5_reference');
  // Compacted, as a fresh database has it: the run must extend the table, not refill the
  // space of the run removed.
  await c.query('vacuum full benefit_payments');
  await c.query('vacuum analyze benefit_payments, payroll_runs, payroll_chunks');
}

async function main() {
  const reuse = await reusable();
  if (!reuse) {
    await admin(`drop database if exists ${DB} with (force)`);
    await admin(`create database ${DB}`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-p5-'));
  try {
    const h = await openDatabase({ databaseUrl: DB_URL, poolSize: 4 });
    pgPoolOf(h.db)?.on('error', () => undefined);
    await migrateToLatest(h.db);
    const c = new pg.Client({ connectionString: DB_URL });
    // The database is dropped at the end even after a failure: that must not mask the failure.
    c.on('error', () => undefined);
    await c.connect();
    const generateSeconds = reuse ? (await forget(c), 0) : await generate(c);
    const active = Number((await c.query(`select count(*) as n from benefits where status = 'active'`)).rows[0].n);

    // The reference: one INSERT … SELECT with only the arithmetic of a month's payment.
    await c.query('create table p5_reference (person_id uuid, total_fen bigint)');
    // Each side starts right after a checkpoint, so neither pays for the other's (or the
    // generator's) dirty pages, nor gets a checkpoint's full-page images in its WAL by chance.
    await c.query('checkpoint');
    const referenceCpu0 = await backendCpu(c);
    const referenceSeconds = await q(
      c,
      `insert into p5_reference
       select b.person_id, b.basic_fen + b.account_fen + coalesce(a.adj, 0)
       from benefits b left join (select benefit_id, sum(amount_fen) as adj from benefit_adjustments where effective_month <= '${MONTH}' group by benefit_id) a on a.benefit_id = b.benefit_id
       where b.status = 'active'`,
    );
    const referenceCpu = cpuSince(referenceCpu0, await backendCpu(c));

    let chunks = 0;
    let chunksDoneAt = 0;
    await c.query('checkpoint');
    const cpu0 = { node: process.cpuUsage(), backends: await backendCpu(c) };
    const t0 = performance.now();
    if (process.env.P5_AT_PAYROLL) (await import('node:child_process')).spawn('sh', ['-c', process.env.P5_AT_PAYROLL], { stdio: 'ignore', detached: true }).unref();
    if (process.env.SKIP_RUN) {
      // Data only (with KEEP_DB, for EXPLAIN): close the connections so the process ends.
      await c.end();
      await h.close();
      return;
    }
    const run = await runPayroll(
      h.db,
      { month: MONTH, dataDir, chunkSize: CHUNK, ...(PARALLEL ? { parallel: PARALLEL } : {}), onProgress: (d, n) => { chunks = d; if (d === n) chunksDoneAt = performance.now(); } },
      { ...SYSTEM_ACTOR, userId: 'bench' },
    );
    const payrollSeconds = (performance.now() - t0) / 1000;
    const nodeCpu = process.cpuUsage(cpu0.node);
    const backendsAfter = await backendCpu(c);
    // CPU seconds of this process and of the database's backends during the payroll: what
    // the two cores were asked to do, beside the wall-clock time.
    const cpu = {
      nodeSeconds: +((nodeCpu.user + nodeCpu.system) / 1e6).toFixed(2),
      backendSeconds: cpuSince(cpu0.backends, backendsAfter),
      referenceBackendSeconds: referenceCpu,
    };

    const check = (
      await c.query(`
        select (select count(*) from benefit_payments where run_id = $1) as payments,
               (select count(distinct person_id) from benefit_payments where run_id = $1) as persons,
               (select sum(regular_fen) from benefit_payments where run_id = $1) as regular,
               (select sum(total_fen) from p5_reference) as reference,
               (select count(*) from benefit_payments where run_id = $1 and arrears_months > 0) as with_arrears,
               (select sum(arrears_months) from benefit_payments where run_id = $1) as arrears_months,
               -- September and October for each reinstated pension that had started by then.
               (select sum(greatest(0, 2 - greatest(0, substr(start_month, 1, 4)::int * 12 + substr(start_month, 6, 2)::int - (2026 * 12 + 9))))
                from benefits where status = 'active' and paid_through = '2026-08') as arrears_months_due`,
        [run.runId],
      )
    ).rows[0];
    const fileRows = run.files.reduce((s, f) => s + f.rows, 0);
    const fileBytes = run.files.reduce((s, f) => s + fs.statSync(path.join(dataDir, f.file)).size, 0);
    await c.end();
    await h.close();
    const load = os.loadavg().map((x) => x.toFixed(2));
    console.log(
      JSON.stringify(
        {
          retirees: RETIREES,
          activePensions: active,
          chunkSize: CHUNK,
          parallel: PARALLEL ?? 'default',
          chunks,
          generateSeconds: +generateSeconds.toFixed(2),
          referenceSeconds: +referenceSeconds.toFixed(2),
          referenceRowsPerSecond: Math.round(active / referenceSeconds),
          payrollSeconds: +payrollSeconds.toFixed(2),
          payrollRowsPerSecond: Math.round(Number(check.payments) / payrollSeconds),
          // Opening the run and the chunks, then the bank files and the closing transaction.
          chunksSeconds: +((chunksDoneAt - t0) / 1000).toFixed(2),
          filesSeconds: +(payrollSeconds - (chunksDoneAt - t0) / 1000).toFixed(2),
          ratio: +(referenceSeconds / payrollSeconds).toFixed(3),
          cpu,
          goal: { seconds: 30, ratio: 0.5 },
          payments: Number(check.payments),
          personsPaidOnce: Number(check.persons) === Number(check.payments),
          everyActivePaid: Number(check.payments) === active,
          regularTotalEqualsReference: Number(check.regular) === Number(check.reference),
          withArrears: Number(check.with_arrears),
          arrearsMonthsAsDue: Number(check.arrears_months) === Number(check.arrears_months_due),
          totalFen: run.totalFen,
          files: run.files.map((f) => ({ bank: f.bank, rows: f.rows, totalFen: f.totalFen })),
          fileRows,
          fileBytes,
          loadAverage: load,
        },
        null,
        2,
      ),
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (!process.env.KEEP_DB && !process.env.REUSE_DB) await admin(`drop database if exists ${DB} with (force)`);
  }
}

await main();
