/**
 * The signed payload in every document's QR code, verifiable offline with the
 * published key (the idea of the EU digital COVID certificate, without CBOR/COSE):
 *
 *   TB1:<base45(body ‖ signature)>
 *   body = version (1 byte, = 1)
 *        ‖ document id (16 bytes, the UUID)
 *        ‖ SM3 of the canonical content JSON (32 bytes)
 *        ‖ issued at (uint32 big-endian, Unix seconds)
 *        ‖ key id length (1 byte) ‖ key id (ASCII)
 *   signature = SM2-with-SM3 r‖s (64 bytes) or Ed25519 (64 bytes) over `body`.
 *
 * Base45 (RFC 9285) keeps to the QR alphanumeric set, so ~210 characters fit a
 * version 9 symbol at level M. Everything signed is fixed-length or length-prefixed.
 */
export const QR_PREFIX = 'TB1:';
const VERSION = 1;
const SIG_LEN = 64;

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const B45_INDEX = new Map([...B45].map((c, i) => [c, i]));

export function base45Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    let n = bytes[i]! * 256 + bytes[i + 1]!;
    const c = n % 45;
    n = (n - c) / 45;
    const d = n % 45;
    const e = (n - d) / 45;
    out += B45[c]! + B45[d]! + B45[e]!;
  }
  if (bytes.length % 2) {
    const n = bytes[bytes.length - 1]!;
    out += B45[n % 45]! + B45[Math.floor(n / 45)]!;
  }
  return out;
}

export function base45Decode(text: string): Uint8Array {
  if (text.length % 3 === 1) throw new Error('base45: bad length');
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 3) {
    const chunk = [...text.slice(i, i + 3)].map((ch) => {
      const v = B45_INDEX.get(ch);
      if (v === undefined) throw new Error(`base45: bad character ${JSON.stringify(ch)}`);
      return v;
    });
    if (chunk.length === 3) {
      const n = chunk[0]! + chunk[1]! * 45 + chunk[2]! * 45 * 45;
      if (n > 0xffff) throw new Error('base45: value out of range');
      out.push(n >> 8, n & 0xff);
    } else {
      const n = chunk[0]! + chunk[1]! * 45;
      if (n > 0xff) throw new Error('base45: value out of range');
      out.push(n);
    }
  }
  return Uint8Array.from(out);
}

export interface QrClaims {
  documentId: string;
  /** hex */
  contentSm3: string;
  /** whole seconds */
  issuedAt: Date;
  keyId: string;
}

function uuidBytes(id: string): Buffer {
  const hex = id.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a UUID: ${id}`);
  return Buffer.from(hex, 'hex');
}
function uuidString(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The bytes that are signed. */
export function qrBody(c: QrClaims): Uint8Array {
  const keyId = Buffer.from(c.keyId, 'ascii');
  if (keyId.length > 64 || !/^[\x21-\x7e]+$/.test(c.keyId)) throw new Error('key id must be 1–64 printable ASCII characters');
  const secs = Math.floor(c.issuedAt.getTime() / 1000);
  const t = Buffer.alloc(4);
  t.writeUInt32BE(secs);
  return Buffer.concat([Buffer.from([VERSION]), uuidBytes(c.documentId), Buffer.from(c.contentSm3, 'hex'), t, Buffer.from([keyId.length]), keyId]);
}

export function encodeQr(c: QrClaims, signature: Uint8Array): string {
  if (signature.length !== SIG_LEN) throw new Error(`signature must be ${SIG_LEN} bytes`);
  return QR_PREFIX + base45Encode(Buffer.concat([qrBody(c), signature]));
}

export type DecodedQr = { ok: true; claims: QrClaims; body: Uint8Array; signature: Uint8Array } | { ok: false; detail: string };

export function decodeQr(text: string): DecodedQr {
  const t = text.trim();
  if (!t.startsWith(QR_PREFIX)) return { ok: false, detail: `does not start with ${QR_PREFIX}` };
  let bytes: Uint8Array;
  try {
    bytes = base45Decode(t.slice(QR_PREFIX.length));
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
  const fixed = 1 + 16 + 32 + 4 + 1;
  if (bytes.length < fixed + 1 + SIG_LEN) return { ok: false, detail: 'too short' };
  if (bytes[0] !== VERSION) return { ok: false, detail: `unknown payload version ${bytes[0]}` };
  const keyLen = bytes[fixed - 1]!;
  if (bytes.length !== fixed + keyLen + SIG_LEN) return { ok: false, detail: 'length does not match the key id length' };
  const keyId = Buffer.from(bytes.subarray(fixed, fixed + keyLen)).toString('latin1');
  if (!/^[\x21-\x7e]+$/.test(keyId)) return { ok: false, detail: 'key id is not printable ASCII' };
  const buf = Buffer.from(bytes);
  return {
    ok: true,
    claims: { documentId: uuidString(bytes.subarray(1, 17)), contentSm3: buf.subarray(17, 49).toString('hex'), issuedAt: new Date(buf.readUInt32BE(49) * 1000), keyId },
    body: bytes.subarray(0, fixed + keyLen),
    signature: bytes.subarray(fixed + keyLen),
  };
}
