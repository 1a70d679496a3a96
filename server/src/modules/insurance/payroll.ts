import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { sql, type RawBuilder } from 'kysely';
import { pgPoolOf, withPgClient, type Db } from '../../db/connect.js';
import { copyRowsOut } from '../../db/copy-rows.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { BankFiles, BankRows, type BankFileSummary } from './bank-files.js';
import { addMonths, isMonth } from './money.js';

/**
 * The monthly benefit payroll (待遇发放).
 *
 * A run for a month is cut into chunks of person-id ranges (fixed when the run is
 * created). Each chunk is ONE set-based INSERT … SELECT in ONE transaction: it computes
 * every due payment of the range — the month's amount (basic + account + the yearly
 * adjustments in force that month) plus arrears for earlier unpaid months (after a
 * reinstatement, or a pension granted retroactively) — inserts those the run does not
 * hold yet (primary key (run, person, kind) behind it), ends the benefits whose last
 * month it paid, and marks the chunk done. A crash between chunks loses nothing; a
 * rerun skips the done chunks, and even a chunk done twice inserts nothing twice.
 * Suspended benefits are not selected; ended ones neither. On PostgreSQL two chunks
 * run at once (two connections).
 *
 * How far a benefit is paid is read from the previous run (see chunkStatement), so runs
 * go month by month: a run opens only when the previous one is computed and no later
 * month has been run.
 *
 * Then one CSV per paying bank is written under <dataDir>/payroll/<month>/. On
 * PostgreSQL the chunk's insert itself returns the file rows (COPY (INSERT … RETURNING)
 * TO STDOUT), kept as the chunk's part once it committed; the parts are split by bank
 * after the last chunk (a part that is missing or damaged is written from the run).
 * On PGlite one pass over the run in keyset pages. Row counts, totals and SHA-256 are
 * recorded on the run, checked against the run's own count and total. Within a bank's
 * file rows follow the chunks, not strictly person order. The files go to the banks only after a
 * second person with 'payroll.release' signs the totals off (two-person rule); release
 * checks that the files are still exactly what was computed.
 */

export interface PayrollOptions {
  month: string;
  dataDir: string;
  chunkSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Chunks computed at once on PostgreSQL (default 2); PGlite has one connection. */
  parallel?: number;
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

async function previousRun(db: Db, month: string) {
  return db.selectFrom('payroll_runs').select(['run_id', 'month', 'status']).where('month', '<', month).orderBy('month', 'desc').limit(1).executeTakeFirst();
}

/** Above this many running benefits, chunk boundaries come from a sample (see chunkBounds). */
const SAMPLE_BOUNDS_ABOVE = 200_000;

/**
 * Where chunks start: every chunkSize-th person with a running benefit, in person-id
 * order. Counting them exactly is a pass over all of them (half a second at 600,000);
 * for a large table the boundaries are the quantiles of a sample of its pages
 * (TABLESAMPLE SYSTEM, about 30,000 rows), so chunks hold about chunkSize persons each —
 * all a chunk needs: it is a unit of work, and the ranges still cover every person id.
 * There the number of chunks is a multiple of the workers that compute them at once, so
 * that they finish together: 13 chunks on two connections left the last one running
 * alone, for the time of a whole chunk.
 */
async function chunkBounds(trx: Db, chunkSize: number, workers: number): Promise<{ chunk_no: number; lo: string }[]> {
  const est = await sql<{ n: number }>`select reltuples::float8 as n from pg_class where oid = 'benefits'::regclass`.execute(trx);
  const tuples = Number(est.rows[0]?.n ?? -1);
  if (tuples > SAMPLE_BOUNDS_ABOVE) {
    const percent = Math.min(100, (100 * 30_000) / tuples);
    const sample = (await sql<{ person_id: string }>`select person_id from benefits tablesample system (${sql.lit(percent)}) where status = 'active' order by person_id`.execute(trx)).rows;
    const estimated = (sample.length * 100) / percent;
    const count = Math.ceil(Math.max(1, Math.ceil(estimated / chunkSize)) / workers) * workers;
    if (sample.length >= count * 100) return Array.from({ length: count }, (_, i) => ({ chunk_no: i, lo: sample[Math.floor((i * sample.length) / count)]!.person_id }));
  }
  // Read in person order from the index benefits_payroll: no sort.
  const exact = await sql<{ chunk_no: number; lo: string }>`
    select (rn / ${chunkSize})::int as chunk_no, person_id as lo
    from (select person_id, row_number() over (order by person_id) - 1 as rn from (select distinct person_id from benefits where status = 'active') d) x
    where rn % ${chunkSize} = 0 order by 1`.execute(trx);
  return exact.rows;
}

/** Creates the run and its chunks, or returns the existing run of the month. */
/** workers: the chunks computed at once (see chunkBounds). */
async function openRun(db: Db, month: string, chunkSize: number, workers: number, actor: Actor) {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('payroll:open'))`.execute(trx);
    const existing = await trx.selectFrom('payroll_runs').selectAll().where('month', '=', month).executeTakeFirst();
    if (existing) return existing;
    // Month by month: what a run pays follows from the run before it (see chunkStatement).
    const later = await trx.selectFrom('payroll_runs').select('month').where('month', '>', month).orderBy('month').executeTakeFirst();
    if (later) throw new AppError('PAYROLL_OUT_OF_ORDER', { detail: `The ${later.month} payroll has already been run` });
    const prev = await previousRun(trx, month);
    if (prev && prev.status === 'running') throw new AppError('PAYROLL_OUT_OF_ORDER', { detail: `The ${prev.month} payroll is not finished: run it again to resume it first` });
    const runId = uuid7();
    const chunks = await chunkBounds(trx, chunkSize, workers);
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

/** The run a new run continues from: the latest one of an earlier month. */
interface PreviousRun {
  runId: string;
  month: string;
}

/**
 * One chunk: [lo, hi) of person ids (the last chunk includes hi). The due months of a
 * benefit are from max(start, paid through + 1) to min(run month, end month); the last
 * of them is the regular payment when it is the run month, the others are arrears.
 *
 * "Paid through" is not written back to 600,000 benefits every month: a benefit paid
 * in the previous run is paid through that run's month (or its end month); otherwise
 * benefits.paid_through holds it, written only where a benefit leaves the monthly
 * rhythm (suspended, reinstated, ended — see paidThrough()). Runs go month by month
 * and a run opens only after the previous one is computed (openRun), so "not paid in
 * the previous run" always means one of those, or a benefit no run has paid yet.
 *
 * Which benefits the previous run paid (D17): rhythm_from is the month of the first run
 * that paid the benefit since it last left the rhythm (written by that run's chunk, cleared
 * by a suspension or reinstatement; paid_through, written when it left, is earlier). Such a
 * benefit was paid by every run since. The others (never paid yet, or paid_through from
 * their leaving not yet followed by a run) are looked up in the previous run by key.
 */
function chunkStatement(runId: string, month: string, prev: PreviousRun | undefined, lo: string, hi: string, last: boolean, runMayHoldRange = true) {
  const m = sql.lit(month);
  const mBefore = sql.lit(addMonths(month, -1));
  const M = mi(`'${month}'`);
  const inChunk = inRange(lo, hi, last);
  const pm = sql.lit(prev?.month ?? '0000-00');
  // Paid by the previous run: in the rhythm since it or before, or found among its payments.
  const paidByPrevious = prev
    ? sql`(case when b.rhythm_from is not null and (b.paid_through is null or b.paid_through < b.rhythm_from) then b.rhythm_from <= ${pm}
        -- A probe by key for each of the few: a scalar subquery, which the planner does not
        -- turn into a hash of the whole previous run as it does an EXISTS.
        else (select true from benefit_payments pp where pp.run_id = ${prev.runId}::uuid and pp.person_id = b.person_id and pp.kind = b.kind and pp.benefit_id = b.benefit_id) end)`
    : sql`false`;
  // Months are compared as 'YYYY-MM' text, which sorts as time; month arithmetic (the
  // costly part per row) is done only for the rare payments with arrears.
  const firstM = sql`greatest(${mi('d.start_month')}, coalesce(${mi('d.pt')} + 1, 0))`;
  const lastM = sql`least(${M}, coalesce(${mi('d.end_month')}, ${M}))`;
  // The first due month is before the run month: max(start, paid through + 1) < month.
  const inArrears = sql`(d.start_month < ${m} and (d.pt is null or d.pt < ${mBefore}))`;
  const arrearsMonths = sql`(least(${lastM}, ${M} - 1) - ${firstM} + 1)`;
  // The adjustments in force in the run month: their sum, kept on the benefit, once the
  // latest of them is in force (every month after the yearly adjustment's January); before
  // that (a run for a month before an adjustment already recorded, rare) added up here.
  const adjustmentsInForce = sql`case when d.last_adjustment_month is null or d.last_adjustment_month <= ${m} then d.adjustments_fen
    else coalesce((select sum(x.amount_fen) from benefit_adjustments x where x.person_id = d.person_id and x.benefit_id = d.benefit_id and x.effective_month <= ${m}), 0)::bigint end`;
  // One pipeline, nothing materialised: due months, regular amount, arrears, insert.
  return sql`
    insert into benefit_payments as p (run_id, person_id, benefit_id, kind, month, regular_fen, arrears_months, arrears_fen, total_fen, bank_code, account_no, payee_name)
    select ${runId}::uuid, person_id, benefit_id, kind, ${m}, regular, arrears_months, arrears, regular + arrears, bank_code, account_no, account_name
    from (
      select d.person_id, d.benefit_id, d.kind, d.bank_code, d.account_no, d.account_name,
        -- The run month is due unless the benefit ended before it.
        case when d.end_month is null or d.end_month >= ${m} then d.amount + ${adjustmentsInForce} else 0 end as regular,
        case when ${inArrears} then ${arrearsMonths} else 0 end as arrears_months,
        -- Arrears (rare): each missed month at that month's own amount, i.e. the amount for
        -- every missed month plus each adjustment for the missed months it was in force.
        case when ${inArrears} then
          ${arrearsMonths} * d.amount + coalesce((
            select sum(x.amount_fen * greatest(0, least(${lastM}, ${M} - 1) - greatest(${firstM}, ${mi('x.effective_month')}) + 1))::bigint
            -- By person too: an index-only read of pages the chunk has just read, not the heap.
            from benefit_adjustments x where x.person_id = d.person_id and x.benefit_id = d.benefit_id), 0)
        else 0 end as arrears
      from (
        select b.benefit_id, b.person_id, b.kind, b.bank_code, b.account_no, b.account_name, b.basic_fen + b.account_fen as amount, b.start_month, b.end_month,
          b.adjustments_fen, b.last_adjustment_month,
          -- Paid through: the stored month, or the previous run's month if it paid this benefit.
          greatest(b.paid_through, case when ${paidByPrevious} then least(${pm}, coalesce(b.end_month, ${pm})) end) as pt
        from benefits b
        where b.status = 'active' and ${inChunk('b.person_id')} and b.start_month <= ${m}
          -- A chunk done twice (a crash between its commit and the caller noticing) pays nothing
          -- twice. Left out where the chunk's transaction found none of the range in the run
          -- (it holds the chunk's lock; the primary key stays the backstop).
          ${runMayHoldRange ? sql`and not exists (select 1 from benefit_payments c where c.run_id = ${runId}::uuid and ${inChunk('c.person_id')} and c.person_id = b.person_id and c.kind = b.kind)` : sql``}
        -- In the order of benefits_payroll (person, then benefit), so the payments go into
        -- their key in order; offset 0 keeps pt computed once per benefit.
        order by b.person_id, b.benefit_id
        offset 0
      ) d
      -- Something is due: max(start, paid through + 1) <= min(month, end month).
      where (d.pt is null or d.pt < ${m})
        and (d.end_month is null or (d.start_month <= d.end_month and (d.pt is null or d.pt < d.end_month)))
    ) due`;
}

/**
 * After a chunk's payments: the benefits of its range that no run had paid before and this
 * one did enter the monthly rhythm (read from the small index benefits_entering).
 */
function rhythmStatement(runId: string, month: string, lo: string, hi: string, last: boolean) {
  const inChunk = inRange(lo, hi, last);
  return sql`
    update benefits b set rhythm_from = ${month}
    where b.status = 'active' and b.rhythm_from is null and ${inChunk('b.person_id')}
      -- A probe by key for each candidate: as an EXISTS the planner joined the whole run so
      -- far, a little longer with every chunk.
      and (select true from benefit_payments p where p.run_id = ${runId}::uuid and p.person_id = b.person_id and p.kind = b.kind and p.benefit_id = b.benefit_id)`;
}

/**
 * After a chunk's payments: a benefit whose last month is now paid ends (an unemployment
 * benefit's term), and its paid_through is written, as the next run will not pay it.
 */
function endStatement(runId: string, month: string, lo: string, hi: string, last: boolean) {
  const inChunk = inRange(lo, hi, last);
  // The candidates first (few), each then looked up in the run by primary key: the
  // statistics know nothing yet of a run's fresh payments, so the order is spelt out.
  return sql`
    with ending as materialized (
      select e.benefit_id from benefits e
      where e.status = 'active' and ${inChunk('e.person_id')} and e.end_month <= ${month}
        and (select p.benefit_id from benefit_payments p where p.run_id = ${runId}::uuid and p.person_id = e.person_id and p.kind = e.kind) = e.benefit_id
    )
    update benefits b set paid_through = b.end_month, status = 'ended'
    from ending e
    where b.benefit_id = e.benefit_id`;
}

/**
 * The month a benefit is paid through: its stored paid_through, or the latest run that
 * paid it (up to its end month) if later. For one benefit at a time (suspend, reinstate,
 * show); the payroll itself looks only at the previous run.
 */
export async function paidThrough(db: Db, b: { benefit_id: string; person_id: string; kind: string; end_month: string | null; paid_through: string | null }): Promise<string | null> {
  const r = await sql<{ m: string | null }>`
    select max(r.month) as m from payroll_runs r
    join benefit_payments p on p.run_id = r.run_id and p.person_id = ${b.person_id}::uuid and p.kind = ${b.kind}
    where p.benefit_id = ${b.benefit_id}::uuid`.execute(db);
  const run = r.rows[0]?.m ?? null;
  const paid = run && b.end_month && b.end_month < run ? b.end_month : run;
  return paid && (!b.paid_through || paid > b.paid_through) ? paid : b.paid_through;
}

/**
 * Payroll chunks and changes to a benefit's rhythm (suspend, reinstate) take turns: a
 * chunk holds this lock shared, a suspension exclusively, so a suspension sees every
 * payment of a chunk or none of it.
 */
export async function lockBenefitsAgainstPayroll(trx: Db, mode: 'chunk' | 'change') {
  if (mode === 'chunk') await sql`select pg_advisory_xact_lock_shared(hashtext('payroll.benefits'))`.execute(trx);
  else await sql`select pg_advisory_xact_lock(hashtext('payroll.benefits'))`.execute(trx);
}

/**
 * Runs (or resumes) the payroll of a month up to the point of release. Idempotent: a
 * run already computed or released is returned unchanged.
 */
export async function runPayroll(db: Db, opts: PayrollOptions, actor: Actor): Promise<PayrollSummary> {
  if (!isMonth(opts.month)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/month', reason: 'YYYY-MM' }] });
  const pool = pgPoolOf(db);
  // Chunks computed at once: on PostgreSQL two connections by default; PGlite has one.
  const parallel = pool ? Math.max(1, opts.parallel ?? 2) : 1;
  const run = await openRun(db, opts.month, opts.chunkSize ?? DEFAULT_CHUNK, parallel, actor);
  if (run.status !== 'running') return present(run);
  const chunks = await db.selectFrom('payroll_chunks').selectAll().where('run_id', '=', run.run_id).orderBy('chunk_no').execute();
  const total = chunks.length;
  const parts = new ChunkParts();
  const prevRow = await previousRun(db, opts.month);
  const prev = prevRow ? { runId: prevRow.run_id, month: prevRow.month } : undefined;
  const pending = chunks.filter((c) => !c.done);
  let done = total - pending.length;
  opts.onProgress?.(done, total);
  /**
   * One chunk in one transaction; on PostgreSQL its bank-file rows come back from the insert
   * itself, into `part`. False when another process did the chunk.
   */
  const computeChunk = async (trx: Db, c: (typeof chunks)[number], client?: pg.PoolClient, part?: BankRows) => {
    // Two processes resuming the same run take turns per chunk; the second finds it done.
    const locked = await trx.selectFrom('payroll_chunks').select('done').where('run_id', '=', run.run_id).where('chunk_no', '=', c.chunk_no).forUpdate().executeTakeFirstOrThrow();
    if (locked.done) return false;
    await lockBenefitsAgainstPayroll(trx, 'chunk');
    const lastChunk = c.chunk_no === total - 1;
    if (client) {
      // For this chunk's transaction only (SET LOCAL, in one round trip):
      // - jit off: the plan costs enough to be JIT-compiled, which takes longer than it saves
      //   on a statement run once (it cost seconds a chunk when measured);
      // - work_mem: enough that its sorts stay off disk;
      // - no hashing: the running benefits are read from an index in person order, and a
      //   resumed chunk's anti-join merges with the run in that order, not through a hash of
      //   it (docs/PERFORMANCE.md).
      // - synchronous_commit off: the commit does not wait for its WAL to reach the disk. A
      //   chunk lost in a crash of the server is computed again when the run resumes (its
      //   bank-file rows too: the files are written anew then), and the run is marked computed
      //   by a transaction that does wait, which flushes every chunk's WAL before it.
      await sql`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true), set_config('enable_hashjoin', 'off', true), set_config('enable_hashagg', 'off', true), set_config('synchronous_commit', 'off', true)`.execute(trx);
      // Payments of this range committed before (a crash before the chunk was marked done)
      // are not returned by the insert: then the part is read from the run afterwards.
      const before = await trx.selectFrom('benefit_payments').select('person_id').where('run_id', '=', run.run_id).where(sql<boolean>`${inRange(c.lo, c.hi, lastChunk)('person_id')}`).limit(1).executeTakeFirst();
      const statement = chunkStatement(run.run_id, opts.month, prev, c.lo, c.hi, lastChunk, !!before);
      if (before) await statement.execute(trx);
      else if (part) await copyOut(client, trx, sql`${statement} returning ${FILE_COLUMNS}`, part);
    } else {
      await chunkStatement(run.run_id, opts.month, prev, c.lo, c.hi, lastChunk).execute(trx);
    }
    await rhythmStatement(run.run_id, opts.month, c.lo, c.hi, lastChunk).execute(trx);
    await endStatement(run.run_id, opts.month, c.lo, c.hi, lastChunk).execute(trx);
    await trx.updateTable('payroll_chunks').set({ done: true }).where('run_id', '=', run.run_id).where('chunk_no', '=', c.chunk_no).execute();
    await trx.updateTable('payroll_runs').set((eb) => ({ chunks_done: eb('chunks_done', '+', 1) })).where('run_id', '=', run.run_id).execute();
    return true;
  };
  const runChunk = async (c: (typeof chunks)[number]) => {
    if (!pool) return void (await db.transaction().execute((trx) => computeChunk(trx, c)));
    const part = new BankRows();
    // The part becomes the chunk's only after its transaction committed.
    if (await withPgClient(pool, (client, cdb) => cdb.transaction().execute((trx) => computeChunk(trx, c, client, part)))) parts.keep(c.chunk_no, part);
  };
  // Chunks are independent (disjoint person ranges, each idempotent): on PostgreSQL two
  // connections work through them side by side. After a failure no new chunk is started.
  const workers = Math.min(parallel, pending.length);
  const committed = new ChunkSignals(chunks.filter((c) => c.done).map((c) => c.chunk_no));
  // The bank files are joined from the parts in chunk order while later chunks still run.
  // Parts that do not add up to the run (a broken record, other totals) are not trusted:
  // then the files are written in one pass over the run.
  const fromParts = pool ? bankFilesFromParts(pool, parts, run.run_id, opts.month, opts.dataDir, chunks, (n) => committed.wait(n)).catch(() => undefined) : undefined;
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!failure && next < pending.length) {
        const c = pending[next++]!;
        try {
          await runChunk(c);
          done++;
          opts.onProgress?.(done, total);
          await opts.afterChunk?.(c.chunk_no);
          committed.settle(c.chunk_no);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) {
    committed.failAll(failure.error);
    await fromParts;
    throw failure.error;
  }
  // The run's count and total, read while the last parts are joined (another connection).
  const [sums, filesFromParts] = await Promise.all([
    db.selectFrom('benefit_payments').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.coalesce(eb.fn.sum<number>('total_fen'), sql<number>`0`).as('total')]).where('run_id', '=', run.run_id).executeTakeFirstOrThrow(),
    fromParts,
  ]);
  const holdsRun = (files: BankFileSummary[]) => {
    const inFiles = files.reduce((t, f) => ({ n: t.n + f.rows, total: t.total + f.totalFen }), { n: 0, total: 0 });
    return inFiles.n === Number(sums.n) && inFiles.total === Number(sums.total);
  };
  const files = filesFromParts && holdsRun(filesFromParts) ? filesFromParts : await writeBankFiles(db, run.run_id, opts.month, opts.dataDir);
  // The files were written from separate reads: they must hold every payment, once.
  if (!holdsRun(files)) throw new Error(`payroll ${opts.month}: the bank files do not hold the run's ${sums.n} payments / ${sums.total} fen`);
  return db.transaction().execute(async (trx) => {
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

/** A person-id range condition on a column: [lo, hi), or [lo, hi] for the last chunk. */
function inRange(lo: string, hi: string, last: boolean) {
  return (col: string) => sql`${sql.raw(col)} >= ${lo}::uuid and ${sql.raw(col)} ${sql.raw(last ? '<=' : '<')} ${hi}::uuid`;
}

/**
 * The chunks' bank-file rows in memory (PostgreSQL): collected while a chunk's payments are
 * inserted (the insert returns them), kept once its transaction committed, and taken by the
 * bank files in chunk order. A part that is missing — its chunk ran in another process or
 * before a crash, or it finished too far ahead of the files — is read from the run instead.
 */
class ChunkParts {
  private readonly kept = new Map<number, BankRows>();
  /** The next chunk the files will take. */
  private next = 0;
  keep(chunkNo: number, rows: BankRows) {
    // Memory stays bounded when one chunk is slow and others finish behind it.
    if (chunkNo - this.next < MAX_PARTS_AHEAD) this.kept.set(chunkNo, rows);
  }
  take(chunkNo: number): BankRows | undefined {
    const rows = this.kept.get(chunkNo);
    this.kept.delete(chunkNo);
    this.next = chunkNo + 1;
    return rows;
  }
}

const MAX_PARTS_AHEAD = 8;

/** Each chunk's commit (or the run's failure) as a promise, for whoever joins the parts in order. */
class ChunkSignals {
  private readonly signals = new Map<number, { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void }>();
  private failure: { error: unknown } | undefined;
  constructor(private readonly settled: number[]) {}
  private signal(chunkNo: number) {
    let s = this.signals.get(chunkNo);
    if (!s) {
      let resolve!: () => void, reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      promise.catch(() => undefined); // a failure nobody waits for is not a crash
      s = { promise, resolve, reject };
      this.signals.set(chunkNo, s);
      if (this.settled.includes(chunkNo)) resolve();
      else if (this.failure) reject(this.failure.error);
    }
    return s;
  }
  wait(chunkNo: number) {
    return this.signal(chunkNo).promise;
  }
  settle(chunkNo: number) {
    this.signal(chunkNo).resolve();
  }
  /** No chunk after a failure is started: nothing waits for them any more. */
  failAll(error: unknown) {
    this.failure = { error };
    for (const s of this.signals.values()) s.reject(error);
  }
}

/**
 * COPY (query) TO STDOUT (CSV), each row split by bank into `rows`, on `client`, the
 * connection `trx` runs on.
 */
async function copyOut(client: pg.PoolClient, trx: Db, query: RawBuilder<unknown>, rows: BankRows) {
  const compiled = query.compile(trx);
  // COPY takes no parameters: inline them as literals (ids, months and numbers only).
  let text = compiled.sql;
  compiled.parameters.forEach((p, i) => {
    if (typeof p !== 'number' && !/^[0-9A-Za-z:_-]*$/.test(String(p))) throw new Error(`copyOut: unexpected parameter ${JSON.stringify(p)}`);
    text = text.replace(new RegExp(`\\$${i + 1}(?![0-9])`), `'${String(p)}'`);
  });
  await copyRowsOut(client, text, rows.add);
}

/** The bank files of a run from its chunks' parts, in chunk order as each commits (read from the run where missing). */
async function bankFilesFromParts(pool: pg.Pool, parts: ChunkParts, runId: string, month: string, dataDir: string, chunks: { chunk_no: number; lo: string; hi: string }[], committed: (chunkNo: number) => Promise<void>) {
  const dir = path.join(dataDir, 'payroll', month);
  const files = new BankFiles(dir);
  try {
    for (const c of chunks) {
      await committed(c.chunk_no);
      let part = parts.take(c.chunk_no);
      if (!part) {
        const last = c.chunk_no === chunks.length - 1;
        const rows = (part = new BankRows());
        await withPgClient(pool, (client, cdb) => copyOut(client, cdb, fileQuery(runId, undefined, { lo: c.lo, hi: c.hi, last }), rows));
      }
      await files.append(part);
    }
    await files.close();
  } catch (e) {
    await files.destroy();
    throw e;
  }
  return files.summary(dataDir);
}

/**
 * The columns of a bank-file row from a payment `p`: the bank code and the amount in fen
 * lead (for routing and totals; not written), then the file's fields.
 */
const FILE_COLUMNS = sql`p.bank_code, p.total_fen, p.account_no, replace(p.payee_name, ',', ' ') as name,
      (p.total_fen / 100)::text || '.' || lpad((p.total_fen % 100)::text, 2, '0') as amount, p.month,
      (p.regular_fen / 100)::text || '.' || lpad((p.regular_fen % 100)::text, 2, '0') as regular,
      -- No arrears for nearly everyone: written without the arithmetic.
      case when p.arrears_fen = 0 then '0.00' else (p.arrears_fen / 100)::text || '.' || lpad((p.arrears_fen % 100)::text, 2, '0') end as arrears,
      p.arrears_months, p.person_id || ':' || p.kind as person_ref`;

/**
 * The rows of a run's bank files in person order (all, or one chunk's range). With
 * `page`: keyset pages (PGlite).
 */
function fileQuery(runId: string, page?: { after: string | undefined }, range?: { lo: string; hi: string; last: boolean }) {
  const after = page?.after;
  return sql`
    select ${FILE_COLUMNS}
    from benefit_payments p
    where p.run_id = ${runId}::uuid ${after ? sql`and (p.person_id, p.kind) > (${after.split('|')[0]}::uuid, ${after.split('|')[1]})` : sql``}
      ${range ? sql`and ${inRange(range.lo, range.hi, range.last)('p.person_id')}` : sql``}
    order by p.person_id, p.kind ${page ? sql`limit 5000` : sql``}`;
}

/**
 * Writes one CSV per bank in one pass over the run (COPY … TO STDOUT on PostgreSQL,
 * keyset pages on PGlite); returns each file with its rows, total and SHA-256.
 */
export async function writeBankFiles(db: Db, runId: string, month: string, dataDir: string) {
  const pool = pgPoolOf(db);
  const files = new BankFiles(path.join(dataDir, 'payroll', month));
  try {
    if (pool) {
      // The whole run in memory before it is written (the size of the files): this pass is
      // the fallback when the chunks' parts do not add up.
      const rows = new BankRows();
      await withPgClient(pool, (client, cdb) => copyOut(client, cdb, fileQuery(runId), rows));
      await files.append(rows);
    } else {
      let after: string | undefined;
      for (;;) {
        const rows = (await fileQuery(runId, { after }).execute(db)).rows as Record<string, unknown>[];
        const page = new BankRows();
        for (const r of rows) page.addLine(String(r.bank_code), Number(r.total_fen), [r.account_no, r.name, r.amount, r.month, r.regular, r.arrears, r.arrears_months, r.person_ref].map(String));
        await files.append(page);
        if (rows.length < 5000) break;
        const [pid, kind] = String(rows[rows.length - 1]!.person_ref).split(':');
        after = `${pid}|${kind}`;
      }
    }
    await files.close();
  } catch (e) {
    await files.destroy();
    throw e;
  }
  return files.summary(dataDir);
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
