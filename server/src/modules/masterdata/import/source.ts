import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

/** One spreadsheet row as the user sees it: header is row 1. */
export interface SourceRow {
  rowNo: number;
  cells: string[];
}

/**
 * A file opened for streaming: the header row, then the data rows one at a time.
 * `bytesRead`/`bytesTotal` let the caller estimate progress; `sha256()` is complete
 * once the rows are exhausted (the hash is taken from the same bytes that are parsed).
 */
export interface RowSource {
  format: 'csv' | 'xlsx';
  encoding: string;
  header: string[];
  /** Data rows in batches (one async step per batch rather than per row). */
  rows: AsyncIterable<SourceRow[]>;
  bytesRead(): number;
  bytesTotal: number;
  sha256(): string;
}

export function formatOf(file: string): 'csv' | 'xlsx' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.csv' || ext === '.txt') return 'csv';
  throw new Error(`unsupported file type "${ext}": use .csv or .xlsx / 只支持 CSV 和 XLSX 文件`);
}

/** Counts and hashes the raw bytes on their way to the parser. */
class Tap extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private digest: string | null = null;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    cb(null, chunk);
  }
  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

/**
 * Spreadsheets saved by Chinese Excel or WPS are often GB18030 (GBK) rather than
 * UTF-8. A BOM means UTF-8; otherwise the first 64 KiB decide: valid UTF-8 or not.
 */
export function detectEncoding(sample: Buffer): 'utf-8' | 'gb18030' {
  if (sample.length >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

/** Re-encodes GB18030 text as UTF-8 for the CSV parser. */
class Gb18030ToUtf8 extends Transform {
  private readonly decoder = new TextDecoder('gb18030');
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    cb(null, Buffer.from(this.decoder.decode(chunk, { stream: true }), 'utf8'));
  }
  override _flush(cb: TransformCallback): void {
    cb(null, Buffer.from(this.decoder.decode(), 'utf8'));
  }
}

/** Everything the parser has ready, one batch per step: much cheaper than one await per record. */
async function* readBatches<T>(stream: Readable): AsyncGenerator<T[]> {
  let ended = false;
  let failure: unknown;
  stream.once('end', () => (ended = true));
  stream.once('error', (e) => (failure = e));
  for (;;) {
    const batch: T[] = [];
    for (let rec = stream.read() as T | null; rec !== null; rec = stream.read() as T | null) batch.push(rec);
    if (failure) throw failure;
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (ended || stream.readableEnded) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('error', done);
        resolve();
      };
      stream.on('readable', done);
      stream.on('end', done);
      stream.on('error', done);
    });
  }
}

async function openCsv(file: string, bytesTotal: number): Promise<RowSource> {
  const fh = await fs.promises.open(file, 'r');
  const sample = Buffer.alloc(Math.min(65536, bytesTotal));
  await fh.read(sample, 0, sample.length, 0);
  await fh.close();
  const encoding = detectEncoding(sample);
  const tap = new Tap();
  let stream: NodeJS.ReadableStream = fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(tap);
  if (encoding === 'gb18030') stream = stream.pipe(new Gb18030ToUtf8());
  // No skip_empty_lines: an empty line is still a row in the user's spreadsheet, and
  // row numbers in the report must match what they see.
  const parser = stream.pipe(parse({ bom: true, relax_column_count: true, relax_quotes: true, trim: false }));
  const batches = readBatches<string[]>(parser);
  let buffered: string[][] = [];
  let header: string[] = [];
  for (;;) {
    const next = await batches.next();
    if (next.done) break;
    if (next.value.length === 0) continue;
    header = next.value[0]!;
    buffered = next.value.slice(1);
    break;
  }
  async function* rows(): AsyncGenerator<SourceRow[]> {
    let rowNo = 1;
    const number = (records: string[][]) => records.map((cells) => ({ rowNo: ++rowNo, cells }));
    if (buffered.length > 0) yield number(buffered);
    for (;;) {
      const next = await batches.next();
      if (next.done) return;
      yield number(next.value);
    }
  }
  return { format: 'csv', encoding, header, rows: rows(), bytesRead: () => tap.bytes, bytesTotal, sha256: () => tap.sha256() };
}

/** Text of an exceljs cell value: rich text, formulas, hyperlinks and dates included. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  // Excel dates carry no time zone; exceljs reads them as UTC midnight.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: string };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if (v.result !== undefined) return cellText(v.result);
    if (v.text !== undefined) return cellText(v.text);
  }
  return '';
}

async function openXlsx(file: string, bytesTotal: number): Promise<RowSource> {
  const tap = new Tap();
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(tap);
  // styles: 'cache' so that date cells come back as dates rather than serial numbers.
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore' });
  const sheets = reader[Symbol.asyncIterator]();
  const firstSheet = await sheets.next();
  if (firstSheet.done) throw new Error('the workbook has no worksheet / 工作簿中没有工作表');
  const rowIterator = firstSheet.value[Symbol.asyncIterator]();
  const toCells = (row: ExcelJS.Row): string[] => {
    const values = row.values as unknown[]; // 1-based: values[0] is empty
    const cells: string[] = [];
    for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
    return cells;
  };
  // The header is the first row with content (exceljs skips blank rows; row numbers stay true).
  const first = await rowIterator.next();
  const header = first.done ? [] : toCells(first.value);
  async function* rows(): AsyncGenerator<SourceRow[]> {
    // exceljs hands rows over one by one; group them so the importer sees batches either way.
    let batch: SourceRow[] = [];
    for (;;) {
      const next = await rowIterator.next();
      if (next.done) break;
      batch.push({ rowNo: next.value.number, cells: toCells(next.value) });
      if (batch.length >= 1000) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    // Drain the rest of the workbook so the hash covers the whole file.
    for (;;) {
      const next = await sheets.next();
      if (next.done) break;
      for await (const _row of next.value) void _row;
    }
  }
  return { format: 'xlsx', encoding: 'xlsx', header, rows: rows(), bytesRead: () => tap.bytes, bytesTotal, sha256: () => tap.sha256() };
}

export async function openRowSource(file: string): Promise<RowSource> {
  const format = formatOf(file);
  const stat = await fs.promises.stat(file);
  return format === 'csv' ? openCsv(file, stat.size) : openXlsx(file, stat.size);
}
