import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sm2Generate, sm2PrivateKeyPem, sm2PublicHexFromPem, sm2PublicKeyPem, sm2Sign, sm2Verify, SM2_DEFAULT_USER_ID } from './sm2.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-sm2-'));
function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
const message = Buffer.from('{"type":"tongban.document","number":"威人社证〔2026〕000001号"}');
fs.writeFileSync(path.join(dir, 'msg.bin'), message);

test('OpenSSL verifies what Tongban signs (SM2 with SM3, user ID 1234567812345678)', () => {
  const kp = sm2Generate();
  fs.writeFileSync(path.join(dir, 'pub.pem'), sm2PublicKeyPem(kp.publicHex));
  fs.writeFileSync(path.join(dir, 'sig.der'), sm2Sign(kp, message, { der: true }));
  const ok = openssl(['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-digest', 'sm3', '-pkeyopt', `distid:${SM2_DEFAULT_USER_ID}`, '-in', 'msg.bin', '-sigfile', 'sig.der']);
  assert.equal(ok.status, 0, ok.out);
  assert.match(ok.out, /Signature Verified Successfully/);
  // The same check through `openssl dgst`, the other common command.
  const dgst = openssl(['dgst', '-sm3', '-verify', 'pub.pem', '-sigopt', `distid:${SM2_DEFAULT_USER_ID}`, '-signature', 'sig.der', 'msg.bin']);
  assert.equal(dgst.status, 0, dgst.out);
  // A different message, or a different signer ID, must fail in OpenSSL too.
  fs.writeFileSync(path.join(dir, 'other.bin'), Buffer.concat([message, Buffer.from(' ')]));
  assert.notEqual(openssl(['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-digest', 'sm3', '-pkeyopt', `distid:${SM2_DEFAULT_USER_ID}`, '-in', 'other.bin', '-sigfile', 'sig.der']).status, 0);
  assert.notEqual(openssl(['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:8765432187654321', '-in', 'msg.bin', '-sigfile', 'sig.der']).status, 0);
});

test('Tongban verifies what OpenSSL signs, with a key OpenSSL generated', () => {
  const gen = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', 'ossl-key.pem']);
  assert.equal(gen.status, 0, gen.out);
  assert.equal(openssl(['pkey', '-in', 'ossl-key.pem', '-pubout', '-out', 'ossl-pub.pem']).status, 0);
  const signed = openssl(['pkeyutl', '-sign', '-inkey', 'ossl-key.pem', '-rawin', '-digest', 'sm3', '-pkeyopt', `distid:${SM2_DEFAULT_USER_ID}`, '-in', 'msg.bin', '-out', 'ossl-sig.der']);
  assert.equal(signed.status, 0, signed.out);
  const pub = sm2PublicHexFromPem(fs.readFileSync(path.join(dir, 'ossl-pub.pem'), 'utf8'));
  const sig = fs.readFileSync(path.join(dir, 'ossl-sig.der'));
  assert.equal(sm2Verify(pub, message, sig, { der: true }), true);
  assert.equal(sm2Verify(pub, Buffer.from('something else'), sig, { der: true }), false);
  // `openssl dgst -sign` writes the same kind of signature.
  assert.equal(openssl(['dgst', '-sm3', '-sign', 'ossl-key.pem', '-sigopt', `distid:${SM2_DEFAULT_USER_ID}`, '-out', 'ossl-sig2.der', 'msg.bin']).status, 0);
  assert.equal(sm2Verify(pub, message, fs.readFileSync(path.join(dir, 'ossl-sig2.der')), { der: true }), true);
});

test('a key exported from Tongban signs in OpenSSL and verifies back', () => {
  const kp = sm2Generate();
  fs.writeFileSync(path.join(dir, 'tb-key.pem'), sm2PrivateKeyPem(kp));
  const signed = openssl(['pkeyutl', '-sign', '-inkey', 'tb-key.pem', '-rawin', '-digest', 'sm3', '-pkeyopt', `distid:${SM2_DEFAULT_USER_ID}`, '-in', 'msg.bin', '-out', 'tb-sig.der']);
  assert.equal(signed.status, 0, signed.out);
  assert.equal(sm2Verify(kp.publicHex, message, fs.readFileSync(path.join(dir, 'tb-sig.der')), { der: true }), true);
});

test('raw r‖s signatures: any flipped bit fails, and r or s out of range is refused', () => {
  const kp = sm2Generate();
  const sig = sm2Sign(kp, message);
  assert.equal(sig.length, 64);
  assert.equal(sm2Verify(kp.publicHex, message, sig), true);
  for (const i of [0, 31, 32, 63]) {
    const bad = Buffer.from(sig);
    bad[i]! ^= 0x01;
    assert.equal(sm2Verify(kp.publicHex, message, bad), false, `bit flipped at byte ${i}`);
  }
  assert.equal(sm2Verify(kp.publicHex, message, Buffer.alloc(64)), false);
  assert.equal(sm2Verify(kp.publicHex, message, Buffer.alloc(64, 0xff)), false);
  assert.equal(sm2Verify(kp.publicHex, message, sig.subarray(0, 63)), false);
  assert.equal(sm2Verify(sm2Generate().publicHex, message, sig), false, 'another key');
});
