import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { TEST_DB, TEST_PG_URL } from '../../test/db.js';
import { setupTestApp, type TestContext } from '../../test/fixtures.js';
import { appendAudit, SYSTEM_ACTOR, verifyAuditChain } from '../audit/service.js';
import { getArchiveRecord } from '../archives/service.js';
import { signAuditCheckpoint, verifyAuditCheckpoints } from './checkpoints.js';
import { activeKey } from './keys.js';
import { sealSubmission, verifySealedSubmission } from './submission.js';
import { createOrganisation } from '../masterdata/organisations.js';
import { creditCodeFor } from '../demo/employers.js';
import { sm2Verify } from './sm2.js';
import { canonicalJson } from '../../lib/canonical-json.js';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let t: TestContext;

before(async () => {
  t = await setupTestApp();
});
after(async () => t?.close());

test('the public key registry lists keys without private parts; managing keys needs seal.manage', async () => {
  await activeKey(t.db, 'department_seal');
  const res = await t.app.inject({ method: 'GET', url: '/api/trust/keys' });
  assert.equal(res.statusCode, 200);
  const keys = res.json().keys as Record<string, string>[];
  assert.ok(keys.length >= 1);
  assert.match(keys[0]!.publicKeyPem!, /BEGIN PUBLIC KEY/);
  assert.ok(!JSON.stringify(keys).includes('private'), 'no private key material');
  const stored = await t.db.selectFrom('seal_keys').select(['private_key_enc', 'public_key_hex']).executeTakeFirstOrThrow();
  assert.match(stored.private_key_enc, /^v1\./, 'private key encrypted at rest');
  assert.ok(fs.statSync(path.join(t.app.config.dataDir, 'master.key')).mode % 0o1000 === 0o600 || process.env.TONGBAN_MASTER_KEY, 'master key file is 0600');
  const teller = await t.staffCookie('teller.hc');
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/trust/keys', headers: { cookie: teller }, payload: { purpose: 'department_seal' } })).statusCode, 403);
  const admin = await t.staffCookie('admin');
  const created = await t.app.inject({ method: 'POST', url: '/api/trust/keys', headers: { cookie: admin }, payload: { purpose: 'submission_seal', algorithm: 'Ed25519' } });
  assert.equal(created.statusCode, 201, created.body);
  const revoked = await t.app.inject({ method: 'POST', url: `/api/trust/keys/${created.json().keyId}/revocation`, headers: { cookie: admin }, payload: { reason: '测试吊销' } });
  assert.equal(revoked.json().status, 'revoked');
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/trust/keys/NOPE/revocation', headers: { cookie: admin }, payload: { reason: '测试吊销' } })).json().code, 'SEAL_KEY_UNKNOWN');
});

test('a submission is sealed (what, by whom, when) and archived; the seal verifies and detects changes', async () => {
  const actor = { userId: t.city.persons.zhang!.userId, role: 'citizen', channel: 'web', servicePointId: null, ip: '127.0.0.1' };
  const sealed = await sealSubmission(t.db, { caseId: 'case-42', personId: t.city.persons.zhang!.personId, submittedBy: actor, payload: { item: 'unemployment_benefit', answers: { reason: '合同到期' }, materials: [{ code: 'id_card', sm3: 'ab'.repeat(32) }] } });
  const rec = await getArchiveRecord(t.db, sealed.archiveId);
  assert.equal(rec?.source, 'submission_seal');
  assert.equal(rec?.case_id, 'case-42');
  const bytes = Buffer.from((await t.app.archiveStore.get(rec!.storage_key))!).toString('utf8');
  const env = JSON.parse(bytes);
  assert.equal(env.statement.submittedBy.userId, actor.userId);
  assert.deepEqual(await verifySealedSubmission(t.db, bytes), { ok: true });
  // The signature is standard SM2 over the canonical statement, checkable with only the public key.
  const key = await t.db.selectFrom('seal_keys').selectAll().where('key_id', '=', sealed.keyId).executeTakeFirstOrThrow();
  assert.equal(sm2Verify(key.public_key_hex, Buffer.from(canonicalJson(env.statement)), Buffer.from(sealed.signature, 'base64')), true);
  env.statement.payload.answers.reason = '主动辞职';
  assert.deepEqual(await verifySealedSubmission(t.db, JSON.stringify(env)), { ok: false, reason: 'bad_signature' });
});

test('an employer\'s submission is sealed for the organisation and filed in its archive', async () => {
  const org = await createOrganisation(t.db, SYSTEM_ACTOR, { credit_code: creditCodeFor('91', '371002', 'MA3S0001'), name: '威海示例科技有限公司', org_type: 'enterprise', industry_code: null, region_code: '371002001' });
  const actor = { userId: 'agent-1', role: 'employer_agent', channel: 'web', servicePointId: null, ip: '127.0.0.1' };
  const sealed = await sealSubmission(t.db, { caseId: 'case-43', orgId: org.orgId, submittedBy: actor, payload: { item: 'employee_enrolment', answers: { month: '2026-11' } } });
  const rec = await getArchiveRecord(t.db, sealed.archiveId);
  assert.equal(rec?.org_id, org.orgId);
  assert.equal(rec?.person_id, null);
  const bytes = Buffer.from((await t.app.archiveStore.get(rec!.storage_key))!).toString('utf8');
  assert.equal(JSON.parse(bytes).statement.orgId, org.orgId);
  assert.deepEqual(await verifySealedSubmission(t.db, bytes), { ok: true });
});

test('audit checkpoints are signed and show entries cut off the end of the chain', async () => {
  await appendAudit(t.db, SYSTEM_ACTOR, { action: 'test.one' });
  const cp = await signAuditCheckpoint(t.db);
  assert.ok(cp);
  assert.equal(await signAuditCheckpoint(t.db), null, 'nothing new, no second checkpoint');
  assert.deepEqual((await verifyAuditCheckpoints(t.db)).problems, []);
  // Cut the newest entries off: the chain alone still verifies, the checkpoint does not.
  await t.db.deleteFrom('audit_log').where('seq', '>=', cp.headSeq - 1).execute();
  assert.equal((await verifyAuditChain(t.db)).ok, true, 'a truncated chain looks intact on its own');
  const report = await verifyAuditCheckpoints(t.db);
  assert.equal(report.problems.length, 1);
  assert.equal(report.problems[0]!.kind, 'checkpoint');
  assert.match(report.problems[0]!.detail, /cut off/);
  // A forged checkpoint signature is reported as well.
  await appendAudit(t.db, SYSTEM_ACTOR, { action: 'test.two' });
  const cp2 = await signAuditCheckpoint(t.db);
  await t.db.updateTable('audit_checkpoints').set({ signed_at: new Date(Date.now() - 3600_000) }).where('head_seq', '=', cp2!.headSeq).execute();
  const forged = await verifyAuditCheckpoints(t.db);
  assert.ok(forged.problems.some((p) => p.seq === cp2!.headSeq && /bad signature/.test(p.detail)));
});

async function currentDatabaseUrl(): Promise<string> {
  const name = (await sql<{ name: string }>`select current_database() as name`.execute(t.db)).rows[0]!.name;
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

if (TEST_DB === 'postgres') test('`tongban audit verify` reports checkpoint problems and exits 1; `tongban verify` checks a QR file', { timeout: 300_000 }, async () => {
  const env = { ...process.env, DATABASE_URL: await currentDatabaseUrl(), DATA_DIR: t.app.config.dataDir, LOG_LEVEL: 'silent' };
  const audit = spawnSync(process.execPath, ['bin/tongban.mjs', 'audit', 'verify'], { cwd: serverDir, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(audit.status, 1, audit.stderr);
  const report = JSON.parse(audit.stdout);
  assert.ok(report.checkpoints.checked >= 2);
  assert.ok(report.problems.some((p: { kind: string }) => p.kind === 'checkpoint'));
  const { issueDocument } = await import('../documents/service.js');
  const doc = await issueDocument(t.db, t.app.archiveStore, 'card_loss_confirmation', { holder: { personId: t.city.persons.li!.personId, name: '李娜' }, cardNumberMasked: 'B9****', reportedAt: new Date().toISOString(), channel: '柜面', suspended: false }, SYSTEM_ACTOR);
  const qrFile = path.join(t.app.config.dataDir, 'qr.txt');
  fs.writeFileSync(qrFile, doc.qr + '\n');
  const ok = spawnSync(process.execPath, ['bin/tongban.mjs', 'verify', qrFile], { cwd: serverDir, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.equal(JSON.parse(ok.stdout).valid, true);
  const pdfFile = path.join(t.app.config.dataDir, 'doc.pdf');
  const bad = Buffer.from(doc.pdf);
  bad[Math.floor(bad.length / 2)]! ^= 1;
  fs.writeFileSync(pdfFile, bad);
  const no = spawnSync(process.execPath, ['bin/tongban.mjs', 'verify', pdfFile], { cwd: serverDir, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(no.status, 1);
  assert.equal(JSON.parse(no.stdout).reason, 'content_changed');
});
