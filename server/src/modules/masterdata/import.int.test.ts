import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { sql } from 'kysely';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { DbHandle } from '../../db/connect.js';
import { dropTemplates, freshDatabase } from '../../test/db.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { makeResidentId } from './identity/resident-id.js';
import { importPersonsFile } from './import.js';
import { createPerson, findPersonByResidentId, updatePerson, validatePerson } from './persons.js';

let dir: string;
let h: DbHandle;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-import-'));
});
after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await dropTemplates();
});
beforeEach(async () => {
  h = await freshDatabase();
});
afterEach(async () => h.close());

const HEADER_ZH = ['身份证号', '姓名', '性别', '出生日期', '手机', '地址', '行政区划'];
const HEADER_EN = ['residentId', 'name', 'sex', 'birthDate', 'phone', 'address', 'regionCode'];

function csvFile(name: string, rows: string[][], header = HEADER_ZH): string {
  const file = path.join(dir, name);
  const quote = (c: string) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c);
  fs.writeFileSync(file, '\uFEFF' + [header, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n');
  return file;
}

interface ReportLine {
  row: number;
  field: string;
  code: string;
  reason: string;
}
function readReport(file: string): ReportLine[] {
  const records = parse(fs.readFileSync(file, 'utf8'), { bom: true, from_line: 2 }) as string[][];
  return records.map(([row, field, code, reason]) => ({ row: Number(row), field: field!, code: code!, reason: reason! }));
}

async function tableCounts() {
  const one = async (table: 'persons' | 'person_field_history' | 'outbox' | 'duplicate_candidates') =>
    Number((await h.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  return { persons: await one('persons'), history: await one('person_field_history'), outbox: await one('outbox'), duplicates: await one('duplicate_candidates') };
}

const good1 = makeResidentId('371002', '1980-01-15', 11);
const good2 = makeResidentId('371003', '1975-06-30', 22);
const toFullWidth = (s: string) => s.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** Rows 2…10 of a file with one of each typical problem next to good rows. */
function mixedRows(): string[][] {
  const badCheck = makeResidentId('371002', '1991-02-03', 33);
  return [
    [good1, '赵敏', '男', '1980-01-15', '13806300001', '环翠区文化路1号', '371002001'], // row 2: good
    [badCheck.slice(0, 17) + (badCheck[17] === '1' ? '2' : '1'), '钱多', '', '', '13806300002', '', '371002'], // row 3: check digit
    ['371002850312123', '孙立', '男', '', '', '', '371002001'], // row 4: 15 digits, good
    [toFullWidth(good2), '李雷', '女', '', '13806300004', '', '371003001'], // row 5: full-width, good
    [makeResidentId('371002', '1988-08-08', 44), '周五', '', '1988-08-09', '', '', '371002001'], // row 6: birth date mismatch
    [makeResidentId('371002', '1989-09-09', 55), '吴六', '', '', '1380630', '', '371002001'], // row 7: bad phone
    [makeResidentId('371002', '1990-10-10', 66), '', '', '', '', '', '371002001'], // row 8: missing name
    [good1, '赵敏', '', '', '', '', '371002001'], // row 9: duplicate of row 2
    [makeResidentId('371003', '1970-12-01', 78), '郑七', '女', '1970/12/1', '0631-5201234', '文登区', '371003'], // row 10: good
  ];
}

test('bad rows are reported with row number, field and reason; good rows are committed', async () => {
  const file = csvFile('mixed.csv', mixedRows());
  const result = await importPersonsFile(h.db, file, {});
  assert.equal(result.total, 9);
  assert.equal(result.created, 4);
  assert.equal(result.rejected, 5);
  assert.equal(result.reportPath, `${file}.rejected.csv`);

  const report = readReport(result.reportPath);
  assert.deepEqual(
    report.map((r) => [r.row, r.field, r.code]),
    [
      [3, 'residentId', 'check_digit'],
      [6, 'birthDate', 'mismatch'],
      [7, 'phone', 'bad_phone'],
      [8, 'name', 'required'],
      [9, 'residentId', 'duplicate_in_file'],
    ],
  );
  // Reasons in both languages; the duplicate names the row that was kept.
  assert.match(report[0]!.reason, /校验位.*check digit/);
  assert.match(report[4]!.reason, /第2行.*row 2/);
  // The report masks identifiers like every other list.
  assert.ok(!fs.readFileSync(result.reportPath, 'utf8').includes(good1));

  // The 15-digit ID was upgraded; the full-width one normalised.
  assert.ok(await findPersonByResidentId(h.db, makeResidentId('371002', '1985-03-12', 123)));
  const li = await findPersonByResidentId(h.db, good2);
  assert.equal(li?.name, '李雷');
  const zhao = await findPersonByResidentId(h.db, good1);
  assert.equal(zhao?.phone, '13806300001');
  assert.equal(zhao?.name_pinyin, 'zhaomin');

  // Each new person: history rows from this batch, one person.created event, and one audit entry for the whole batch.
  const history = await h.db.selectFrom('person_field_history').selectAll().where('person_id', '=', zhao!.person_id).execute();
  assert.deepEqual(new Set(history.map((r) => r.field)), new Set(['name', 'phone', 'address', 'region_code']));
  assert.ok(history.every((r) => r.source_kind === 'import' && r.source_ref === result.batchId));
  const events = await h.db.selectFrom('outbox').select(['type', 'aggregate_id']).execute();
  assert.equal(events.filter((e) => e.type === 'person.created').length, 4);
  const audits = await h.db.selectFrom('audit_log').selectAll().where('action', '=', 'person.import').execute();
  assert.equal(audits.length, 1);
  assert.equal(audits[0]!.object_id, result.batchId);
  const batch = await h.db.selectFrom('import_batches').selectAll().where('batch_id', '=', result.batchId).executeTakeFirstOrThrow();
  assert.deepEqual(
    [batch.rows_total, batch.rows_created, batch.rows_updated, batch.rows_unchanged, batch.rows_rejected, batch.rows_queued],
    [9, 4, 0, 0, 5, 0],
  );
  assert.match(batch.file_sha256, /^[0-9a-f]{64}$/);
  assert.ok(batch.finished_at);
});

test('importing the same file twice changes nothing the second time', async () => {
  // One existing person whose lookalike (same name and birth date, other ID) is in the file.
  const existing = validatePerson({ residentId: makeResidentId('371002', '1960-05-05', 101), name: '王建华', regionCode: '371002001' });
  assert.ok(existing.ok);
  await createPerson(h.db, SYSTEM_ACTOR, { kind: 'system', ref: 'test', actor: null }, existing.value);
  const rows = [...mixedRows(), [makeResidentId('371002', '1960-05-05', 103), '王建华', '', '', '', '', '371002001']];
  const file = csvFile('twice.csv', rows);

  const first = await importPersonsFile(h.db, file, {});
  assert.equal(first.created, 4);
  assert.equal(first.queued, 1);
  const before = await tableCounts();
  const versions = await h.db.selectFrom('persons').select(['person_id', 'version', 'updated_at']).orderBy('person_id').execute();

  const second = await importPersonsFile(h.db, file, {});
  assert.deepEqual(
    { created: second.created, updated: second.updated, unchanged: second.unchanged, rejected: second.rejected, queued: second.queued, queuedNew: second.queuedNew },
    { created: 0, updated: 0, unchanged: 4, rejected: 5, queued: 1, queuedNew: 0 },
  );
  assert.equal(second.sha256, first.sha256);
  assert.deepEqual(await tableCounts(), before);
  assert.deepEqual(await h.db.selectFrom('persons').select(['person_id', 'version', 'updated_at']).orderBy('person_id').execute(), versions);
  // Both runs are on record.
  const batches = await h.db.selectFrom('import_batches').select(['rows_created', 'rows_unchanged']).orderBy('started_at').execute();
  assert.deepEqual(batches, [
    { rows_created: 4, rows_unchanged: 0 },
    { rows_created: 0, rows_unchanged: 4 },
  ]);
});

test('an exact ID match updates fields from the import but never one last set at a channel', async () => {
  const id = makeResidentId('371002', '1982-04-04', 201);
  const first = await importPersonsFile(h.db, csvFile('v1.csv', [[id, '陈晨', '', '', '13806301111', '旧地址1号', '371002001']]), {});
  assert.equal(first.created, 1);
  const person = (await findPersonByResidentId(h.db, id))!;
  // The person gives a new phone at the counter.
  await updatePerson(h.db, SYSTEM_ACTOR, { kind: 'channel', ref: 'counter', actor: 'teller.hc' }, person.person_id, { phone: '13906302222' });
  const before = await tableCounts();

  const second = await importPersonsFile(h.db, csvFile('v2.csv', [[id, '陈晨', '', '', '13806303333', '新地址2号', '371002002']]), {});
  assert.equal(second.updated, 1);
  assert.equal(second.keptByProvenance, 1);
  const after = (await findPersonByResidentId(h.db, id))!;
  assert.equal(after.phone, '13906302222', 'the phone given at the counter stays');
  assert.equal(after.address, '新地址2号');
  assert.equal(after.region_code, '371002002');
  assert.equal(after.version, person.version + 2);

  const history = await h.db.selectFrom('person_field_history').selectAll().where('person_id', '=', person.person_id).where('source_ref', '=', second.batchId).execute();
  assert.deepEqual(history.map((r) => r.field).sort(), ['address', 'region_code']);
  const counts = await tableCounts();
  assert.equal(counts.history, before.history + 2);
  const updated = await h.db.selectFrom('outbox').select('payload').where('type', '=', 'person.updated').where('aggregate_id', '=', person.person_id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.deepEqual((updated.payload as { fields: string[] }).fields.sort(), ['address', 'region_code']);

  // Empty cells mean "not known here": they erase nothing.
  const third = await importPersonsFile(h.db, csvFile('v3.csv', [[id, '陈晨', '', '', '', '', '371002002']]), {});
  assert.equal(third.unchanged, 1);
  assert.equal((await findPersonByResidentId(h.db, id))!.address, '新地址2号');
});

test('a suspected duplicate goes to the review queue and is not inserted', async () => {
  const v = validatePerson({ residentId: makeResidentId('371002', '1985-03-12', 123), name: '张伟', regionCode: '371002001' });
  assert.ok(v.ok);
  const zhang = await createPerson(h.db, SYSTEM_ACTOR, { kind: 'system', ref: 'test', actor: null }, v.value);
  // Same name and birth date, one digit of the order number mistyped; and a lookalike of a row earlier in the same file.
  const typo = makeResidentId('371002', '1985-03-12', 128);
  const newcomer = makeResidentId('371003', '1999-09-09', 301);
  const newcomerTypo = makeResidentId('371003', '1999-09-09', 303);
  const file = csvFile('dupes.csv', [
    [typo, '张伟', '', '', '', '', '371002001'],
    [newcomer, '刘洋', '', '', '', '', '371003001'],
    [newcomerTypo, '刘洋', '', '', '', '', '371003001'],
  ]);
  const result = await importPersonsFile(h.db, file, {});
  assert.deepEqual([result.created, result.queued, result.queuedNew], [1, 2, 2]);
  assert.equal(await findPersonByResidentId(h.db, typo), undefined);
  assert.equal(await findPersonByResidentId(h.db, newcomerTypo), undefined);
  const queue = await h.db.selectFrom('duplicate_candidates').selectAll().orderBy('id').execute();
  assert.equal(queue.length, 2);
  assert.equal(queue[0]!.person_id, zhang.person_id);
  assert.equal(queue[0]!.candidate_resident_id, typo);
  assert.equal(queue[0]!.status, 'open');
  assert.equal(queue[0]!.source_ref, result.batchId);
  assert.equal((queue[0]!.candidate as { row: number }).row, 2);
  assert.equal(queue[1]!.person_id, (await findPersonByResidentId(h.db, newcomer))!.person_id);
});

test('an XLSX file imports like the CSV, dates and numbers in cells included', async () => {
  const file = path.join(dir, 'persons.xlsx');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  ws.addRow(HEADER_EN);
  for (const r of mixedRows()) ws.addRow(r);
  // Row 11: birth date as a real Excel date and phone as a number, as Excel users enter them.
  ws.addRow([makeResidentId('371003', '1966-03-03', 88), '冯八', '女', new Date(Date.UTC(1966, 2, 3)), 13806300088, '', 371003]);
  await wb.xlsx.writeFile(file);

  const result = await importPersonsFile(h.db, file, { reportPath: path.join(dir, 'persons.rejected.xlsx') });
  assert.equal(result.format, 'xlsx');
  assert.deepEqual([result.total, result.created, result.rejected], [10, 5, 5]);
  const feng = await findPersonByResidentId(h.db, makeResidentId('371003', '1966-03-03', 88));
  assert.equal(feng?.phone, '13806300088');

  const report = new ExcelJS.Workbook();
  await report.xlsx.readFile(result.reportPath);
  const lines: [number, string, string][] = [];
  report.worksheets[0]!.eachRow((row, n) => {
    if (n > 1) lines.push([Number(row.getCell(1).value), String(row.getCell(2).value), String(row.getCell(3).value)]);
  });
  assert.deepEqual(lines, [
    [3, 'residentId', 'check_digit'],
    [6, 'birthDate', 'mismatch'],
    [7, 'phone', 'bad_phone'],
    [8, 'name', 'required'],
    [9, 'residentId', 'duplicate_in_file'],
  ]);

  // Importing it again changes nothing.
  const before = await tableCounts();
  const again = await importPersonsFile(h.db, file, { reportPath: path.join(dir, 'again.rejected.csv') });
  assert.equal(again.unchanged, 5);
  assert.deepEqual(await tableCounts(), before);
});

test('a GB18030 (GBK) CSV saved by Chinese Excel is read correctly, and a file without required columns is refused', async () => {
  const id = makeResidentId('371002', '1979-07-07', 401);
  // "residentId,name,regionCode\n<id>,张伟,371002001" with 张伟 in GBK bytes (D5C5 CEB0).
  const bytes = Buffer.concat([Buffer.from(`residentId,name,regionCode\r\n${id},`), Buffer.from([0xd5, 0xc5, 0xce, 0xb0]), Buffer.from(',371002001\r\n')]);
  const file = path.join(dir, 'gbk.csv');
  fs.writeFileSync(file, bytes);
  const result = await importPersonsFile(h.db, file, {});
  assert.equal(result.encoding, 'gb18030');
  assert.equal(result.created, 1);
  assert.equal((await findPersonByResidentId(h.db, id))?.name, '张伟');

  const noName = csvFile('no-name.csv', [[id, '371002001']], ['身份证号', '行政区划']);
  await assert.rejects(importPersonsFile(h.db, noName, {}), /姓名\/name/);
  assert.equal((await h.db.selectFrom('import_batches').select('batch_id').execute()).length, 1);
});
