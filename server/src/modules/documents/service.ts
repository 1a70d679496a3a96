import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/connect.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { sha256Hex, sm3Hex } from '../../lib/hash.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { storeArchiveRecord } from '../archives/service.js';
import type { ArchiveStore } from '../archives/store.js';
import { activeKey, signWithKey } from '../seals/keys.js';
import type { SealAlgorithm } from '../seals/schema.js';
import { archiveCategoryOf, DOCUMENT_META, layoutOf, titleOf, type DocumentData, type Holder } from './kinds.js';
import { encodeQr, qrBody } from './qr-payload.js';
import { renderPdf } from './render.js';
import type { DocumentKind, DocumentTable } from './schema.js';

export type DocumentRow = Selectable<DocumentTable>;

export interface IssuedDocument {
  documentId: string;
  /** The archive record of the PDF file. */
  archiveId: string;
  /** The archive record of the canonical content JSON (what the QR's hash covers). */
  contentArchiveId: string;
  number: string;
  pdf: Uint8Array;
  qr: string;
}

/** 张伟 → 张*: enough for a verifier to compare with the printout, not enough to learn a name. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.join('') || '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

function chinaDate(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
function printedDate(d: Date): string {
  const s = chinaDate(d);
  return `${s.slice(0, 4)}年${Number(s.slice(5, 7))}月${Number(s.slice(8, 10))}日`;
}

/** Takes the next running number of a kind in a year: 威人社证〔2026〕000001号. */
export async function nextDocumentNumber(db: Db, kind: DocumentKind, year: number): Promise<string> {
  const row = await db
    .insertInto('document_counters')
    .values({ kind, year, last: 1 })
    .onConflict((oc) => oc.columns(['kind', 'year']).doUpdateSet({ last: sql`document_counters.last + 1` }))
    .returning('last')
    .executeTakeFirstOrThrow();
  return `威人社${DOCUMENT_META[kind].numberWord}〔${year}〕${String(row.last).padStart(6, '0')}号`;
}

/** The canonical content the QR code's hash covers; archived as JSON next to the PDF. */
export function documentContent(c: { id: string; kind: DocumentKind; number: string; title: string; issuedAt: Date; issuer: string; holder: Holder; caseId: string | null; data: unknown }): Record<string, unknown> {
  return { type: 'tongban.document', id: c.id, kind: c.kind, number: c.number, title: c.title, issuedAt: c.issuedAt.toISOString(), issuer: c.issuer, personId: c.holder.personId ?? null, orgId: c.holder.orgId ?? null, caseId: c.caseId, data: c.data };
}

/**
 * Issues a document: numbers it, signs the QR payload with the department seal key,
 * renders the PDF (seal, number, QR on every page), archives the content JSON and the
 * PDF, and registers the document with the PDF's SM3 and SHA-256, so the exact file
 * verifies and any changed byte does not. Pass a transaction to make issuing part of a
 * larger change (a case's completion); rendering takes about a tenth of a second.
 */
export async function issueDocument<K extends DocumentKind>(
  db: Db,
  store: ArchiveStore,
  kind: K,
  data: DocumentData[K],
  actor: Actor,
  opts: { caseId?: string | null; algorithm?: SealAlgorithm; issuedAt?: Date } = {},
): Promise<IssuedDocument> {
  const holder = (data as { holder: Holder }).holder;
  if (!holder?.name || (!holder.personId && !holder.orgId)) throw new Error('a document needs a holder with a name and a personId or orgId');
  const id = uuid7();
  // Whole seconds: the QR code carries Unix seconds, and the registry must agree with it.
  const issuedAt = new Date(Math.floor((opts.issuedAt ?? new Date()).getTime() / 1000) * 1000);
  const caseId = opts.caseId ?? (data as { caseId?: string | null }).caseId ?? null;
  // The number in its own short transaction unless the caller has one: a failure later leaves a gap, never a duplicate.
  const number = await nextDocumentNumber(db, kind, Number(chinaDate(issuedAt).slice(0, 4)));
  const key = await activeKey(db, 'department_seal', opts.algorithm);
  const issuer = key.owner_department;
  const title = titleOf(kind, data);
  const content = documentContent({ id, kind, number, title, issuedAt, issuer, holder, caseId, data });
  const contentBytes = Buffer.from(canonicalJson(content));
  const contentSm3 = sm3Hex(contentBytes);
  const claims = { documentId: id, contentSm3, issuedAt, keyId: key.key_id };
  const signature = signWithKey(key, qrBody(claims));
  const qr = encodeQr(claims, signature);
  const pdf = await renderPdf({ layout: layoutOf(kind, data, issuer), number, issuer, issuedOn: printedDate(issuedAt), qr, documentId: id, issuedAt });
  const pdfBuf = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const category = archiveCategoryOf(kind, data);

  const run = async (trx: Db) => {
    const common = { personId: holder.personId ?? null, orgId: holder.orgId ?? null, caseId, category, source: 'outcome_document' as const, classification: 'confidential' as const, actor, materialCode: `document:${kind}` };
    const contentRec = await storeArchiveRecord(trx, store, { ...common, materialCode: null, title: `${title} ${number}（内容）`, mediaType: 'application/json', bytes: contentBytes });
    const pdfRec = await storeArchiveRecord(trx, store, { ...common, title: `${title} ${number}`, mediaType: 'application/pdf', bytes: pdf, originalFilename: `${number}.pdf` });
    await trx
      .insertInto('documents')
      .values({
        id,
        kind,
        number,
        person_id: holder.personId ?? null,
        org_id: holder.orgId ?? null,
        case_id: caseId,
        title,
        holder_masked: maskName(holder.name),
        content_sm3: contentSm3,
        key_id: key.key_id,
        algorithm: key.algorithm,
        signature: Buffer.from(signature).toString('base64'),
        qr,
        issued_at: issuedAt,
        issuer,
        pdf_sm3: sm3Hex(pdfBuf),
        pdf_sha256: sha256Hex(pdfBuf),
        pdf_archive_id: pdfRec.id,
        content_archive_id: contentRec.id,
        revoked_at: null,
        revocation_reason: null,
        created_by: actor.userId,
      })
      .execute();
    await appendAudit(trx, actor, { action: 'document.issued', objectType: 'document', objectId: id, after: { kind, number, personId: holder.personId ?? null, orgId: holder.orgId ?? null, caseId, keyId: key.key_id, pdfSm3: sm3Hex(pdfBuf) } });
    await recordEvent(trx, { type: 'document.issued', aggregateType: 'document', aggregateId: id, partitionKey: holder.personId ?? holder.orgId ?? id, payload: { documentId: id, kind, number, personId: holder.personId ?? null, orgId: holder.orgId ?? null, caseId } });
    return { pdfRec, contentRec };
  };
  const { pdfRec, contentRec } = await (db.isTransaction ? run(db) : db.transaction().execute(run));
  return { documentId: id, archiveId: pdfRec.id, contentArchiveId: contentRec.id, number, pdf, qr };
}

export async function getDocument(db: Db, id: string): Promise<DocumentRow | undefined> {
  return db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Withdraws an issued document (e.g. superseded by a corrected one): it no longer verifies as valid. */
export async function revokeDocument(db: Db, actor: Actor, id: string, reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('documents').set({ status: 'revoked', revoked_at: new Date(), revocation_reason: reason }).where('id', '=', id).where('status', '=', 'issued').returning('id').executeTakeFirst();
    if (!r) throw new Error(`document ${id} is not an issued document`);
    await appendAudit(trx, actor, { action: 'document.revoked', objectType: 'document', objectId: id, after: { reason } });
    await recordEvent(trx, { type: 'document.revoked', aggregateType: 'document', aggregateId: id, payload: { documentId: id, reason } });
  });
}

/** What anyone holding the document may learn: no personal data beyond the masked name. */
export function presentDocumentPublic(d: DocumentRow) {
  return {
    id: d.id,
    kind: d.kind,
    number: d.number,
    title: d.title,
    holder: d.holder_masked,
    issuer: d.issuer,
    issuedAt: new Date(d.issued_at).toISOString(),
    keyId: d.key_id,
    algorithm: d.algorithm,
    status: d.status,
  };
}

export function presentDocument(d: DocumentRow) {
  return { ...presentDocumentPublic(d), personId: d.person_id, orgId: d.org_id, caseId: d.case_id, pdfSm3: d.pdf_sm3, pdfSha256: d.pdf_sha256, pdfArchiveId: d.pdf_archive_id, contentArchiveId: d.content_archive_id, contentSm3: d.content_sm3, qr: d.qr };
}
