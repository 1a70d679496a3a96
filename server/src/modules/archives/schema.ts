import type { ColumnType } from 'kysely';

/** Where a record came from. */
export const ARCHIVE_SOURCES = ['upload', 'scan', 'form_snapshot', 'decision', 'outcome_document', 'submission_seal'] as const;
export type ArchiveSource = (typeof ARCHIVE_SOURCES)[number];

/** 密级 (classification): this platform holds no state secrets; 'confidential' is personal data beyond the ordinary. */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export type DisposalStatus = 'retained' | 'proposed' | 'disposed';

/**
 * One archived item (电子档案): content-addressed bytes in the archive store, metadata
 * here. The seal signature covers the metadata (authenticity, 真实性) and the two
 * hashes cover the bytes (integrity, 完整性).
 */
export interface ArchiveRecordTable {
  id: string;
  person_id: string | null;
  org_id: string | null;
  /** Text: the case engine's ids. Linked after the fact, so not covered by the seal. */
  case_id: string | null;
  category: string;
  material_code: string | null;
  title: string;
  /** The name the file had on the client: metadata only, never part of a path. */
  original_filename: string | null;
  /** Detected from the content, never taken from the name or the client's Content-Type. */
  media_type: string;
  size: number;
  sm3: string;
  sha256: string;
  storage_key: string;
  /** Years from 1 January after formed_on; null = permanent (永久). */
  retention_years: number | null;
  /** The first day the record may be proposed for disposal; null = never. */
  retain_until: string | null;
  /** The day the original was formed (for a scan of paper: the paper's date). */
  formed_on: string;
  classification: Classification;
  source: ArchiveSource;
  created_by: string | null;
  created_at: Date;
  seal_key_id: string;
  /** base64 signature over the canonical metadata. */
  seal_signature: string;
  disposal_status: ColumnType<DisposalStatus, DisposalStatus | undefined, DisposalStatus>;
  disposed_at: Date | null;
}

/** Proposal and second-person approval of destroying one record past its retention (鉴定销毁). */
export interface ArchiveDisposalTable {
  id: string;
  record_id: string;
  person_id: string | null;
  reason: string;
  proposed_by: string;
  proposed_at: Date;
  status: 'proposed' | 'approved' | 'rejected';
  decided_by: string | null;
  decided_at: Date | null;
}

export interface ArchiveTables {
  archive_records: ArchiveRecordTable;
  archive_disposals: ArchiveDisposalTable;
}
