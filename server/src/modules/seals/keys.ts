import { createPrivateKey, generateKeyPairSync, randomBytes, sign as edSign, verify as edVerify, createPublicKey, type KeyObject } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/connect.js';
import { appendAudit, SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { decryptPrivateKey, encryptPrivateKey } from './master-key.js';
import type { KeyPurpose, SealAlgorithm, SealKeyTable } from './schema.js';
import { sm2Generate, sm2PublicKeyPem, sm2Sign, sm2Verify, type Sm2KeyPair } from './sm2.js';

/** The issuing department of the demo city; a key names its owner so a seal shows who signed. */
export const DEFAULT_DEPARTMENT = '威海市人力资源和社会保障局';
export const DEFAULT_ALGORITHM: SealAlgorithm = 'SM2-SM3';

export type SealKeyRow = Selectable<SealKeyTable>;

/** The public half of a key, as the registry publishes it. */
export interface PublicKeyInfo {
  keyId: string;
  algorithm: SealAlgorithm;
  purpose: KeyPurpose;
  ownerDepartment: string;
  publicKeyPem: string;
  publicKeyHex: string;
  status: string;
  validFrom: string;
  revokedAt: string | null;
  revocationReason: string | null;
}

export function presentKey(k: SealKeyRow): PublicKeyInfo {
  return {
    keyId: k.key_id,
    algorithm: k.algorithm,
    purpose: k.purpose,
    ownerDepartment: k.owner_department,
    publicKeyPem: k.public_key_pem,
    publicKeyHex: k.public_key_hex,
    status: k.status,
    validFrom: new Date(k.valid_from).toISOString(),
    revokedAt: k.revoked_at ? new Date(k.revoked_at).toISOString() : null,
    revocationReason: k.revocation_reason,
  };
}

/** Short ids: they travel inside every QR code. `S` = SM2, `E` = Ed25519. */
function newKeyId(algorithm: SealAlgorithm, at: Date): string {
  return `${algorithm === 'SM2-SM3' ? 'S' : 'E'}${at.toISOString().slice(0, 10).replaceAll('-', '')}${randomBytes(3).toString('hex')}`;
}

function generate(algorithm: SealAlgorithm): { publicPem: string; publicHex: string; privateDer: Buffer } {
  if (algorithm === 'SM2-SM3') {
    const kp = sm2Generate();
    return { publicPem: sm2PublicKeyPem(kp.publicHex), publicHex: kp.publicHex, privateDer: Buffer.from(kp.privateHex, 'hex') };
  }
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    publicHex: spki.subarray(spki.length - 32).toString('hex'),
    privateDer: privateKey.export({ type: 'pkcs8', format: 'der' }),
  };
}

/**
 * Creates a new active key for a purpose and algorithm. The key it replaces becomes
 * 'rotated': it signs nothing more but still verifies what it signed (rotation).
 */
function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

export async function createKey(db: Db, actor: Actor, input: { purpose: KeyPurpose; algorithm?: SealAlgorithm; ownerDepartment?: string; onlyIfNone?: boolean }): Promise<SealKeyRow> {
  const algorithm = input.algorithm ?? DEFAULT_ALGORITHM;
  const now = new Date();
  const keyId = newKeyId(algorithm, now);
  const g = generate(algorithm);
  const row = {
    key_id: keyId,
    algorithm,
    purpose: input.purpose,
    owner_department: input.ownerDepartment ?? DEFAULT_DEPARTMENT,
    public_key_pem: g.publicPem,
    public_key_hex: g.publicHex,
    private_key_enc: encryptPrivateKey(g.privateDer, keyId),
    status: 'active' as const,
    valid_from: now,
    revoked_at: null,
    revocation_reason: null,
  };
  return inTransaction(db, async (trx) => {
    const rotated = input.onlyIfNone
      ? []
      : await trx.updateTable('seal_keys').set({ status: 'rotated' }).where('purpose', '=', input.purpose).where('algorithm', '=', algorithm).where('status', '=', 'active').returning('key_id').execute();
    // With onlyIfNone, a key another process made active first wins (the partial unique index).
    const created = await trx
      .insertInto('seal_keys')
      .values(row)
      .onConflict((oc) => oc.columns(['purpose', 'algorithm']).where('status', '=', sql.lit('active')).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!created) {
      const winner = await trx.selectFrom('seal_keys').selectAll().where('purpose', '=', input.purpose).where('algorithm', '=', algorithm).where('status', '=', 'active').executeTakeFirst();
      if (winner && input.onlyIfNone) return winner;
      throw new Error(`another active ${algorithm} key for ${input.purpose} appeared meanwhile`);
    }
    await appendAudit(trx, actor, { action: rotated.length ? 'seal.key.rotated' : 'seal.key.created', objectType: 'seal_key', objectId: keyId, before: rotated.length ? { replaced: rotated.map((r) => r.key_id) } : null, after: { algorithm, purpose: input.purpose, ownerDepartment: row.owner_department } });
    await recordEvent(trx, { type: 'seal.key.created', aggregateType: 'seal_key', aggregateId: keyId, payload: { keyId, algorithm, purpose: input.purpose, replaced: rotated.map((r) => r.key_id) } });
    return created;
  });
}

/**
 * Revokes a key from `effectiveAt` on: what it signed before stays valid, what it
 * signed at or after that instant is refused. The instant may lie in the past
 * (a compromise discovered late), never silently in the future of now + ∞.
 */
export async function revokeKey(db: Db, actor: Actor, keyId: string, opts: { effectiveAt?: Date; reason: string }): Promise<SealKeyRow> {
  return inTransaction(db, async (trx) => {
    const key = await trx.selectFrom('seal_keys').selectAll().where('key_id', '=', keyId).forUpdate().executeTakeFirst();
    if (!key) throw new Error(`no key ${keyId}`);
    const effectiveAt = opts.effectiveAt ?? new Date();
    const updated = await trx.updateTable('seal_keys').set({ status: 'revoked', revoked_at: effectiveAt, revocation_reason: opts.reason }).where('key_id', '=', keyId).returningAll().executeTakeFirstOrThrow();
    await appendAudit(trx, actor, { action: 'seal.key.revoked', objectType: 'seal_key', objectId: keyId, before: { status: key.status }, after: { status: 'revoked', effectiveAt: effectiveAt.toISOString(), reason: opts.reason } });
    await recordEvent(trx, { type: 'seal.key.revoked', aggregateType: 'seal_key', aggregateId: keyId, payload: { keyId, effectiveAt: effectiveAt.toISOString(), reason: opts.reason } });
    return updated;
  });
}

export async function getKey(db: Db, keyId: string): Promise<SealKeyRow | undefined> {
  return db.selectFrom('seal_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
}

export async function listKeys(db: Db): Promise<SealKeyRow[]> {
  return db.selectFrom('seal_keys').selectAll().orderBy('created_at', 'desc').orderBy('key_id').execute();
}

/** The active key of a purpose; the first one is created on demand (by the system). */
export async function activeKey(db: Db, purpose: KeyPurpose, algorithm: SealAlgorithm = DEFAULT_ALGORITHM): Promise<SealKeyRow> {
  const find = () => db.selectFrom('seal_keys').selectAll().where('purpose', '=', purpose).where('algorithm', '=', algorithm).where('status', '=', 'active').executeTakeFirst();
  return (await find()) ?? createKey(db, SYSTEM_ACTOR, { purpose, algorithm, onlyIfNone: true });
}

// Decrypted private keys stay in memory for the life of the process, by key id.
const privateCache = new Map<string, Sm2KeyPair | KeyObject>();

function privateOf(key: SealKeyRow): Sm2KeyPair | KeyObject {
  let p = privateCache.get(key.key_id);
  if (!p) {
    const der = decryptPrivateKey(key.private_key_enc, key.key_id);
    p = key.algorithm === 'SM2-SM3' ? { privateHex: der.toString('hex'), publicHex: key.public_key_hex } : createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    privateCache.set(key.key_id, p);
  }
  return p;
}

/** Raw signature: SM2 r‖s (64 bytes) or Ed25519 (64 bytes). */
export function signWithKey(key: SealKeyRow, msg: Uint8Array): Uint8Array {
  if (key.status !== 'active') throw new Error(`key ${key.key_id} is ${key.status}: it no longer signs`);
  const p = privateOf(key);
  if (key.algorithm === 'SM2-SM3') return sm2Sign(p as Sm2KeyPair, msg);
  return new Uint8Array(edSign(null, msg, p as KeyObject));
}

const edPublic = new Map<string, KeyObject>();
export function verifyWithKey(key: Pick<SealKeyRow, 'algorithm' | 'public_key_hex' | 'public_key_pem'>, msg: Uint8Array, signature: Uint8Array): boolean {
  if (key.algorithm === 'SM2-SM3') return sm2Verify(key.public_key_hex, msg, signature);
  if (signature.length !== 64) return false;
  let pub = edPublic.get(key.public_key_hex);
  if (!pub) edPublic.set(key.public_key_hex, (pub = createPublicKey(key.public_key_pem)));
  try {
    return edVerify(null, msg, pub, signature);
  } catch {
    return false;
  }
}

export interface Signed {
  keyId: string;
  algorithm: SealAlgorithm;
  signature: Uint8Array;
}

/** Signs with the active key of a purpose. */
export async function signFor(db: Db, purpose: KeyPurpose, msg: Uint8Array, algorithm?: SealAlgorithm): Promise<Signed> {
  const key = await activeKey(db, purpose, algorithm);
  return { keyId: key.key_id, algorithm: key.algorithm, signature: signWithKey(key, msg) };
}

export type SignatureCheck = { ok: true; key: SealKeyRow } | { ok: false; reason: 'unknown_key' | 'key_revoked' | 'bad_signature'; key?: SealKeyRow };

/**
 * Whether `signature` over `msg` was made by `keyId` while the key was good:
 * unknown key, a key revoked at or before `signedAt`, or a signature that does not verify.
 */
export async function checkSignature(db: Db, keyId: string, msg: Uint8Array, signature: Uint8Array, signedAt: Date): Promise<SignatureCheck> {
  const key = await getKey(db, keyId);
  if (!key) return { ok: false, reason: 'unknown_key' };
  if (!verifyWithKey(key, msg, signature)) return { ok: false, reason: 'bad_signature', key };
  if (key.revoked_at && new Date(key.revoked_at).getTime() <= signedAt.getTime()) return { ok: false, reason: 'key_revoked', key };
  return { ok: true, key };
}
