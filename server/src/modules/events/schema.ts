import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** Transactional outbox: written in the same transaction as the change it describes. */
export interface OutboxTable {
  id: Generated<number>;
  event_id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  /** Person or organisation key, so events can be sharded with the data they describe. */
  partition_key: string;
  payload: JSONColumnType<Record<string, unknown>>;
  occurred_at: ColumnType<Date, Date | undefined, never>;
  published_at: Date | null;
}

export interface EventTables {
  outbox: OutboxTable;
}
