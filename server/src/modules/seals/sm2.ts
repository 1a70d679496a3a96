import { createHash, createPublicKey } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';

/**
 * SM2 signatures per GM/T 0003.2 with SM3 (GB/T 32905) and the default signer ID of
 * GM/T 0009: e = SM3(Z_A ‖ M), Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A).
 * WARNING: node's own `crypto.sign('sm3', …)` on an SM2 key is ECDSA over the SM2 curve,
 * which no other SM2 implementation accepts; the arithmetic here is sm-crypto-v2's
 * (standard SM2, cross-checked against the OpenSSL command line in sm2.test.ts).
 * Z_A and the hashing go through node's native SM3; the precomputed public point is
 * cached per key, which makes verification several times faster.
 */
export const SM2_DEFAULT_USER_ID = '1234567812345678';
/** OID 1.2.156.10197.1.301: the SM2 curve (GM/T 0006). */
const SM2_CURVE_OID_DER = Buffer.from('06082a811ccf5501822d', 'hex');
/** OID 1.2.840.10045.2.1: id-ecPublicKey. */
const EC_PUBLIC_KEY_OID_DER = Buffer.from('06072a8648ce3d0201', 'hex');
/** The order n of the SM2 curve: r and s must lie in [1, n − 1]. */
const SM2_N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

export interface Sm2KeyPair {
  /** 32-byte private scalar, hex. */
  privateHex: string;
  /** Uncompressed point 04 ‖ x ‖ y, hex (130 characters). */
  publicHex: string;
}

export function sm2Generate(): Sm2KeyPair {
  const kp = sm2.generateKeyPairHex();
  return { privateHex: kp.privateKey.padStart(64, '0'), publicHex: kp.publicKey };
}

export function sm2PublicFromPrivate(privateHex: string): string {
  return sm2.getPublicKeyFromPrivateKey(privateHex);
}

const zCache = new Map<string, Buffer>();
const pointCache = new Map<string, ReturnType<typeof sm2.precomputePublicKey>>();

function zOf(publicHex: string, userId: string): Buffer {
  const k = `${userId}|${publicHex}`;
  let z = zCache.get(k);
  if (!z) {
    z = Buffer.from(sm2.getZ(publicHex, userId));
    if (zCache.size > 1000) zCache.clear();
    zCache.set(k, z);
  }
  return z;
}

function digest(publicHex: string, msg: Uint8Array, userId: string): Uint8Array {
  return createHash('sm3').update(zOf(publicHex, userId)).update(msg).digest();
}

/** Signs `msg`; the signature is r ‖ s (64 bytes) or, with `der`, the ASN.1 SEQUENCE OpenSSL writes. */
export function sm2Sign(kp: Sm2KeyPair, msg: Uint8Array, opts: { der?: boolean; userId?: string } = {}): Uint8Array {
  const e = digest(kp.publicHex, msg, opts.userId ?? SM2_DEFAULT_USER_ID);
  const hex = sm2.doSignature(e, kp.privateHex, { hash: false, der: opts.der ?? false });
  return Buffer.from(hex, 'hex');
}

export function sm2Verify(publicHex: string, msg: Uint8Array, signature: Uint8Array, opts: { der?: boolean; userId?: string } = {}): boolean {
  try {
    const sigHex = Buffer.from(signature).toString('hex');
    if (!opts.der) {
      if (signature.length !== 64) return false;
      const r = BigInt('0x' + sigHex.slice(0, 64));
      const s = BigInt('0x' + sigHex.slice(64));
      if (r < 1n || r >= SM2_N || s < 1n || s >= SM2_N) return false;
    }
    let point = pointCache.get(publicHex);
    if (!point) {
      point = sm2.precomputePublicKey(publicHex);
      if (pointCache.size > 1000) pointCache.clear();
      pointCache.set(publicHex, point);
    }
    const e = digest(publicHex, msg, opts.userId ?? SM2_DEFAULT_USER_ID);
    return sm2.doVerifySignature(e, sigHex, point, { hash: false, der: opts.der ?? false });
  } catch {
    // A point not on the curve or a malformed DER is simply not a valid signature.
    return false;
  }
}

// --- DER by hand: node cannot export SM2 keys in the form OpenSSL expects from sm-crypto's hex.

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}
function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

/** SubjectPublicKeyInfo (RFC 5480) with id-ecPublicKey and the SM2 curve OID, as PEM. */
export function sm2PublicKeyPem(publicHex: string): string {
  const algorithm = tlv(0x30, Buffer.concat([EC_PUBLIC_KEY_OID_DER, SM2_CURVE_OID_DER]));
  const bits = tlv(0x03, Buffer.concat([Buffer.from([0]), Buffer.from(publicHex, 'hex')]));
  return pem('PUBLIC KEY', tlv(0x30, Buffer.concat([algorithm, bits])));
}

/** ECPrivateKey (RFC 5915, SEC 1) on the SM2 curve, as PEM: for export to OpenSSL-based tools. */
export function sm2PrivateKeyPem(kp: Sm2KeyPair): string {
  const body = Buffer.concat([
    Buffer.from('020101', 'hex'),
    tlv(0x04, Buffer.from(kp.privateHex.padStart(64, '0'), 'hex')),
    tlv(0xa0, SM2_CURVE_OID_DER),
    tlv(0xa1, tlv(0x03, Buffer.concat([Buffer.from([0]), Buffer.from(kp.publicHex, 'hex')]))),
  ]);
  return pem('EC PRIVATE KEY', tlv(0x30, body));
}

/** The uncompressed public point (hex) from an SM2 SubjectPublicKeyInfo PEM (e.g. written by OpenSSL). */
export function sm2PublicHexFromPem(publicPem: string): string {
  const der = createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
  if (!der.includes(SM2_CURVE_OID_DER)) throw new Error('not an SM2 public key');
  return der.subarray(der.length - 65).toString('hex');
}
