import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { PDFDocument } from 'pdf-lib';
import { PNG } from 'pngjs';
import { TEST_DB, TEST_PG_URL } from '../../test/db.js';
import { setupTestApp, type TestContext } from '../../test/fixtures.js';
import { sha256Hex, sm3Hex } from '../../lib/hash.js';
import { uuid7 } from '../../lib/uuid7.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { signFor } from '../seals/keys.js';
import { checkRecord } from './checks.js';
import { decideDisposal, proposeDisposal } from './disposal.js';
import { linkRecordToCase, reusableMaterials, sealedMetadata, storeArchiveRecord, type ArchiveRecordRow } from './service.js';
import type { FsArchiveStore } from './store.js';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let t: TestContext;
let zhangCookie: string;

function png(w = 8, h = 6): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data.fill(200);
  return PNG.sync.write(p);
}
/** A small baseline JPEG header: SOI, JFIF APP0, SOF0 (24 × 16, 3 components), EOI. */
function jpeg(): Buffer {
  const app0 = Buffer.from('FFE000104A46494600010100000100010000', 'hex');
  const sof0 = Buffer.from('FFC0001108001000180301220002110103110100', 'hex').subarray(0, 19);
  return Buffer.concat([Buffer.from('FFD8', 'hex'), app0, sof0, Buffer.from('FFD9', 'hex')]);
}
async function pdf(): Promise<Buffer> {
  const d = await PDFDocument.create();
  d.addPage([200, 200]);
  return Buffer.from(await d.save());
}
const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.from('This program cannot be run in DOS mode.'), Buffer.alloc(100)]);

before(async () => {
  t = await setupTestApp();
  zhangCookie = await t.citizenCookie(t.city.persons.zhang!.residentId);
});
after(async () => t?.close());

const upload = (cookie: string, body: Buffer, contentType: string, filename: string | null, query = `personId=${t.city.persons.zhang!.personId}&materialCode=id_card&category=identity_document`) =>
  t.app.inject({ method: 'POST', url: `/api/archive/uploads?${query}`, headers: { cookie, 'content-type': contentType, ...(filename ? { 'x-filename': encodeURIComponent(filename) } : {}) }, payload: body });

test('a citizen uploads a PNG, a JPEG and a PDF; each is archived by content with SM3 and SHA-256', async () => {
  const image = png();
  const res = await upload(zhangCookie, image, 'image/png', '身份证 正面.png');
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json();
  assert.equal(body.mediaType, 'image/png');
  assert.equal(body.sm3, sm3Hex(image));
  assert.equal(body.sha256, sha256Hex(image));
  const j = await upload(zhangCookie, jpeg(), 'image/jpeg', 'photo.JPG', `personId=${t.city.persons.zhang!.personId}&materialCode=photo`);
  assert.equal(j.statusCode, 201, j.body);
  const p = await upload(zhangCookie, await pdf(), 'application/pdf', '../../etc/劳动合同.pdf', `personId=${t.city.persons.zhang!.personId}&materialCode=labour_contract`);
  assert.equal(p.statusCode, 201, p.body);
  const list = (await t.app.inject({ method: 'GET', url: `/api/archive/records?personId=${t.city.persons.zhang!.personId}`, headers: { cookie: zhangCookie } })).json().items as { originalFilename: string; mediaType: string; retainUntil: string | null }[];
  assert.equal(list.length, 3);
  // The name is kept only as metadata, without its folders.
  assert.ok(list.some((r) => r.originalFilename === '劳动合同.pdf'));
  const content = await t.app.inject({ method: 'GET', url: `/api/archive/records/${body.id}/content`, headers: { cookie: zhangCookie } });
  assert.equal(content.statusCode, 200);
  assert.equal(content.headers['content-type'], 'image/png');
  assert.ok(content.rawPayload.equals(image));
  // Content-addressed, under the data folder, no client-chosen path component.
  const store = t.app.archiveStore as FsArchiveStore;
  assert.ok(fs.existsSync(path.join(store.root, body.sm3.slice(0, 2), body.sm3.slice(2, 4), body.sm3)));
});

test('disguised, corrupt, infected and oversized files are rejected with their own error', async () => {
  const cases: [Buffer, string, string, string][] = [
    [png(), 'application/pdf', 'scan.pdf', 'UPLOAD_TYPE_MISMATCH'], // a PNG named and declared as a PDF
    [png(), 'image/png', 'scan.pdf', 'UPLOAD_TYPE_MISMATCH'], // a PNG named .pdf
    [exe, 'image/jpeg', 'photo.jpg', 'UPLOAD_TYPE_NOT_ALLOWED'], // a program named .jpg
    [Buffer.from('just some text, not a document'), 'application/pdf', 'a.pdf', 'UPLOAD_TYPE_NOT_ALLOWED'],
    [Buffer.concat([png().subarray(0, 40)]), 'image/png', 'cut.png', 'UPLOAD_CORRUPT'], // truncated PNG
    [Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('garbage '.repeat(50))]), 'application/pdf', 'broken.pdf', 'UPLOAD_CORRUPT'],
    [Buffer.concat([await pdf(), Buffer.from('\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n')]), 'application/pdf', 'eicar.pdf', 'UPLOAD_INFECTED'],
  ];
  for (const [body, type, name, code] of cases) {
    const res = await upload(zhangCookie, body, type, name);
    assert.equal(res.json().code, code, `${name}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    assert.ok(res.json().messages['zh-CN']);
  }
  const big = Buffer.concat([png(), Buffer.alloc(20 * 1024 * 1024)]);
  const tooBig = await upload(zhangCookie, big, 'image/png', 'big.png');
  assert.equal(tooBig.statusCode, 413);
  assert.equal(tooBig.json().code, 'UPLOAD_TOO_LARGE');
  // An unknown Content-Type is refused before reading.
  assert.equal((await upload(zhangCookie, exe, 'application/x-msdownload', 'a.exe')).statusCode, 415);
  const rows = await t.db.selectFrom('archive_records').select('original_filename').execute();
  assert.ok(!rows.some((r) => ['scan.pdf', 'photo.jpg', 'eicar.pdf', 'big.png'].includes(r.original_filename ?? '')), 'nothing rejected was archived');
});

test('visibility: citizens only for themselves, staff only in their region and with the permission', async () => {
  const li = await t.citizenCookie(t.city.persons.li!.residentId);
  assert.equal((await upload(li, png(), 'image/png', 'x.png')).statusCode, 404, "li cannot upload into zhang's archive");
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/archive/records?personId=${t.city.persons.zhang!.personId}`, headers: { cookie: li } })).statusCode, 404);
  const wd = await t.staffCookie('teller.wd');
  assert.equal((await upload(wd, png(), 'image/png', 'x.png')).statusCode, 403, 'teller of another district');
  const analyst = await t.staffCookie('analyst');
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/archive/records?personId=${t.city.persons.zhang!.personId}`, headers: { cookie: analyst } })).statusCode, 403);
  const hc = await t.staffCookie('teller.hc');
  const scan = await upload(hc, png(12, 12), 'image/png', 'counter-scan.png', `personId=${t.city.persons.zhang!.personId}&materialCode=household_register&category=application_material`);
  assert.equal(scan.statusCode, 201, scan.body);
  const rec = await t.db.selectFrom('archive_records').selectAll().where('id', '=', scan.json().id).executeTakeFirstOrThrow();
  assert.equal(rec.source, 'scan');
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/archive/records/${rec.id}/content`, headers: { cookie: li } })).statusCode, 404);
});

test('免提交: an archived material is offered again for a second application and linked to it', async () => {
  const first = await storeArchiveRecord(t.db, t.app.archiveStore, { personId: t.city.persons.wang!.personId, caseId: 'case-A', category: 'identity_document', materialCode: 'id_card', title: '居民身份证', mediaType: 'image/png', bytes: png(10, 10), source: 'scan', actor: SYSTEM_ACTOR });
  await storeArchiveRecord(t.db, t.app.archiveStore, { personId: t.city.persons.wang!.personId, category: 'application_material', materialCode: 'hukou', title: '户口簿', mediaType: 'image/png', bytes: png(9, 9), source: 'upload', actor: SYSTEM_ACTOR });
  const forSecond = await reusableMaterials(t.db, t.city.persons.wang!.personId, { materialCodes: ['id_card', 'bank_card'] });
  assert.deepEqual(forSecond.map((r) => r.id), [first.id]);
  assert.deepEqual((await reusableMaterials(t.db, t.city.persons.wang!.personId, { categories: ['application_material'] })).map((r) => r.material_code), ['hukou']);
  assert.equal((await reusableMaterials(t.db, t.city.persons.li!.personId)).length, 0, "nobody else's materials");
  // A newer copy of the same material replaces the older one in the offer.
  const newer = await storeArchiveRecord(t.db, t.app.archiveStore, { personId: t.city.persons.wang!.personId, category: 'identity_document', materialCode: 'id_card', title: '居民身份证（换证后）', mediaType: 'image/png', bytes: png(11, 10), source: 'upload', actor: SYSTEM_ACTOR });
  assert.deepEqual((await reusableMaterials(t.db, t.city.persons.wang!.personId, { materialCodes: ['id_card'] })).map((r) => r.id), [newer.id]);
  await linkRecordToCase(t.db, newer.id, 'case-B');
  const linked = await t.db.selectFrom('archive_records').select('case_id').where('id', '=', newer.id).executeTakeFirstOrThrow();
  assert.equal(linked.case_id, 'case-B');
  await linkRecordToCase(t.db, first.id, 'case-B');
  const audit = await t.db.selectFrom('audit_log').select('action').where('object_id', '=', first.id).execute();
  assert.ok(audit.some((a) => a.action === 'archive.reused'), 'reuse of a record filed with another case is audited');
});

/** A record written around storeArchiveRecord's checks, sealed correctly: only the crafted defect shows. */
async function craft(bytes: Buffer, over: Partial<ArchiveRecordRow> = {}): Promise<ArchiveRecordRow> {
  const store = t.app.archiveStore;
  const key = await store.put(bytes);
  const base = {
    id: uuid7(), person_id: t.city.persons.li!.personId, org_id: null, case_id: null, category: 'application_material', material_code: null, title: 'crafted', original_filename: null,
    media_type: 'image/png', size: bytes.length, sm3: sm3Hex(bytes), sha256: sha256Hex(bytes), storage_key: key, retention_years: 10, retain_until: '2037-01-01', formed_on: '2026-11-01',
    classification: 'internal' as const, source: 'upload' as const, created_by: 'test', created_at: new Date(), disposed_at: null, ...over,
  };
  const seal = await signFor(t.db, 'archive_seal', sealedMetadata(base));
  return t.db.insertInto('archive_records').values({ ...base, seal_key_id: seal.keyId, seal_signature: Buffer.from(seal.signature).toString('base64') }).returningAll().executeTakeFirstOrThrow();
}

test('四性检测: each of the four properties fails on a record crafted to break it, and only that one', async () => {
  const store = t.app.archiveStore;
  const good = await craft(png(5, 5));
  assert.deepEqual((await checkRecord(t.db, store, good)).failures, []);

  // Authenticity: metadata changed after sealing.
  const a = await craft(png(5, 6));
  await t.db.updateTable('archive_records').set({ title: '篡改后的标题' }).where('id', '=', a.id).execute();
  const aRow = await t.db.selectFrom('archive_records').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
  assert.deepEqual((await checkRecord(t.db, store, aRow)).failures.map((f) => f.property), ['authenticity']);

  // Integrity: the stored bytes no longer hash to the sealed digests (a PNG chunk altered, still a PNG).
  const i = await craft(png(6, 6));
  const file = (store as FsArchiveStore).pathOf(i.storage_key);
  const altered = png(6, 7);
  fs.writeFileSync(file, altered);
  const iFail = (await checkRecord(t.db, store, i)).failures;
  assert.deepEqual([...new Set(iFail.map((f) => f.property))], ['integrity'], JSON.stringify(iFail));
  assert.ok(iFail.some((f) => /SM3/.test(f.reason)) && iFail.some((f) => /SHA-256/.test(f.reason)));

  // Usability: bytes that do not open as the media type recorded (sealed as such).
  const u = await craft(Buffer.from('\x89PNG\r\n\x1a\n' + 'not really a png'), { media_type: 'image/png' });
  assert.deepEqual((await checkRecord(t.db, store, u)).failures.map((f) => f.property), ['usability']);

  // Security: a virus signature; a classification outside the allowed set; a stray storage path.
  // (A PDF with the test string appended: it still opens, so only security fails.)
  const v = await craft(Buffer.concat([await pdf(), Buffer.from('\n%X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n')]), { media_type: 'application/pdf' });
  assert.deepEqual((await checkRecord(t.db, store, v)).failures.map((f) => f.property), ['security']);
  const c = await craft(png(7, 8), { classification: 'top_secret' as never });
  assert.deepEqual((await checkRecord(t.db, store, c)).failures.map((f) => f.property), ['security']);
  const s = await craft(png(7, 9), { storage_key: '../../../etc/passwd' });
  assert.ok((await checkRecord(t.db, store, s)).failures.some((f) => f.property === 'security' && /not a location inside/.test(f.reason)));

  // Integrity of the metadata: a missing signature field shows too (and authenticity with it).
  await t.db.updateTable('archive_records').set({ seal_signature: '' }).where('id', '=', good.id).execute();
  const g2 = await t.db.selectFrom('archive_records').selectAll().where('id', '=', good.id).executeTakeFirstOrThrow();
  assert.deepEqual((await checkRecord(t.db, store, g2)).failures.map((f) => f.property).sort(), ['authenticity', 'integrity']);
});

test('disposal: only past retention, approved by a second person; bytes removed, record and audit kept', async () => {
  const store = t.app.archiveStore;
  const old = await storeArchiveRecord(t.db, store, { personId: t.city.persons.li!.personId, category: 'application_material', materialCode: 'old_scan', title: '2010年扫描件', mediaType: 'image/png', bytes: png(13, 13), source: 'scan', formedOn: '2010-05-04', actor: SYSTEM_ACTOR });
  assert.equal(old.retain_until, '2021-01-01');
  const fresh = await storeArchiveRecord(t.db, store, { personId: t.city.persons.li!.personId, category: 'application_material', title: '新材料', mediaType: 'image/png', bytes: png(14, 13), source: 'scan', actor: SYSTEM_ACTOR });
  const pension = await storeArchiveRecord(t.db, store, { personId: t.city.persons.li!.personId, category: 'pension_decision', title: '养老金核定', mediaType: 'image/png', bytes: png(15, 13), source: 'decision', formedOn: '1990-01-01', actor: SYSTEM_ACTOR });
  assert.equal(pension.retain_until, null, 'pension decisions are permanent');

  const admin = await t.staffCookie('admin');
  const propose = (id: string, cookie = admin) => t.app.inject({ method: 'POST', url: `/api/archive/records/${id}/disposal`, headers: { cookie }, payload: { reason: '保管期满，经鉴定无继续保存价值' } });
  assert.equal((await propose(fresh.id)).json().code, 'ARCHIVE_DISPOSAL_NOT_ALLOWED');
  assert.equal((await propose(pension.id)).json().code, 'ARCHIVE_DISPOSAL_NOT_ALLOWED');
  const teller = await t.staffCookie('teller.hc');
  assert.equal((await propose(old.id, teller)).statusCode, 403, 'a teller may not propose disposals');
  const proposed = await propose(old.id);
  assert.equal(proposed.statusCode, 201, proposed.body);
  const disposalId = proposed.json().disposalId as string;
  // The proposer cannot approve their own proposal.
  const self = await t.app.inject({ method: 'POST', url: `/api/archive/disposals/${disposalId}/decision`, headers: { cookie: admin }, payload: { approve: true } });
  assert.equal(self.json().code, 'ARCHIVE_DISPOSAL_SAME_PERSON');
  assert.ok(await store.exists(old.storage_key), 'nothing removed before approval');
  const second = { userId: t.city.userIds['auditor']!, role: 'supervisor', channel: 'web', servicePointId: null, ip: null };
  const decided = await decideDisposal(t.db, store, second, disposalId, true);
  assert.equal(decided.status, 'approved');
  assert.equal(await store.exists(old.storage_key), false, 'bytes removed after approval');
  const row = await t.db.selectFrom('archive_records').selectAll().where('id', '=', old.id).executeTakeFirstOrThrow();
  assert.equal(row.disposal_status, 'disposed');
  assert.ok(row.disposed_at);
  assert.deepEqual((await checkRecord(t.db, store, row)).failures, [], 'a disposed record keeps verifiable metadata');
  const trail = (await t.db.selectFrom('audit_log').select('action').where('object_id', '=', old.id).orderBy('id').execute()).map((r) => r.action);
  assert.deepEqual(trail, ['archive.stored', 'archive.disposal.proposed', 'archive.disposed']);
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/archive/records/${old.id}/content`, headers: { cookie: teller } })).statusCode, 404);
  await assert.rejects(proposeDisposal(t.db, second, old.id, 'again'), /cannot be disposed|ARCHIVE_DISPOSAL/);
});

async function currentDatabaseUrl(): Promise<string> {
  const name = (await sql<{ name: string }>`select current_database() as name`.execute(t.db)).rows[0]!.name;
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

// The CLI opens the database named by DATABASE_URL: it runs against the PostgreSQL test database.
if (TEST_DB === 'postgres') test('`tongban archive check` exits 1 and names each failing record and why', { timeout: 300_000 }, async () => {
  const res = spawnSync(process.execPath, ['bin/tongban.mjs', 'archive', 'check'], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: await currentDatabaseUrl(), DATA_DIR: t.app.config.dataDir, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(res.status, 1, res.stderr);
  const report = JSON.parse(res.stdout) as { ok: boolean; checked: number; failed: { id: string; failures: { property: string; reason: string }[] }[] };
  assert.equal(report.ok, false);
  const properties = new Set(report.failed.flatMap((f) => f.failures.map((x) => x.property)));
  assert.deepEqual([...properties].sort(), ['authenticity', 'integrity', 'security', 'usability']);
  assert.ok(report.checked > report.failed.length);
});
