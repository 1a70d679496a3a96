import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CopyRowFramer } from '../../db/copy-rows.js';
import { BankFiles, BankRows, FILE_HEADER } from './bank-files.js';

// Rows of the bank-file query as PostgreSQL's COPY … (FORMAT csv) sends them, one CopyData
// message each: bank, amount in fen, then the file's fields; a field with a quote, comma or
// newline comes quoted (quotes doubled).
const rows = [
  ['ICBC', 310_000, 'SSC1', '王秀英', '3100.00'],
  ['CCB', 250_000, 'SSC2', '李"建国"', '2500.00'],
  ['ICBC', 1, 'SSC3', '张\n桂兰', '0.01'],
  ['WHCB', 0, 'SSC4', '', '0.00'],
  ['CCB', 99_999, 'SSC5', '"', '999.99'],
  ['WHCB', -500, 'SSC6', '退回', '-5.00'],
] as const;
const field = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const line = (r: (typeof rows)[number]) => `${r[2]},${field(r[3])},${r[4]}\n`;

function message(code: string, body: Buffer) {
  const head = Buffer.alloc(5);
  head.write(code, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
// CopyOutResponse, the rows, CopyDone, then what ends the query: CommandComplete, ReadyForQuery.
const ending = Buffer.concat([message('C', Buffer.from('COPY 6\0')), message('Z', Buffer.from('I'))]);
const wire = Buffer.concat([
  message('H', Buffer.from([0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
  ...rows.map((r) => message('d', Buffer.from(`${r[0]},${r[1]},${line(r)}`))),
  message('c', Buffer.alloc(0)),
  ending,
]);

test('the rows of a COPY are read from its messages however the reads cut them, and what ends the query is handed back whole', () => {
  const expected = rows.map((r) => `${r[0]},${r[1]},${line(r)}`);
  // Every read size, so that a read ends at every byte of every message, its header included.
  for (let size = 1; size <= wire.length; size++) {
    const got: string[] = [];
    const framer = new CopyRowFramer((buf, start, end) => void got.push(buf.toString('utf8', start, end)));
    let unread: Buffer | undefined;
    for (let i = 0; i < wire.length && !unread; i += size) unread = framer.push(wire.subarray(i, i + size));
    assert.deepEqual(got, expected, `reads of ${size} bytes`);
    assert.equal(framer.rows, rows.length, `reads of ${size} bytes`);
    // The CommandComplete and what follows, to the end of the read that held them.
    assert.ok(unread && ending.subarray(0, unread.length).equals(unread.subarray(0, ending.length)) && unread[0] === 0x43, `reads of ${size} bytes: ${unread?.toString('latin1')}`);
  }
});

test('bank rows are split by bank in order, with rows, total and hash of each file', async () => {
  const expected = ['CCB', 'ICBC', 'WHCB'].map((bank) => {
    const mine = rows.filter((r) => r[0] === bank);
    const text = FILE_HEADER + mine.map(line).join('');
    return { bank, rows: mine.length, totalFen: mine.reduce((t, r) => t + r[1], 0), sha256: createHash('sha256').update(text).digest('hex'), text };
  });
  for (const size of [1, 7, wire.length]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-bankfiles-'));
    const files = new BankFiles(dir);
    // Two chunks' parts, appended in order.
    const first = new BankRows();
    const second = new BankRows();
    const framed = new CopyRowFramer((buf, start, end) => (framed.rows <= 3 ? first : second).add(buf, start, end));
    for (let i = 0; i < wire.length; i += size) if (framed.push(wire.subarray(i, i + size))) break;
    await files.append(first);
    await files.append(second);
    await files.close();
    const got = files.summary(dir).map((f) => ({ bank: f.bank, rows: f.rows, totalFen: f.totalFen, sha256: f.sha256, text: fs.readFileSync(path.join(dir, f.file), 'utf8') }));
    assert.deepEqual(got, expected, `reads of ${size} bytes`);
    fs.rmSync(dir, { recursive: true });
  }
});

test('a row without a whole amount in fen fails the COPY once it has ended, and no unfinished file is left', async () => {
  const bad = Buffer.concat([message('d', Buffer.from('ICBC,12.5,SSC1,王,0.12\n')), message('d', Buffer.from('ICBC,1,SSC2,李,0.01\n')), ending]);
  const got = new BankRows();
  const framer = new CopyRowFramer(got.add);
  const unread = framer.push(bad);
  assert.match(String(framer.failure), /whole number of fen/);
  assert.ok(unread && unread[0] === 0x43, 'the framing still reaches the end of the COPY');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-bankfiles-'));
  const files = new BankFiles(dir);
  const one = new BankRows();
  one.addLine('ICBC', 100, ['SSC1', '王', '1.00']);
  await files.append(one);
  await files.destroy();
  assert.deepEqual(fs.readdirSync(dir), [], 'no unfinished file is left behind');
  fs.rmSync(dir, { recursive: true });
});
