import { uuid7 } from '../../lib/uuid7.js';
import type { Db } from '../../db/connect.js';

export interface DomainEvent {
  /** e.g. `person.created`, `person.updated`, `organisation.created`. */
  type: string;
  aggregateType: string;
  aggregateId: string;
  partitionKey?: string;
  payload: Record<string, unknown>;
}

// Time-ordered ids: the event_id index grows at its right edge.
function outboxRow(event: DomainEvent, eventId: string) {
  return {
    event_id: eventId,
    type: event.type,
    aggregate_type: event.aggregateType,
    aggregate_id: event.aggregateId,
    partition_key: event.partitionKey ?? event.aggregateId,
    payload: JSON.stringify(event.payload),
  };
}

/**
 * Records a domain event. Call it with the transaction that makes the change, so
 * the event exists if and only if the change was committed.
 */
export async function recordEvent(trx: Db, event: DomainEvent): Promise<string> {
  const eventId = uuid7();
  await trx.insertInto('outbox').values(outboxRow(event, eventId)).execute();
  return eventId;
}

/** Records several events in one statement (same transaction rule as recordEvent), in order. */
export async function recordEvents(trx: Db, events: DomainEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const ids = events.map(() => uuid7());
  await trx.insertInto('outbox').values(events.map((e, i) => outboxRow(e, ids[i]!))).execute();
  return ids;
}

/** The rows recordEvents inserts: for a caller that writes several tables in one statement (cases/engine.ts). */
export function outboxRows(events: DomainEvent[]) {
  return events.map((e) => outboxRow(e, uuid7()));
}
