import type { ColumnType } from 'kysely';
import type { Citation, ParameterScope, ParameterStatus } from './types.js';

/** One value of one parameter from one effective date (参数版本). Values are never overwritten. */
export interface ParameterVersionTable {
  version_id: string;
  key: string;
  effective_from: string;
  value: ColumnType<unknown, string, string>;
  unit: string;
  scope: ParameterScope;
  citation: ColumnType<Citation, string, string>;
  status: ParameterStatus;
  /** SM3 of the canonical {value, unit, scope, citation}: how a YAML sync recognises "unchanged". */
  content_hash: string;
  reason: string | null;
  created_by: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  published_by: string | null;
  published_at: Date | null;
  source: 'yaml' | 'api';
}

/** What each parameter is (name, unit, scope), from the YAML catalogue. */
export interface ParameterDefinitionTable {
  key: string;
  name_zh: string;
  name_en: string;
  unit: string;
  scope: ParameterScope;
  description: string | null;
  source_file: string;
  content_hash: string;
}

/** One year of public holidays and make-up working days, as published (catalog/calendars). */
export interface WorkingCalendarTable {
  year: number;
  calendar: ColumnType<unknown, string, string>;
  content_hash: string;
  loaded_at: ColumnType<Date, Date | undefined, Date>;
}

export interface PolicyTables {
  parameter_versions: ParameterVersionTable;
  parameter_definitions: ParameterDefinitionTable;
  working_calendars: WorkingCalendarTable;
}
