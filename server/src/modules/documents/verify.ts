import type { Db } from '../../db/connect.js';
import { sha256Hex, sm3Hex } from '../../lib/hash.js';
import { checkSignature } from '../seals/keys.js';
import { decodeQr, QR_PREFIX } from './qr-payload.js';
import { presentDocumentPublic } from './service.js';

export type InvalidReason = 'content_changed' | 'unknown_key' | 'key_revoked' | 'malformed' | 'unknown_document' | 'bad_signature' | 'document_revoked';

export type VerifyResult =
  | { valid: true; document: ReturnType<typeof presentDocumentPublic> }
  | { valid: false; reason: InvalidReason; detail: string; document?: ReturnType<typeof presentDocumentPublic> };

const REASON_TEXT: Record<InvalidReason, string> = {
  content_changed: 'the content differs from the document that was issued',
  unknown_key: 'signed with a key that is not in the registry',
  key_revoked: 'the signing key was revoked before the document was issued',
  malformed: 'not a Tongban document payload',
  unknown_document: 'no such document was issued',
  bad_signature: 'the signature does not verify: the payload was altered',
  document_revoked: 'the document was withdrawn by the issuer',
};
const invalid = (reason: InvalidReason, detail?: string, document?: VerifyResult extends infer R ? (R extends { document?: infer D } ? D : never) : never): VerifyResult => ({ valid: false, reason, detail: detail ?? REASON_TEXT[reason], ...(document ? { document } : {}) });

/**
 * Verifies a QR payload: well formed, signed by a registered key that was not revoked
 * at the issue time, and (online) naming a document the registry holds with the same
 * content hash and time. The first three steps need only the published key.
 */
export async function verifyQr(db: Db, text: string): Promise<VerifyResult> {
  const d = decodeQr(text);
  if (!d.ok) return invalid('malformed', d.detail);
  const sig = await checkSignature(db, d.claims.keyId, d.body, d.signature, d.claims.issuedAt);
  if (!sig.ok) return invalid(sig.reason);
  const doc = await db.selectFrom('documents').selectAll().where('id', '=', d.claims.documentId).executeTakeFirst();
  if (!doc) return invalid('unknown_document');
  const pub = presentDocumentPublic(doc);
  // A valid signature over claims the registry does not hold: only a leaked key could do that.
  if (doc.content_sm3.trim() !== d.claims.contentSm3 || new Date(doc.issued_at).getTime() !== d.claims.issuedAt.getTime() || doc.key_id !== d.claims.keyId) return invalid('content_changed', 'the signed payload does not match the registered document', pub);
  if (doc.status === 'revoked') return invalid('document_revoked', doc.revocation_reason ?? undefined, pub);
  return { valid: true, document: pub };
}

/** The QR payload a PDF carries in its Info dictionary, found by scanning the raw bytes (a damaged file still names its document). */
export function findQrInPdf(bytes: Uint8Array): string | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const m = /\/TongbanQR\s*\((TB1:[0-9A-Z $%*+\-./:]*)\)/.exec(text);
  return m ? m[1]! : null;
}

/**
 * Verifies a PDF file: valid only when its SM3 and SHA-256 are those of a registered
 * issued document whose QR payload verifies. A file whose bytes differ but which
 * carries a genuine payload is reported as changed content.
 */
export async function verifyPdf(db: Db, bytes: Uint8Array): Promise<VerifyResult> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sm3 = sm3Hex(buf);
  const doc = await db.selectFrom('documents').selectAll().where('pdf_sm3', '=', sm3).executeTakeFirst();
  if (doc && doc.pdf_sha256.trim() === sha256Hex(buf)) return verifyQr(db, doc.qr);
  const qr = findQrInPdf(bytes);
  if (!qr) return invalid(buf.subarray(0, 5).toString('latin1') === '%PDF-' ? 'unknown_document' : 'malformed', buf.subarray(0, 5).toString('latin1') === '%PDF-' ? 'this PDF is not a document issued here' : 'not a PDF');
  const viaQr = await verifyQr(db, qr);
  if (!viaQr.valid) return viaQr;
  return invalid('content_changed', 'the file differs from the PDF that was issued (its SM3 is not registered)', viaQr.document);
}

/** Text or PDF, as `tongban verify FILE` and POST /api/verify receive it. */
export async function verifyAny(db: Db, bytes: Uint8Array): Promise<VerifyResult> {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (head.includes('%PDF-')) return verifyPdf(db, bytes);
  const text = Buffer.from(bytes).toString('utf8').trim();
  if (text.startsWith(QR_PREFIX)) return verifyQr(db, text);
  return invalid('malformed', 'neither a PDF nor a QR payload (TB1:…)');
}
