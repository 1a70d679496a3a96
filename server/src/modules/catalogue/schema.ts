import type { ColumnType, JSONColumnType } from 'kysely';
import type { ServiceItem, VersionStatus } from './types.js';

/** One row per service item (事项): the stable code and what lists and searches need. */
export interface ServiceItemTable {
  code: string;
  domain: string;
  name_zh: string;
  name_en: string;
  /** The latest published version number (it may take effect in the future; see item_versions.effective_from). */
  published_version: number | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/**
 * Every version of every item. Published and retired versions are immutable (a trigger refuses
 * changes to their definition, hash and effective date): a running case keeps its version_id.
 */
export interface ItemVersionTable {
  version_id: string;
  item_code: string;
  version: number;
  status: VersionStatus;
  /** Set when published (or read from the YAML); null for drafts. */
  effective_from: string | null;
  definition: JSONColumnType<ServiceItem>;
  /** SM3 of the canonical JSON of `definition`. */
  content_hash: string;
  /** 'yaml' (synced from catalog/items at start) or 'api' (an administrator's draft). */
  source: 'yaml' | 'api';
  created_by: string;
  reviewed_by: string | null;
  /** Set by the review (四眼原则: never by the author); cleared when the draft is resubmitted. */
  review_decision: 'approved' | 'rejected' | null;
  review_comment: string | null;
  published_by: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  submitted_at: Date | null;
  reviewed_at: Date | null;
  published_at: Date | null;
  retired_at: Date | null;
  /** Bumped by every status change: optimistic concurrency for the review workflow. */
  row_version: ColumnType<number, number | undefined, number>;
}

export interface CatalogueTables {
  service_items: ServiceItemTable;
  item_versions: ItemVersionTable;
}
