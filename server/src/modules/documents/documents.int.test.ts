import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { setupTestApp, type TestContext } from '../../test/fixtures.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { getArchiveRecord } from '../archives/service.js';
import { activeKey, createKey, revokeKey } from '../seals/keys.js';
import { sm2Generate, sm2Sign } from '../seals/sm2.js';
import { checkRecord } from '../archives/checks.js';
import { decodeQr, encodeQr, qrBody } from './qr-payload.js';
import { issueDocument, revokeDocument } from './service.js';
import { verifyAny, verifyPdf, verifyQr } from './verify.js';

let t: TestContext;
let dir: string;
let citizen: string;
let certificate: { pdf: Buffer; documentId: string; qr: string };

before(async () => {
  t = await setupTestApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-docs-'));
  const zhang = t.city.persons.zhang!;
  await t.db.insertInto('insured_status').values({ person_id: zhang.personId, insurance_type: 'pension_employee', status: 'active', since: '2008-07-01', prior_months: 12 }).execute();
  await t.db
    .insertInto('contribution_entries')
    .values(['2026-08', '2026-09', '2026-10'].map((month) => ({ person_id: zhang.personId, insurance_type: 'pension_employee' as const, month, org_id: null, base_fen: 500000, employer_fen: 80000, employee_fen: 40000, paid: true })) as never)
    .execute();
  citizen = await t.citizenCookie(zhang.residentId);
  const res = await t.app.inject({ method: 'POST', url: '/api/documents/contribution-certificate', headers: { cookie: citizen }, payload: { personId: zhang.personId, purpose: '子女入学' } });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.headers['content-type'], 'application/pdf');
  const documentId = String(res.headers['x-document-id']);
  const meta = await t.app.inject({ method: 'GET', url: `/api/documents/${documentId}`, headers: { cookie: citizen } });
  assert.equal(meta.statusCode, 200, meta.body);
  certificate = { pdf: res.rawPayload, documentId, qr: meta.json().qr };
});
after(async () => t?.close());

const verifyFile = async (bytes: Buffer) => (await t.app.inject({ method: 'POST', url: '/api/verify', headers: { 'content-type': 'application/pdf' }, payload: bytes })).json();

test('the certificate renders with Chinese text, the seal and a QR code that scans back to the signed payload', () => {
  const pdfPath = path.join(dir, 'certificate.pdf');
  fs.writeFileSync(pdfPath, certificate.pdf);
  assert.ok(certificate.pdf.length < 200_000, `subset font keeps the PDF small: ${certificate.pdf.length} bytes`);
  const text = spawnSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  for (const expected of ['社会保险参保缴费证明', '张伟', t.city.persons.zhang!.residentId, '企业职工基本养老保险', '参保缴费', '子女入学', '威海市人力资源和社会保障局', '威人社证〔', '特此证明']) {
    assert.ok(text.stdout.includes(expected), `text layer holds ${expected}:\n${text.stdout}`);
  }
  assert.match(text.stdout, /累计缴费月数[\s\S]*15/, 'prior 12 + 3 paid months');
  const render = spawnSync('pdftoppm', ['-r', '110', '-png', '-singlefile', pdfPath, path.join(dir, 'certificate')], { encoding: 'utf8' });
  assert.equal(render.status, 0, render.stderr);
  const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'certificate.png')));
  // Only the footer's left third, where the code is printed: jsQR over a whole page is slow.
  const x0 = 0;
  const y0 = Math.floor(png.height * 0.8);
  const w = Math.floor(png.width / 3);
  const h = png.height - y0;
  const crop = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) crop.set(png.data.subarray(((y0 + y) * png.width + x0) * 4, ((y0 + y) * png.width + x0 + w) * 4), y * w * 4);
  const found = (jsQR as unknown as typeof jsQR.default)(crop, w, h, { inversionAttempts: 'dontInvert' });
  assert.ok(found, 'the QR code on the rendered page is readable');
  assert.equal(found.data, certificate.qr);
  // Red seal pixels exist in the lower right half of the page.
  let red = 0;
  for (let y = Math.floor(png.height * 0.3); y < png.height; y++)
    for (let x = Math.floor(png.width * 0.6); x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i]! > 180 && png.data[i + 1]! < 90 && png.data[i + 2]! < 90) red++;
    }
  assert.ok(red > 500, `seal drawn (${red} red pixels)`);
  if (process.env.KEEP_RENDER) fs.copyFileSync(path.join(dir, 'certificate.png'), process.env.KEEP_RENDER);
});

test('the issued PDF and its QR verify; any changed byte makes the PDF invalid', async () => {
  const ok = await verifyFile(certificate.pdf);
  assert.equal(ok.valid, true, JSON.stringify(ok));
  assert.equal(ok.document.holder, '张*');
  assert.equal(ok.document.kind, 'contribution_certificate');
  const viaQr = await t.app.inject({ method: 'POST', url: '/api/verify', payload: { qr: certificate.qr } });
  assert.equal(viaQr.json().valid, true);
  const n = certificate.pdf.length;
  for (const pos of [0, 9, Math.floor(n * 0.25), Math.floor(n / 2), Math.floor(n * 0.8), n - 10, n - 1]) {
    const bad = Buffer.from(certificate.pdf);
    bad[pos] = bad[pos]! ^ 0x20;
    const r = await verifyPdf(t.db, bad);
    assert.equal(r.valid, false, `flipped byte at ${pos}`);
  }
  // A change in the page content (not in the embedded payload) is reported as changed content.
  const mid = Buffer.from(certificate.pdf);
  mid[Math.floor(n / 2)] = mid[Math.floor(n / 2)]! ^ 0x01;
  const changed = await verifyFile(mid);
  assert.equal(changed.valid, false);
  assert.equal(changed.reason, 'content_changed');
  assert.equal(changed.document.id, certificate.documentId);
  // Appending bytes (an "incremental update") is a change too.
  assert.equal((await verifyFile(Buffer.concat([certificate.pdf, Buffer.from('\n%%EOF\n')]))).reason, 'content_changed');
});

test('a tampered QR payload, an unknown key and a malformed payload are each rejected with their own reason', async () => {
  const d = decodeQr(certificate.qr);
  assert.ok(d.ok);
  // Tampered: the content hash changed, the signature kept.
  const tampered = encodeQr({ ...d.claims, contentSm3: '00'.repeat(32) }, d.signature);
  assert.deepEqual([(await verifyQr(t.db, tampered)).valid, (await verifyQr(t.db, tampered) as { reason: string }).reason], [false, 'bad_signature']);
  const later = encodeQr({ ...d.claims, issuedAt: new Date(d.claims.issuedAt.getTime() + 86_400_000) }, d.signature);
  assert.equal((await verifyQr(t.db, later) as { reason: string }).reason, 'bad_signature');
  // Signed correctly, but by a key the registry has never published.
  const rogue = sm2Generate();
  const claims = { ...d.claims, keyId: 'S20261127ffffff' };
  const forged = encodeQr(claims, sm2Sign(rogue, qrBody(claims)));
  assert.equal((await verifyQr(t.db, forged) as { reason: string }).reason, 'unknown_key');
  assert.equal((await verifyQr(t.db, 'TB1:NOT-A-PAYLOAD') as { reason: string }).reason, 'malformed');
  assert.equal((await verifyQr(t.db, 'https://example.com/') as { reason: string }).reason, 'malformed');
  // Over the API too, as JSON and as plain text.
  const api = await t.app.inject({ method: 'POST', url: '/api/verify', headers: { 'content-type': 'text/plain' }, payload: tampered });
  assert.equal(api.json().reason, 'bad_signature');
  const notPdf = await t.app.inject({ method: 'POST', url: '/api/verify', payload: { qr: 'garbage' } });
  assert.equal(notPdf.json().reason, 'malformed');
});

test('a key revoked before the issue date invalidates its documents; revoked after, they stay valid', async () => {
  const ed = await createKey(t.db, SYSTEM_ACTOR, { purpose: 'department_seal', algorithm: 'Ed25519' });
  const holder = { personId: t.city.persons.li!.personId, name: '李娜', idNumber: t.city.persons.li!.residentId };
  const before = await issueDocument(t.db, t.app.archiveStore, 'card_loss_confirmation', { holder, cardNumberMasked: 'A1234****', reportedAt: new Date().toISOString(), channel: '网上办事大厅', suspended: true }, SYSTEM_ACTOR, { algorithm: 'Ed25519' });
  assert.equal((await verifyQr(t.db, before.qr)).valid, true, 'Ed25519-sealed document verifies');
  const issuedAt = decodeQr(before.qr);
  assert.ok(issuedAt.ok);
  // Revoked after the issue: the document stays valid (it was signed while the key was good).
  await revokeKey(t.db, SYSTEM_ACTOR, ed.key_id, { reason: '到期更换', effectiveAt: new Date(issuedAt.claims.issuedAt.getTime() + 1000) });
  assert.equal((await verifyQr(t.db, before.qr)).valid, true);
  // Compromise discovered: revocation backdated to before the issue.
  await revokeKey(t.db, SYSTEM_ACTOR, ed.key_id, { reason: '私钥泄露', effectiveAt: new Date(issuedAt.claims.issuedAt.getTime() - 60_000) });
  const r = await verifyQr(t.db, before.qr);
  assert.equal(r.valid, false);
  assert.equal((r as { reason: string }).reason, 'key_revoked');
  assert.equal((await verifyPdf(t.db, before.pdf)).valid, false);
  const keys = (await t.app.inject({ method: 'GET', url: '/api/trust/keys' })).json().keys as { keyId: string; status: string; revokedAt: string | null }[];
  const listed = keys.find((k) => k.keyId === ed.key_id)!;
  assert.equal(listed.status, 'revoked');
  assert.ok(listed.revokedAt);
});

test('rotation: documents of the old key still verify; new documents use the new key', async () => {
  const old = await activeKey(t.db, 'department_seal');
  const rotated = await createKey(t.db, SYSTEM_ACTOR, { purpose: 'department_seal' });
  assert.notEqual(rotated.key_id, old.key_id);
  assert.equal((await verifyPdf(t.db, certificate.pdf)).valid, true, 'document of the rotated key');
  const holder = { personId: t.city.persons.zhang!.personId, name: '张伟' };
  const doc = await issueDocument(t.db, t.app.archiveStore, 'one_time_notice', { holder, itemName: '失业保险金申领', missing: [{ name: '解除劳动合同证明', requirement: '原件扫描件' }], deadline: '2026-12-01' }, SYSTEM_ACTOR);
  const d = decodeQr(doc.qr);
  assert.ok(d.ok);
  assert.equal(d.claims.keyId, rotated.key_id);
  const keys = (await t.app.inject({ method: 'GET', url: '/api/trust/keys' })).json().keys as { keyId: string; status: string }[];
  assert.equal(keys.find((k) => k.keyId === old.key_id)!.status, 'rotated');
});

test('every document kind issues, archives its PDF and content, and verifies; a withdrawn document does not', async () => {
  const zhang = { personId: t.city.persons.zhang!.personId, name: '张伟', idNumber: t.city.persons.zhang!.residentId };
  const kinds = [
    ['acceptance_receipt', { holder: zhang, caseId: 'case-1', caseNumber: 'SB2026110100001', itemName: '职工基本养老保险待遇申领', acceptedAt: '2026-11-01T01:30:00Z', servicePointName: '环翠楼街道便民服务中心', materials: [{ name: '居民身份证', how: 'reused' }, { name: '退休申请表', how: 'submitted' }], promisedDays: 10, dueDate: '2026-11-15' }],
    ['decision_letter', { holder: zhang, caseId: 'case-1', caseNumber: 'SB2026110100001', itemName: '职工基本养老保险待遇申领', outcome: 'rejected', decidedOn: '2026-11-10', summary: '累计缴费年限不足十五年，暂不符合按月领取基本养老金的条件。', reasons: ['截至申请之日累计缴费15个月，不足180个月。'], legalBasis: [{ law: '中华人民共和国社会保险法', article: '第十六条' }], archiveCategory: 'pension_decision' }],
    ['payment_receipt', { holder: zhang, paymentRef: 'PAY-2026-000001', paidAt: '2026-11-02T03:00:00Z', channel: '银行代扣', items: [{ label: '城乡居民基本养老保险', period: '2026', amountFen: 150000 }], totalFen: 150000 }],
  ] as const;
  for (const [kind, data] of kinds) {
    const doc = await issueDocument(t.db, t.app.archiveStore, kind, data as never, SYSTEM_ACTOR);
    assert.equal((await verifyAny(t.db, doc.pdf)).valid, true, kind);
    const rec = await getArchiveRecord(t.db, doc.archiveId);
    assert.equal(rec?.media_type, 'application/pdf');
    assert.equal((await checkRecord(t.db, t.app.archiveStore, rec!)).ok, true);
    if (kind === 'decision_letter') assert.equal(rec?.retention_years, null, 'a pension decision is kept permanently');
    const file = path.join(dir, `${kind}.pdf`);
    fs.writeFileSync(file, doc.pdf);
    const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout;
    if (kind === 'payment_receipt') assert.ok(text.includes('壹仟伍佰元整') && text.includes('1,500.00'), text);
    if (kind === 'decision_letter') assert.ok(text.includes('《中华人民共和国社会保险法》第十六条') && text.includes('不予'), text);
    if (kind === 'acceptance_receipt') assert.ok(text.includes('免提交'), text);
    if (kind === 'payment_receipt') {
      await revokeDocument(t.db, SYSTEM_ACTOR, doc.documentId, '重复开具');
      const r = await verifyAny(t.db, doc.pdf);
      assert.equal((r as { reason: string }).reason, 'document_revoked');
    }
  }
});

test('visibility: another citizen cannot read or issue for zhang; staff of another region cannot either', async () => {
  const li = await t.citizenCookie(t.city.persons.li!.residentId);
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/documents/${certificate.documentId}`, headers: { cookie: li } })).statusCode, 404);
  assert.equal((await t.app.inject({ method: 'GET', url: `/api/documents/${certificate.documentId}/pdf`, headers: { cookie: li } })).statusCode, 404);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/documents/contribution-certificate', headers: { cookie: li }, payload: { personId: t.city.persons.zhang!.personId } })).statusCode, 404);
  const wd = await t.staffCookie('teller.wd');
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/documents/contribution-certificate', headers: { cookie: wd }, payload: { personId: t.city.persons.zhang!.personId } })).statusCode, 403);
  const hc = await t.staffCookie('teller.hc');
  const pdf = await t.app.inject({ method: 'GET', url: `/api/documents/${certificate.documentId}/pdf`, headers: { cookie: hc } });
  assert.equal(pdf.statusCode, 200);
  assert.ok(pdf.rawPayload.equals(certificate.pdf), 'the registered PDF comes back byte for byte');
});
