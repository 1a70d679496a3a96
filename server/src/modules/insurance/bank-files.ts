import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The first line of every bank file. */
export const FILE_HEADER = 'account_no,name,amount,month,regular,arrears,arrears_months,person_ref\n';

/** Files are written in blocks of this size: a write per row costs more than the rest. */
const BLOCK = 256 * 1024;

/**
 * Blocks the files have written, for the next rows. A run's ~60 MB of rows would otherwise be
 * allocated block by block outside the JS heap, and each time that grew enough V8 ran a full
 * garbage collection: most of the process's CPU beside the copying, when measured.
 */
const spare: Buffer[] = [];
const MAX_SPARE = 64;

function newBlock(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafe(BLOCK);
}

function recycle(block: Buffer) {
  // Only whole blocks made here (a row longer than a block has its own buffer).
  if (spare.length < MAX_SPARE && block.byteOffset === 0 && block.buffer.byteLength === BLOCK) spare.push(Buffer.from(block.buffer, 0, BLOCK));
}

const COMMA = 44;
const MINUS = 45;

/** One bank's rows: the bytes for its file in blocks, with how many rows and fen they hold. */
interface RowsOfBank {
  bank: string;
  /** The bank code's bytes, to recognise the next row of the same bank without a string. */
  code: Buffer;
  blocks: Buffer[];
  block: Buffer;
  used: number;
  rows: number;
  totalFen: number;
}

/**
 * Bank-file rows split by bank as they arrive. Each row is one CSV line as the file query
 * returns it: the bank code and the amount in fen (both plain, for routing and totals), then
 * the file's own fields, which are copied as they are, their newline included.
 */
export class BankRows {
  readonly banks = new Map<string, RowsOfBank>();
  /** The same banks in an array: a Map iterator per row cost more than the rest of the row. */
  private readonly list: RowsOfBank[] = [];

  /** Takes the row buf[start, end); a RowSink (db/copy-rows.ts). */
  readonly add = (buf: Buffer, start: number, end: number): void => {
    let c1 = start;
    while (c1 < end && buf[c1] !== COMMA) c1++;
    if (c1 >= end) throw new Error('bank file row: no bank code');
    const of = this.of(buf, start, c1);
    let pos = c1 + 1;
    const negative = buf[pos] === MINUS;
    if (negative) pos++;
    let fen = 0;
    for (let ch = buf[pos]; ch !== COMMA; ch = buf[++pos]) {
      if (pos >= end || ch === undefined || ch < 48 || ch > 57) throw new Error('bank file row: the amount is not a whole number of fen');
      fen = fen * 10 + ch - 48;
    }
    of.rows++;
    of.totalFen += negative ? -fen : fen;
    const from = pos + 1;
    const len = end - from;
    if (of.used + len > BLOCK) seal(of);
    if (len > BLOCK) of.blocks.push(Buffer.from(buf.subarray(from, end)));
    else {
      // Byte by byte: a row is ~100 bytes, and Buffer#copy of a part of a buffer makes a
      // typed array per call, i.e. an object per row for the garbage collector.
      const block = of.block;
      let at = of.used;
      for (let i = from; i < end; i++) block[at++] = buf[i]!;
      of.used = at;
    }
  };

  /** A row made here (PGlite): the bank, the amount, then the file's fields. */
  addLine(bank: string, fen: number, fields: (string | number)[]): void {
    const line = Buffer.from(`${bank},${fen},${fields.map(csvField).join(',')}\n`);
    this.add(line, 0, line.length);
  }

  /** Every byte in `blocks` from here on. */
  seal(): this {
    for (const of of this.banks.values()) seal(of);
    return this;
  }

  private of(buf: Buffer, start: number, end: number): RowsOfBank {
    // A handful of banks: recognised by their bytes, no string per row.
    for (let i = 0; i < this.list.length; i++) if (sameBytes(this.list[i]!.code, buf, start, end)) return this.list[i]!;
    const bank = buf.toString('latin1', start, end);
    if (!/^[A-Za-z0-9_-]+$/.test(bank)) throw new Error(`bank file: bad bank code ${JSON.stringify(bank)}`);
    const of: RowsOfBank = { bank, code: Buffer.from(bank, 'latin1'), blocks: [], block: newBlock(), used: 0, rows: 0, totalFen: 0 };
    this.banks.set(bank, of);
    this.list.push(of);
    return of;
  }
}

/** code equals buf[start, end): compared in place, as a native call per row costs more than the bytes. */
function sameBytes(code: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (code.length !== end - start) return false;
  for (let i = 0; i < code.length; i++) if (code[i] !== buf[start + i]) return false;
  return true;
}

function seal(of: RowsOfBank) {
  if (!of.used) return;
  of.blocks.push(of.block.subarray(0, of.used));
  of.block = newBlock();
  of.used = 0;
}

/** A field as COPY … (FORMAT csv) writes it: quoted when it holds a quote, comma or line break. */
function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A bank file being written: the stream, the SHA-256 of what went into it, its rows and total. */
interface BankSink {
  bank: string;
  file: string;
  tmp: string;
  out: fs.WriteStream;
  hash: ReturnType<typeof createHash>;
  rows: number;
  totalFen: number;
}

export type BankFileSummary = { bank: string; file: string; rows: number; totalFen: number; sha256: string };

/**
 * The bank files of a run, opened as the first row of each bank arrives, written as `.part`
 * and renamed when closed.
 */
export class BankFiles {
  readonly sinks = new Map<string, BankSink>();
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /**
   * Appends rows (one chunk's, in order) and takes them: their blocks are reused once written.
   * Resolves when the files can take more.
   */
  async append(rows: BankRows): Promise<void> {
    for (const of of rows.seal().banks.values()) {
      const sink = this.sink(of.bank);
      sink.rows += of.rows;
      sink.totalFen += of.totalFen;
      const blocks = of.blocks;
      of.blocks = [];
      for (const block of blocks) if (!write(sink, block, () => recycle(block))) await new Promise<void>((res) => sink.out.once('drain', () => res()));
    }
  }

  private sink(bank: string): BankSink {
    let s = this.sinks.get(bank);
    if (!s) {
      const file = path.join(this.dir, `${bank}.csv`);
      s = { bank, file, tmp: `${file}.part`, out: fs.createWriteStream(`${file}.part`), hash: createHash('sha256'), rows: 0, totalFen: 0 };
      this.sinks.set(bank, s);
      write(s, FILE_HEADER);
    }
    return s;
  }

  async close() {
    for (const s of this.sinks.values()) {
      await new Promise<void>((res, rej) => s.out.end((err?: Error | null) => (err ? rej(err) : res())));
      fs.renameSync(s.tmp, s.file);
    }
  }

  /** Closes every file unfinished and removes it; resolves once none is open any more. */
  async destroy() {
    await Promise.all(
      [...this.sinks.values()].map(async (s) => {
        // A stream destroyed before its file opened may still report the open's failure (its
        // folder may be gone by then): nothing is listening any more, so that is not a crash.
        const closed = s.out.closed ? undefined : new Promise<void>((res) => s.out.once('close', () => res()));
        s.out.on('error', () => undefined).destroy();
        await closed;
        fs.rmSync(s.tmp, { force: true });
      }),
    );
  }

  /** Each file (relative to dataDir) with its rows, total and SHA-256, by bank. */
  summary(dataDir: string): BankFileSummary[] {
    return [...this.sinks.values()]
      .sort((a, b) => (a.bank < b.bank ? -1 : a.bank > b.bank ? 1 : 0))
      .map((s) => ({ bank: s.bank, file: path.relative(dataDir, s.file), rows: s.rows, totalFen: s.totalFen, sha256: s.hash.digest('hex') }));
  }
}

function write(sink: BankSink, data: Buffer | string, written?: () => void): boolean {
  sink.hash.update(data);
  return sink.out.write(data, (err) => err || written?.());
}
