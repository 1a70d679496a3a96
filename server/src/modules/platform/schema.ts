import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export interface IdempotencyKeyTable {
  /** Who used the key (session user or anonymous client address): keys never collide across users. */
  scope: string;
  key: string;
  method: string;
  path: string;
  body_hash: string;
  /** Null while the first request is still being processed. */
  status_code: number | null;
  response: JSONColumnType<Record<string, unknown>> | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface PlatformTables {
  idempotency_keys: IdempotencyKeyTable;
}
export type { Generated };
