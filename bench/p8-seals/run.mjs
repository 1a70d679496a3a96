#!/usr/bin/env node
// P8: documents signed and verified per second with SM2 (GM/T 0003, SM3, user ID
// 1234567812345678), beside `openssl speed -seconds 3 sm2` on the same machine in the
// same run; plus the full PDF issue rate (render, sign, archive twice, register, audit)
// on embedded PGlite, and Ed25519 for comparison. Single-threaded, like openssl speed.
//   node bench/p8-seals/run.mjs            (SECONDS=3 by default)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();
const root = path.resolve(import.meta.dirname, '../..');
const SECONDS = Number(process.env.SECONDS ?? 3);
process.env.TONGBAN_MASTER_KEY ??= randomBytes(32).toString('hex');

const { sm2Generate, sm2Sign, sm2Verify } = await import(path.join(root, 'server/src/modules/seals/sm2.ts'));
const { qrBody } = await import(path.join(root, 'server/src/modules/documents/qr-payload.ts'));
const { pgliteHandle, pgliteParsers } = await import(path.join(root, 'server/src/db/connect.ts'));
const { migrateToLatest } = await import(path.join(root, 'server/src/db/migrate.ts'));
const { issueDocument } = await import(path.join(root, 'server/src/modules/documents/service.ts'));
const { FsArchiveStore } = await import(path.join(root, 'server/src/modules/archives/store.ts'));
const { SYSTEM_ACTOR } = await import(path.join(root, 'server/src/modules/audit/service.ts'));
const { generateKeyPairSync, sign, verify } = await import('node:crypto');

function rate(label, fn, seconds = SECONDS) {
  for (let i = 0; i < 20; i++) fn(i); // warm-up: JIT, caches (Z value, precomputed point)
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) fn(n++);
  const r = n / seconds;
  console.error(`${label}: ${r.toFixed(0)}/s`);
  return r;
}
async function rateAsync(label, fn, seconds) {
  await fn(-1);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) await fn(n++);
  const r = n / ((performance.now() - t0) / 1000);
  console.error(`${label}: ${r.toFixed(1)}/s`);
  return r;
}

// The payload a document's QR code signs (document id, content SM3, issue time, key id).
const payload = (i) => qrBody({ documentId: '0192f3a4-5b6c-7d8e-9f00-' + String(i % 1e12).padStart(12, '0'), contentSm3: 'ab'.repeat(32), issuedAt: new Date(1_790_000_000_000 + i * 1000), keyId: 'S20261127a1b2c3' });
const kp = sm2Generate();
const sigs = Array.from({ length: 256 }, (_, i) => sm2Sign(kp, payload(i)));

const sm2SignRate = rate('SM2 sign (document payload)', (i) => sm2Sign(kp, payload(i)));
const sm2VerifyRate = rate('SM2 verify (document payload)', (i) => {
  if (!sm2Verify(kp.publicHex, payload(i % 256), sigs[i % 256])) throw new Error('verify failed');
});
const sm2BothRate = rate('SM2 sign + verify per document', (i) => {
  const p = payload(i);
  if (!sm2Verify(kp.publicHex, p, sm2Sign(kp, p))) throw new Error('verify failed');
});
const ed = generateKeyPairSync('ed25519');
const edSigs = Array.from({ length: 256 }, (_, i) => sign(null, payload(i), ed.privateKey));
const edSignRate = rate('Ed25519 sign', (i) => sign(null, payload(i), ed.privateKey));
const edVerifyRate = rate('Ed25519 verify', (i) => verify(null, payload(i % 256), ed.publicKey, edSigs[i % 256]));

// OpenSSL on the same machine, same run.
const ossl = spawnSync('openssl', ['speed', '-seconds', String(SECONDS), 'sm2'], { encoding: 'utf8' });
const line = (ossl.stdout ?? '').split('\n').find((l) => /SM2/.test(l) && /\d+\.\d+\s+\d+\.\d+\s*$/.test(l));
const nums = line ? line.trim().split(/\s+/).slice(-2).map(Number) : [NaN, NaN];
const [osslSign, osslVerify] = nums;
console.error(`openssl speed sm2: sign ${osslSign}/s, verify ${osslVerify}/s  (${(spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout ?? '').trim()})`);

// Full PDF issue: render with the subset CJK font, sign, archive PDF and content, register, audit; embedded PGlite.
const { PGlite } = await import('@electric-sql/pglite');
const client = new PGlite({ parsers: pgliteParsers });
await client.waitReady;
const h = await pgliteHandle(client);
await migrateToLatest(h.db);
const store = new FsArchiveStore(fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-p8-')));
const personId = '0192f3a4-0000-7000-8000-000000000001';
const data = (i) => ({ holder: { personId, name: '张伟', idNumber: '371002198503121239' }, asOf: '2026-11-01', purpose: `基准测试 ${i}`, insurances: [{ insuranceType: 'pension_employee', status: 'active', since: '2008-07-01', totalMonths: 220, paidMonths: 208, unpaidMonths: 0, lastMonth: '2026-10' }] });
const pdfSeconds = Math.max(SECONDS * 3, 10);
let pdfBytes = 0;
const issueRate = await rateAsync('full PDF issue (contribution certificate)', async (i) => {
  const d = await issueDocument(h.db, store, 'contribution_certificate', data(i), SYSTEM_ACTOR);
  pdfBytes = d.pdf.length;
}, pdfSeconds);
await h.close();

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const load = os.loadavg()[0].toFixed(1);
const r = (x, y) => (Number.isFinite(x / y) ? (x / y).toFixed(2) : 'n/a');
const result = {
  at: new Date().toISOString(), node: process.version, cpu, cores: os.cpus().length, loadavg1: Number(load), seconds: SECONDS,
  sm2: { signPerSec: Math.round(sm2SignRate), verifyPerSec: Math.round(sm2VerifyRate), signAndVerifyDocsPerSec: Math.round(sm2BothRate) },
  openssl: { signPerSec: osslSign, verifyPerSec: osslVerify },
  ratios: { sign: Number(r(sm2SignRate, osslSign)), verify: Number(r(sm2VerifyRate, osslVerify)) },
  ed25519: { signPerSec: Math.round(edSignRate), verifyPerSec: Math.round(edVerifyRate) },
  pdf: { issuedPerSec: Number(issueRate.toFixed(1)), bytes: pdfBytes },
};
fs.writeFileSync(path.join(import.meta.dirname, 'last-run.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`| measure (one thread) | Tongban | openssl speed sm2 | Tongban / OpenSSL |
|---|---:|---:|---:|
| SM2 sign, document payload | ${result.sm2.signPerSec}/s | ${osslSign}/s | ${result.ratios.sign} |
| SM2 verify, document payload | ${result.sm2.verifyPerSec}/s | ${osslVerify}/s | ${result.ratios.verify} |
| SM2 sign + verify per document | ${result.sm2.signAndVerifyDocsPerSec}/s | — | — |
| Ed25519 sign / verify (node:crypto) | ${result.ed25519.signPerSec}/s / ${result.ed25519.verifyPerSec}/s | — | — |
| full PDF issue (render, seal, 2 archive records, register, audit; PGlite) | ${result.pdf.issuedPerSec}/s (${Math.round(pdfBytes / 1024)} KB each) | — | — |

${cpu}, ${result.cores} cores, Node ${process.version}, load average ${load} at the end of the run.`);
