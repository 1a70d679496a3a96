import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** Administrative region per GB/T 2260 (city, district, town/street) and community codes. */
export interface RegionTable {
  code: string;
  name: string;
  name_en: string | null;
  /** 1 city (地级市), 2 district or county-level city (区/县级市), 3 town or street (镇/街道), 4 community or village (社区/村). */
  level: number;
  parent_code: string | null;
}

export type ServicePointKind = 'bureau' | 'district_centre' | 'town_office' | 'community_station' | 'kiosk' | 'bank_outlet';

export interface ServicePointTable {
  id: string;
  name: string;
  kind: ServicePointKind;
  region_code: string;
  address: string | null;
}

export type Sex = 'M' | 'F';

/** One record per person (同人同城同库), keyed by person_id — the shard key of all person data. */
export interface PersonTable {
  person_id: string;
  /** Normalised 18-character resident ID (GB 11643). */
  resident_id: string;
  name: string;
  /** Full pinyin without tones or spaces, lower case, for search: 张三 → zhangsan. */
  name_pinyin: string;
  /** Pinyin initials: 张三 → zs. */
  name_initials: string;
  birth_date: string;
  sex: Sex;
  /** Area code of the resident ID (place of first registration); not necessarily where the person lives. */
  id_area_code: string;
  /** Where the person lives now (community or town code): staff data scope follows this. */
  region_code: string;
  phone: string | null;
  address: string | null;
  household_id: string | null;
  household_relation: string | null;
  version: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type SourceKind = 'channel' | 'system' | 'import';

/**
 * Field-level provenance and history: one row each time a field takes a value.
 * The latest row per field is the field's current provenance; rows recorded up to a
 * date give the person "as of" that date.
 */
export interface PersonFieldHistoryTable {
  id: Generated<number>;
  person_id: string;
  field: string;
  value: string | null;
  source_kind: SourceKind;
  /** Channel name (counter, kiosk, web …), system name, or import batch id. */
  source_ref: string;
  actor: string | null;
  recorded_at: ColumnType<Date, Date | undefined, never>;
}

export interface HouseholdTable {
  household_id: string;
  head_person_id: string | null;
  address: string | null;
  region_code: string;
}

export interface OrganisationTable {
  org_id: string;
  /** Unified social credit code (GB 32100). */
  credit_code: string;
  name: string;
  org_type: string;
  industry_code: string | null;
  region_code: string;
  version: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface SocialSecurityCardTable {
  card_no: string;
  person_id: string;
  status: 'active' | 'lost' | 'frozen' | 'replaced' | 'cancelled';
  issued_at: string;
}

export type DuplicateStatus = 'open' | 'same_person' | 'different_persons';

/** Suspected duplicates (same name pinyin and birth date, different ID) wait here for staff: never merged silently. */
export interface DuplicateCandidateTable {
  id: Generated<number>;
  person_id: string;
  candidate_resident_id: string;
  candidate: JSONColumnType<Record<string, unknown>>;
  reason: string;
  source_ref: string;
  status: ColumnType<DuplicateStatus, DuplicateStatus | undefined, DuplicateStatus>;
  created_at: ColumnType<Date, Date | undefined, never>;
  resolved_by: string | null;
  resolved_at: Date | null;
}

export interface ImportBatchTable {
  batch_id: string;
  kind: string;
  file_name: string;
  file_sha256: string;
  actor: string | null;
  started_at: ColumnType<Date, Date | undefined, never>;
  finished_at: Date | null;
  rows_total: number;
  rows_created: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_rejected: number;
  rows_queued: number;
}

export interface MasterdataTables {
  regions: RegionTable;
  service_points: ServicePointTable;
  persons: PersonTable;
  person_field_history: PersonFieldHistoryTable;
  households: HouseholdTable;
  organisations: OrganisationTable;
  ss_cards: SocialSecurityCardTable;
  duplicate_candidates: DuplicateCandidateTable;
  import_batches: ImportBatchTable;
}
