import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * One entry of the hash-chained audit trail. `hash` = SM3(prev_hash ‖ canonical
 * entry); entries are only ever appended (no route or service updates or deletes).
 * An entry is written with its action (`id`, no seq) and sealed into the chain soon
 * after: the sealer gives it `seq`, `prev_hash` and `hash`, once, and nothing else
 * changes it.
 */
export interface AuditLogTable {
  id: Generated<number>;
  seq: number | null;
  at: ColumnType<Date, Date, never>;
  actor_id: string | null;
  actor_role: string | null;
  channel: string | null;
  service_point_id: string | null;
  ip: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  /** Before/after images with personal data already masked. */
  before: JSONColumnType<Record<string, unknown>> | null;
  after: JSONColumnType<Record<string, unknown>> | null;
  prev_hash: string | null;
  hash: string | null;
}

export interface AuditTables {
  audit_log: AuditLogTable;
}
