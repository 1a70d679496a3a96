import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BankFiles, bankSplitter } from './payroll.js';

// PostgreSQL's COPY … (FORMAT csv) of the bank-file query: bank, amount in fen, then the
// file's fields; a field with a quote, comma or newline comes quoted (quotes doubled).
const rows = [
  ['ICBC', 310_000, 'SSC1', '王秀英', '3100.00'],
  ['CCB', 250_000, 'SSC2', '李"建国"', '2500.00'],
  ['ICBC', 1, 'SSC3', '张\n桂兰', '0.01'],
  ['WHCB', 0, 'SSC4', '', '0.00'],
  ['CCB', 99_999, 'SSC5', '"', '999.99'],
] as const;
const field = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const line = (r: (typeof rows)[number]) => `${r[2]},${field(r[3])},${r[4]}\n`;
const copyOut = Buffer.from(rows.map((r) => `${r[0]},${r[1]},${line(r)}`).join(''));
const HEADER = 'account_no,name,amount,month,regular,arrears,arrears_months,person_ref\n';

async function split(chunkSize: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-bankfiles-'));
  const files = new BankFiles(dir);
  const chunks: Buffer[] = [];
  for (let i = 0; i < copyOut.length; i += chunkSize) chunks.push(copyOut.subarray(i, i + chunkSize));
  await pipeline(Readable.from(chunks), bankSplitter(files));
  await files.close();
  const out = [...files.sinks.values()].map((s) => ({ bank: s.bank, rows: s.rows, totalFen: s.totalFen, sha256: s.hash.digest('hex'), text: fs.readFileSync(s.file, 'utf8') }));
  fs.rmSync(dir, { recursive: true });
  return out.sort((a, b) => a.bank.localeCompare(b.bank));
}

test('the one-pass bank split writes each bank its own rows, in order, with rows, total and hash of the file', async () => {
  const expected = ['CCB', 'ICBC', 'WHCB'].map((bank) => {
    const mine = rows.filter((r) => r[0] === bank);
    const text = HEADER + mine.map(line).join('');
    return { bank, rows: mine.length, totalFen: mine.reduce((t, r) => t + r[1], 0), sha256: createHash('sha256').update(text).digest('hex'), text };
  });
  // Every way the stream can be cut: inside a quoted newline, a doubled quote, a multi-byte name.
  for (const size of [1, 2, 3, 7, 16, copyOut.length]) assert.deepEqual(await split(size), expected, `chunks of ${size} bytes`);
});

test('a stream that ends inside a record is an error, not a short file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-bankfiles-'));
  const files = new BankFiles(dir);
  await assert.rejects(pipeline(Readable.from([copyOut.subarray(0, copyOut.length - 3)]), bankSplitter(files)), /incomplete last record/);
  await files.destroy();
  assert.deepEqual(fs.readdirSync(dir), [], 'no unfinished file is left behind');
  fs.rmSync(dir, { recursive: true });
});
