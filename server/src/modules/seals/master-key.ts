import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sm3Hex } from '../../lib/hash.js';

/**
 * The master key that encrypts seal private keys at rest (AES-256-GCM). From the
 * environment (TONGBAN_MASTER_KEY: 64 hex digits or base64 of 32 bytes) or the file
 * `<dataDir>/master.key`, created with mode 0600 on first use. One per process: the
 * first configuration wins, so every app and CLI command in a process agrees on it.
 * WARNING: whoever holds this key and the database can sign as the bureau; in
 * production it comes from the environment (a secrets store), never from the repository.
 */
let dataDir: string | undefined;
let cached: Buffer | undefined;

export function configureSeals(opts: { dataDir: string }): void {
  dataDir ??= opts.dataDir;
}

function parseKey(text: string, from: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new Error(`${from}: the master key must be 32 bytes (64 hex digits or base64)`);
  return key;
}

export function masterKey(): Buffer {
  if (cached) return cached;
  const env = process.env.TONGBAN_MASTER_KEY;
  if (env) return (cached = parseKey(env, 'TONGBAN_MASTER_KEY'));
  if (!dataDir) throw new Error('seals are not configured: set TONGBAN_MASTER_KEY or call configureSeals({ dataDir })');
  const file = path.join(dataDir, 'master.key');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': two processes starting together must not both write a different key.
    fs.writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return (cached = parseKey(fs.readFileSync(file, 'utf8'), file));
}

/** First 16 hex digits of SM3(master key): names the key a blob was sealed under without revealing it. */
function fingerprint(key: Buffer): string {
  return sm3Hex(key).slice(0, 16);
}

/** `v1.<fingerprint>.<iv>.<tag>.<ciphertext>` (base64url); the key id is the associated data. */
export function encryptPrivateKey(plain: Buffer, keyId: string): string {
  const key = masterKey();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId));
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return ['v1', fingerprint(key), iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function decryptPrivateKey(sealed: string, keyId: string): Buffer {
  const [v, fp, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || !fp || !iv || !tag || ct === undefined) throw new Error(`private key of ${keyId}: unknown format`);
  const key = masterKey();
  if (fp !== fingerprint(key)) throw new Error(`private key of ${keyId} was encrypted under another master key (${fp})`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
}
