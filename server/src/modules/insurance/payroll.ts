import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { sql } from 'kysely';
import { to as copyTo } from 'pg-copy-streams';
import { pgPoolOf, type Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { isMonth } from './money.js';

/**
 * The monthly benefit payroll (待遇发放).
 *
 * A run for a month is cut into chunks of person-id ranges (fixed when the run is
 * created). Each chunk is ONE set-based statement in ONE transaction: it computes every
 * due payment of the range — the month's amount (basic + account + the yearly
 * adjustments in force that month) plus arrears for earlier unpaid months (after a
 * reinstatement, or a pension granted retroactively) — inserts them with
 * ON CONFLICT (run, person, kind) DO NOTHING, advances each benefit's paid_through by
 * exactly the rows inserted, and marks the chunk done. A crash between chunks loses
 * nothing; a rerun skips the done chunks, and even a chunk done twice inserts nothing
 * twice. Suspended benefits are not selected; ended ones neither.
 *
 * Then one CSV per paying bank is written under <dataDir>/payroll/<month>/ by streaming
 * (COPY … TO STDOUT on PostgreSQL, keyset pages on PGlite), with row counts, totals and
 * SHA-256 recorded on the run. The files go to the banks only after a second person
 * with 'payroll.release' signs the totals off (two-person rule); release checks that the
 * files are still exactly what was computed.
 */

export interface PayrollOptions {
  month: string;
  dataDir: string;
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Test hook: called after each committed chunk (throw to simulate a crash). */
  afterChunk?: (chunkNo: number) => void | Promise<void>;
}

export interface PayrollSummary {
  runId: string;
  month: string;
  status: string;
  chunksTotal: number;
  chunksDone: number;
  payments: number;
  totalFen: number;
  files: { bank: string; file: string; rows: number; totalFen: number; sha256: string }[];
  runBy: string | null;
  releasedBy: string | null;
}

const DEFAULT_CHUNK = 50_000;

function present(r: { run_id: string; month: string; status: string; chunks_total: number; chunks_done: number; payments: number; total_fen: number; files: PayrollSummary['files']; run_by: string | null; released_by: string | null }): PayrollSummary {
  return { runId: r.run_id, month: r.month, status: r.status, chunksTotal: r.chunks_total, chunksDone: r.chunks_done, payments: r.payments, totalFen: r.total_fen, files: r.files, runBy: r.run_by, releasedBy: r.released_by };
}

/** Month index of a char(7) 'YYYY-MM' column, in SQL. */
const mi = (col: string) => sql.raw(`(substr(${col}, 1, 4)::int * 12 + substr(${col}, 6, 2)::int - 1)`);

/** Creates the run and its chunks, or returns the existing run of the month. */
async function openRun(db: Db, month: string, chunkSize: number, actor: Actor) {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`payroll:${month}`}))`.execute(trx);
    const existing = await trx.selectFrom('payroll_runs').selectAll().where('month', '=', month).executeTakeFirst();
    if (existing) return existing;
    const runId = uuid7();
    // Chunk boundaries: every chunkSize-th person with a running benefit, in person-id order.
    const bounds = await sql<{ chunk_no: number; lo: string; hi: string }>`
      select (rn / ${chunkSize})::int as chunk_no, min(person_id::text)::uuid as lo, max(person_id::text)::uuid as hi
      from (select person_id, (row_number() over (order by person_id)) - 1 as rn from (select distinct person_id from benefits where status = 'active') d) x
      group by 1 order by 1`.execute(trx);
    const chunks = bounds.rows;
    const run = await trx
      .insertInto('payroll_runs')
      .values({ run_id: runId, month, status: 'running', chunk_size: chunkSize, chunks_total: chunks.length, chunks_done: 0, payments: 0, total_fen: 0, files: JSON.stringify([]), run_by: actor.userId, released_by: null, released_at: null, finished_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    // Ranges are contiguous so a benefit started after the run was opened still falls in one.
    for (let i = 0; i < chunks.length; i += 1000) {
      await trx
        .insertInto('payroll_chunks')
        .values(
          chunks.slice(i, i + 1000).map((c, j) => ({
            run_id: runId,
            chunk_no: Number(c.chunk_no),
            lo: i + j === 0 ? '00000000-0000-0000-0000-000000000000' : c.lo,
            hi: i + j === chunks.length - 1 ? 'ffffffff-ffff-ffff-ffff-ffffffffffff' : (chunks[i + j + 1]!.lo as string),
          })),
        )
        .execute();
    }
    await appendAudit(trx, actor, { action: 'payroll.open', objectType: 'payroll_run', objectId: runId, after: { month, chunks: chunks.length, chunk_size: chunkSize } });
    return run;
  });
}

/**
 * One chunk: [lo, hi) of person ids (the last chunk includes hi). The due months of a
 * benefit are from max(start, paid_through + 1) to min(run month, end month); the last
 * of them is the regular payment when it is the run month, the others are arrears.
 */
function chunkStatement(runId: string, month: string, lo: string, hi: string, last: boolean) {
  const m = sql.lit(month);
  const upper = last ? sql`b.person_id <= ${hi}::uuid` : sql`b.person_id < ${hi}::uuid`;
  return sql`
    with due as (
      select b.benefit_id, b.person_id, b.kind, b.bank_code, b.account_no, b.basic_fen + b.account_fen as amount, b.end_month,
        greatest(${mi('b.start_month')}, coalesce(${mi('b.paid_through')} + 1, 0)) as first_m,
        least(${mi(`'${month}'`)}, coalesce(${mi('b.end_month')}, ${mi(`'${month}'`)})) as last_m
      from benefits b
      where b.status = 'active' and b.person_id >= ${lo}::uuid and ${upper}
        and b.start_month <= ${m} and (b.paid_through is null or b.paid_through < ${m})
    ), adj as (
      -- Adjustments in force in the run month, summed per benefit for the whole range at once.
      select a.benefit_id, sum(a.amount_fen)::bigint as upto
      from benefit_adjustments a
      where a.person_id >= ${lo}::uuid and ${sql.raw(last ? 'a.person_id <=' : 'a.person_id <')} ${hi}::uuid and a.effective_month <= ${m}
      group by a.benefit_id
    ), arr as materialized (
      -- Arrears (rare): each missed month at that month's own amount.
      select d.benefit_id, count(*)::int as n,
        sum(d.amount + coalesce((select sum(x.amount_fen)::bigint from benefit_adjustments x
          where x.benefit_id = d.benefit_id and x.effective_month <= to_char(make_date(g.mm / 12, g.mm % 12 + 1, 1), 'YYYY-MM')), 0))::bigint as fen
      from due d cross join lateral generate_series(d.first_m, least(d.last_m, ${mi(`'${month}'`)} - 1)) as g(mm)
      where d.first_m < ${mi(`'${month}'`)}
      group by d.benefit_id
    ), per as (
      select d.benefit_id, d.person_id, d.kind, d.bank_code, d.account_no,
        case when d.last_m = ${mi(`'${month}'`)} then d.amount + coalesce(adj.upto, 0) else 0 end as regular,
        coalesce(arr.n, 0) as arrears_months,
        coalesce(arr.fen, 0) as arrears
      from due d left join adj on adj.benefit_id = d.benefit_id left join arr on arr.benefit_id = d.benefit_id
      where d.first_m <= d.last_m
    ), ins as (
      insert into benefit_payments (run_id, person_id, benefit_id, kind, month, regular_fen, arrears_months, arrears_fen, total_fen, bank_code, account_no)
      select ${runId}::uuid, person_id, benefit_id, kind, ${m}, regular, arrears_months, arrears, regular + arrears, bank_code, account_no from per
      on conflict (run_id, person_id, kind) do nothing
      returning benefit_id, total_fen
    ), upd as (
      -- Paid through the last due month: the run month, or the benefit's end if earlier.
      -- Joined to ins alone (one row per benefit, by primary key): what was not inserted
      -- (a rerun) does not move.
      update benefits b set paid_through = case when b.end_month is not null and b.end_month < ${m} then b.end_month else ${m} end,
        status = case when b.end_month is not null and b.end_month <= ${m} then 'ended' else b.status end
      from ins
      where b.benefit_id = ins.benefit_id
      returning b.benefit_id
    )
    select (select count(*) from ins)::int as n, (select coalesce(sum(total_fen), 0) from ins)::bigint as total, (select count(*) from upd)::int as updated`;
}

/**
 * Runs (or resumes) the payroll of a month up to the point of release. Idempotent: a
 * run already computed or released is returned unchanged.
 */
export async function runPayroll(db: Db, opts: PayrollOptions, actor: Actor): Promise<PayrollSummary> {
  if (!isMonth(opts.month)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/month', reason: 'YYYY-MM' }] });
  const run = await openRun(db, opts.month, opts.chunkSize ?? DEFAULT_CHUNK, actor);
  if (run.status !== 'running') return present(run);
  const chunks = await db.selectFrom('payroll_chunks').selectAll().where('run_id', '=', run.run_id).orderBy('chunk_no').execute();
  const total = chunks.length;
  const onPostgres = pgPoolOf(db) !== undefined;
  let done = chunks.filter((c) => c.done).length;
  opts.onProgress?.(done, total);
  for (const c of chunks) {
    if (c.done) continue;
    await db.transaction().execute(async (trx) => {
      // Two processes resuming the same run take turns per chunk; the second finds it done.
      const locked = await trx.selectFrom('payroll_chunks').select('done').where('run_id', '=', run.run_id).where('chunk_no', '=', c.chunk_no).forUpdate().executeTakeFirstOrThrow();
      if (locked.done) return;
      // The planner's estimate for generate_series (1,000 rows a call) makes the statement
      // look huge and PostgreSQL would spend seconds JIT-compiling it: off for this chunk.
      if (onPostgres) await sql`set local jit = off`.execute(trx);
      const r = await chunkStatement(run.run_id, opts.month, c.lo, c.hi, c.chunk_no === total - 1).execute(trx);
      const row = r.rows[0] as { n: number; total: number; updated: number };
      if (Number(row.updated) !== Number(row.n)) throw new Error(`payroll chunk ${c.chunk_no}: ${row.n} payments but ${row.updated} benefits advanced`);
      await trx.updateTable('payroll_chunks').set({ done: true }).where('run_id', '=', run.run_id).where('chunk_no', '=', c.chunk_no).execute();
      await trx.updateTable('payroll_runs').set((eb) => ({ chunks_done: eb('chunks_done', '+', 1) })).where('run_id', '=', run.run_id).execute();
    });
    done++;
    opts.onProgress?.(done, total);
    await opts.afterChunk?.(c.chunk_no);
  }
  const files = await writeBankFiles(db, run.run_id, opts.month, opts.dataDir);
  return db.transaction().execute(async (trx) => {
    const sums = await trx.selectFrom('benefit_payments').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.coalesce(eb.fn.sum<number>('total_fen'), sql<number>`0`).as('total')]).where('run_id', '=', run.run_id).executeTakeFirstOrThrow();
    const row = await trx
      .updateTable('payroll_runs')
      .set({ status: 'computed', payments: Number(sums.n), total_fen: Number(sums.total), files: JSON.stringify(files), finished_at: new Date() })
      .where('run_id', '=', run.run_id)
      .where('status', '=', 'running')
      .returningAll()
      .executeTakeFirst();
    const final = row ?? (await trx.selectFrom('payroll_runs').selectAll().where('run_id', '=', run.run_id).executeTakeFirstOrThrow());
    if (row) {
      await recordEvent(trx, { type: 'payroll.computed', aggregateType: 'payroll_run', aggregateId: run.run_id, payload: { runId: run.run_id, month: opts.month, payments: Number(sums.n), totalFen: Number(sums.total), banks: files.map((f) => ({ bank: f.bank, rows: f.rows, totalFen: f.totalFen })) } });
      await appendAudit(trx, actor, { action: 'payroll.compute', objectType: 'payroll_run', objectId: run.run_id, after: { month: opts.month, payments: Number(sums.n), total_fen: Number(sums.total), files: files.map((f) => ({ bank: f.bank, rows: f.rows, sha256: f.sha256 })) } });
    }
    return present(final);
  });
}

const FILE_HEADER = 'account_no,name,amount,month,regular,arrears,arrears_months,person_ref\n';

function fileQuery(runId: string, bank: string, page?: { after: string | undefined }) {
  const after = page?.after;
  return sql`
    select p.account_no, replace(coalesce(ps.name, ''), ',', ' ') as name,
      (p.total_fen / 100)::text || '.' || lpad((p.total_fen % 100)::text, 2, '0') as amount, p.month,
      (p.regular_fen / 100)::text || '.' || lpad((p.regular_fen % 100)::text, 2, '0') as regular,
      (p.arrears_fen / 100)::text || '.' || lpad((p.arrears_fen % 100)::text, 2, '0') as arrears,
      p.arrears_months, p.person_id || ':' || p.kind as person_ref
    from benefit_payments p left join persons ps on ps.person_id = p.person_id
    where p.run_id = ${runId}::uuid and p.bank_code = ${bank} ${after ? sql`and (p.person_id, p.kind) > (${after.split('|')[0]}::uuid, ${after.split('|')[1]})` : sql``}
    order by p.person_id, p.kind ${page ? sql`limit 5000` : sql``}`;
}

/** Writes one CSV per bank by streaming; returns what was written. */
export async function writeBankFiles(db: Db, runId: string, month: string, dataDir: string) {
  const dir = path.join(dataDir, 'payroll', month);
  fs.mkdirSync(dir, { recursive: true });
  const banks = await db
    .selectFrom('benefit_payments')
    .select(['bank_code'])
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total_fen').as('total')])
    .where('run_id', '=', runId)
    .groupBy('bank_code')
    .orderBy('bank_code')
    .execute();
  const pool = pgPoolOf(db);
  const out: PayrollSummary['files'] = [];
  for (const b of banks) {
    const file = path.join(dir, `${b.bank_code}.csv`);
    const tmp = `${file}.part`;
    const hash = createHash('sha256');
    const sink = fs.createWriteStream(tmp);
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    tap.write(FILE_HEADER);
    if (pool) {
      const client = await pool.connect();
      try {
        const compiled = fileQuery(runId, b.bank_code).compile(db);
        // COPY takes no parameters: inline them as literals (uuids and bank codes only).
        let text = compiled.sql;
        compiled.parameters.forEach((p, i) => {
          text = text.replace(new RegExp(`\\$${i + 1}(?![0-9])`), `'${String(p).replaceAll("'", "''")}'`);
        });
        const source = client.query(copyTo(`copy (${text}) to stdout with (format csv)`));
        await pipeline(source, tap, sink);
      } finally {
        client.release();
      }
    } else {
      const writing = pipeline(tap, sink);
      let after: string | undefined;
      for (;;) {
        const rows = (await fileQuery(runId, b.bank_code, { after }).execute(db)).rows as Record<string, unknown>[];
        if (!rows.length) break;
        let buf = '';
        for (const r of rows) buf += `${r.account_no},${r.name},${r.amount},${r.month},${r.regular},${r.arrears},${r.arrears_months},${r.person_ref}\n`;
        if (!tap.write(buf)) await new Promise((res) => tap.once('drain', res));
        const lastRow = rows[rows.length - 1]!;
        const [pid, kind] = String(lastRow.person_ref).split(':');
        after = `${pid}|${kind}`;
        if (rows.length < 5000) break;
      }
      tap.end();
      await writing;
    }
    fs.renameSync(tmp, file);
    out.push({ bank: b.bank_code, file: path.relative(dataDir, file), rows: Number(b.n), totalFen: Number(b.total), sha256: hash.digest('hex') });
  }
  return out;
}

/**
 * Signs off a computed run (两人复核): the releaser must hold 'payroll.release' (checked
 * by the route) and must not be the person who ran it; the files must be unchanged.
 */
export async function releasePayroll(db: Db, input: { month: string; dataDir: string; expectedTotalFen: number }, actor: Actor): Promise<PayrollSummary> {
  return db.transaction().execute(async (trx) => {
    const run = await trx.selectFrom('payroll_runs').selectAll().where('month', '=', input.month).forUpdate().executeTakeFirst();
    if (!run) throw new AppError('NOT_FOUND', { detail: `No payroll run for ${input.month}` });
    if (run.status === 'released') throw new AppError('CONFLICT', { detail: 'Already released' });
    if (run.status !== 'computed') throw new AppError('PAYROLL_NOT_READY', { detail: `The run is ${run.status}` });
    if (!actor.userId || actor.userId === run.run_by) throw new AppError('TWO_PERSON_RULE');
    if (input.expectedTotalFen !== run.total_fen) throw new AppError('PAYROLL_TOTAL_MISMATCH', { detail: `The run totals ${run.total_fen} fen, the sign-off states ${input.expectedTotalFen}` });
    for (const f of run.files) {
      const full = path.join(input.dataDir, f.file);
      const sha = fs.existsSync(full) ? createHash('sha256').update(fs.readFileSync(full)).digest('hex') : null;
      if (sha !== f.sha256) throw new AppError('PAYROLL_FILE_CHANGED', { detail: `${f.file} is missing or was changed after the run` });
    }
    const row = await trx.updateTable('payroll_runs').set({ status: 'released', released_by: actor.userId, released_at: new Date() }).where('run_id', '=', run.run_id).returningAll().executeTakeFirstOrThrow();
    fs.writeFileSync(path.join(input.dataDir, 'payroll', input.month, 'RELEASED.json'), JSON.stringify({ runId: run.run_id, month: input.month, releasedBy: actor.userId, runBy: run.run_by, totalFen: run.total_fen, files: run.files }, null, 2));
    await recordEvent(trx, { type: 'payroll.released', aggregateType: 'payroll_run', aggregateId: run.run_id, payload: { runId: run.run_id, month: input.month, payments: run.payments, totalFen: run.total_fen, files: run.files } });
    await appendAudit(trx, actor, { action: 'payroll.release', objectType: 'payroll_run', objectId: run.run_id, before: { status: 'computed' }, after: { status: 'released', total_fen: run.total_fen, run_by: run.run_by } });
    return present(row);
  });
}

export async function getPayrollRun(db: Db, month: string) {
  const r = await db.selectFrom('payroll_runs').selectAll().where('month', '=', month).executeTakeFirst();
  return r ? present(r) : undefined;
}

export async function listPayrollRuns(db: Db) {
  return (await db.selectFrom('payroll_runs').selectAll().orderBy('month', 'desc').limit(60).execute()).map(present);
}
