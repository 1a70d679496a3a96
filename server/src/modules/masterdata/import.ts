import path from 'node:path';
import { sql } from 'kysely';
import { uuid7 } from '../../lib/uuid7.js';
import type { Db } from '../../db/connect.js';
import { appendAudit, SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { normaliseSex, validatePerson } from './persons.js';
import { applyChunk, ChunkConflict, emptyCounts, type BatchContext, type ChunkCounts, type ValidRow } from './import/apply.js';
import { isBlank, mapHeader, normaliseBirthDate, pickColumns, type ColumnMap, type ImportRecord } from './import/columns.js';
import { openReport, type Rejection } from './import/report.js';
import { openRowSource } from './import/source.js';
import { withImportSession } from './import/session.js';

export interface ImportOptions {
  /** Where rejected rows are reported; default `<file>.rejected.csv`. A `.xlsx` path writes a workbook. */
  reportPath?: string | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  actor?: Actor | undefined;
  /** Name recorded for the batch when `file` is a temporary copy (uploads). */
  fileName?: string | undefined;
  /** Rows per transaction. */
  chunkSize?: number | undefined;
  /** When given, milliseconds per step of the chunk writes (and `parse`, `wait`) are added up here. */
  profile?: Record<string, number> | undefined;
}

/** The outcome of one import: the counts of every chunk added up, and where the report is. */
export interface ImportResult extends ChunkCounts {
  batchId: string;
  file: string;
  format: 'csv' | 'xlsx';
  encoding: string;
  sha256: string;
  total: number;
  reportPath: string;
  seconds: number;
  rowsPerSecond: number;
}

const YIELD_EVERY = 100;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

const CLI_ACTOR: Actor = { ...SYSTEM_ACTOR, userId: 'cli', channel: 'import' };

/** Validates one record; the problems of a bad row, or the normalised person. */
function checkRow(rowNo: number, rec: ImportRecord): { ok: true; row: ValidRow } | { ok: false; rejections: Rejection[] } {
  const rejections: Rejection[] = [];
  const birthDate = rec.birthDate ? normaliseBirthDate(rec.birthDate) : undefined;
  if (rec.birthDate && !birthDate) rejections.push({ rowNo, field: 'birthDate', code: 'bad_date', reason: '出生日期格式不正确（应为YYYY-MM-DD） / birth date is not a date (YYYY-MM-DD)', value: rec.birthDate });
  const sexGiven = rec.sex !== '' && normaliseSex(rec.sex) !== null;
  if (rec.sex && !sexGiven) rejections.push({ rowNo, field: 'sex', code: 'bad_sex', reason: '性别应为“男”或“女” / sex must be 男/M or 女/F', value: rec.sex });
  const v = validatePerson(
    { residentId: rec.residentId, name: rec.name, phone: rec.phone || null, address: rec.address || null, regionCode: rec.regionCode },
    { birthDate, sex: sexGiven ? rec.sex : undefined },
  );
  if (!v.ok) for (const e of v.errors) rejections.push({ rowNo, field: e.field, code: e.code, reason: e.reason, value: rec[e.field as keyof ImportRecord] ?? '' });
  if (rejections.length > 0 || !v.ok) return { ok: false, rejections };
  return { ok: true, row: { rowNo, person: v.value, hasPhone: rec.phone !== '', hasAddress: rec.address !== '' } };
}

/**
 * Imports persons from a CSV or XLSX file, streaming: rows are read, validated and
 * written a chunk at a time, and the next chunk is parsed while the database writes
 * the previous one. Each chunk commits on its own (good rows are kept whatever
 * happens later); the batch record and its one audit entry are written at the end.
 */
export async function importPersonsFile(db: Db, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const started = Date.now();
  const source = await openRowSource(file);
  const columns: ColumnMap = mapHeader(source.header);
  const reportPath = opts.reportPath ?? `${file}.rejected.csv`;
  const actor = opts.actor ?? CLI_ACTOR;
  const chunkSize = opts.chunkSize ?? 5000;
  const batchId = uuid7();
  const fileName = opts.fileName ?? path.basename(file);
  await db.insertInto('import_batches').values({ batch_id: batchId, kind: 'persons', file_name: fileName, file_sha256: '', actor: actor.userId, finished_at: null, rows_total: 0, rows_created: 0, rows_updated: 0, rows_unchanged: 0, rows_rejected: 0, rows_queued: 0 }).execute();

  const report = openReport(reportPath);
  const totals = emptyCounts();
  let total = 0;
  let done = 0;
  const progress = () => {
    if (!opts.onProgress) return;
    const read = source.bytesRead();
    const estimate = read > 0 ? Math.round((total * source.bytesTotal) / read) : total;
    opts.onProgress(done, Math.max(done, total, estimate));
  };

  try {
    await withImportSession(db, async (session) => {
      const ctx: BatchContext = { batchId, actorId: actor.userId, seenTable: `import_seen_${batchId.replaceAll('-', '')}`, profile: opts.profile };
      // The seen-IDs table of a 1 M-row file is ~60 MB; more local buffers than the default 8 MB keep
      // it out of temp files. Only allowed before the session's first use of a temp table.
      if (session.kind === 'postgres') await sql`set temp_buffers = '128MB'`.execute(session.db).catch(() => undefined);
      await sql`create temp table ${sql.table(ctx.seenTable)} (resident_id text primary key, row_no int not null)`.execute(session.db);
      try {
        const flush = async (rows: ValidRow[], invalid: Rejection[]) => {
          let result: Awaited<ReturnType<typeof applyChunk>> | undefined;
          for (let attempt = 1; !result; attempt++) {
            try {
              result = await applyChunk(session, ctx, rows);
            } catch (e) {
              // A concurrent edit or registration of the same person: read again and redo the chunk.
              const conflict = e instanceof ChunkConflict || (e as { code?: string }).code === '23505';
              if (!conflict || attempt >= 3) throw e;
            }
          }
          addCounts(totals, result.counts);
          totals.rejected += invalid.length === 0 ? 0 : new Set(invalid.map((r) => r.rowNo)).size;
          const all = invalid.concat(result.rejections).sort((a, b) => a.rowNo - b.rowNo);
          await report.write(all);
          done += rows.length + new Set(invalid.map((r) => r.rowNo)).size;
          progress();
        };

        let rows: ValidRow[] = [];
        let invalid: Rejection[] = [];
        // One chunk is written while the next is parsed; the catch keeps a failure
        // from being "unhandled" before it is awaited.
        let inflight: Promise<void> = Promise.resolve();
        const prof = opts.profile;
        for await (const batch of source.rows) {
          for (let i = 0; i < batch.length; i++) {
            // The parser hands over whatever it has (often >10,000 rows, ~0.5 s of validation):
            // yield every hundred rows so the chunk being written gets its next statement
            // sent as soon as the previous one returns, instead of the database idling.
            if (i % YIELD_EVERY === 0 && i > 0) await yieldToIo();
            const t0 = prof ? performance.now() : 0;
            const raw = batch[i]!;
            if (!isBlank(raw.cells)) {
              total++;
              const checked = checkRow(raw.rowNo, pickColumns(columns, raw.cells));
              if (checked.ok) rows.push(checked.row);
              else invalid.push(...checked.rejections);
            }
            if (prof) prof.validate = (prof.validate ?? 0) + performance.now() - t0;
          }
          if (rows.length >= chunkSize) {
            const t1 = prof ? performance.now() : 0;
            await inflight;
            if (prof) prof.wait = (prof.wait ?? 0) + performance.now() - t1;
            const [r, i] = [rows, invalid];
            inflight = flush(r, i);
            inflight.catch(() => undefined);
            rows = [];
            invalid = [];
          }
        }
        await inflight;
        await flush(rows, invalid);
      } finally {
        await sql`drop table if exists ${sql.table(ctx.seenTable)}`.execute(session.db);
      }
    });
  } finally {
    await report.close();
  }

  const sha256 = source.sha256();
  const counts = { total, created: totals.created, updated: totals.updated, unchanged: totals.unchanged, rejected: totals.rejected, queued: totals.queued, queuedNew: totals.queuedNew, keptByProvenance: totals.keptByProvenance };
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('import_batches')
      .set({ finished_at: new Date(), file_sha256: sha256, rows_total: total, rows_created: counts.created, rows_updated: counts.updated, rows_unchanged: counts.unchanged, rows_rejected: counts.rejected, rows_queued: counts.queued })
      .where('batch_id', '=', batchId)
      .execute();
    await appendAudit(trx, actor, { action: 'person.import', objectType: 'import_batch', objectId: batchId, after: { file: fileName, sha256, ...counts } });
  });
  opts.onProgress?.(done, done);
  const seconds = (Date.now() - started) / 1000;
  return { batchId, file: fileName, format: source.format, encoding: source.encoding, sha256, ...counts, reportPath, seconds, rowsPerSecond: Math.round(total / Math.max(seconds, 0.001)) };
}

function addCounts(into: ChunkCounts, add: ChunkCounts): void {
  for (const k of Object.keys(into) as (keyof ChunkCounts)[]) into[k] += add[k];
}
