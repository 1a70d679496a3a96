import type { ColumnType } from 'kysely';

export const DOCUMENT_KINDS = ['contribution_certificate', 'acceptance_receipt', 'one_time_notice', 'decision_letter', 'card_loss_confirmation', 'payment_receipt'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/**
 * An issued document (文书). `content_sm3` is the SM3 of the canonical content JSON
 * (archived as `content_archive_id`); the QR code on every page carries it, signed.
 * `pdf_sm3`/`pdf_sha256` register the exact PDF file issued, so a PDF verifies only
 * byte for byte.
 */
export interface DocumentTable {
  id: string;
  kind: DocumentKind;
  /** e.g. 威人社证〔2026〕000123号 */
  number: string;
  person_id: string | null;
  org_id: string | null;
  case_id: string | null;
  title: string;
  /** The holder's name, masked (张*): what a public verification may show. */
  holder_masked: string;
  content_sm3: string;
  key_id: string;
  algorithm: string;
  /** base64 signature inside the QR payload. */
  signature: string;
  qr: string;
  issued_at: Date;
  issuer: string;
  pdf_sm3: string;
  pdf_sha256: string;
  pdf_archive_id: string;
  content_archive_id: string;
  status: ColumnType<'issued' | 'revoked', 'issued' | 'revoked' | undefined, 'issued' | 'revoked'>;
  revoked_at: Date | null;
  revocation_reason: string | null;
  created_by: string | null;
}

/** Running numbers per kind and year (文号). */
export interface DocumentCounterTable {
  kind: string;
  year: number;
  last: number;
}

export interface DocumentTables {
  documents: DocumentTable;
  document_counters: DocumentCounterTable;
}
