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

/**
 * Records a domain event. Call it with the transaction that makes the change, so
 * the event exists if and only if the change was committed.
 */
export async function recordEvent(trx: Db, event: DomainEvent): Promise<string> {
  // Time-ordered: the event_id index grows at its right edge.
  const eventId = uuid7();
  await trx
    .insertInto('outbox')
    .values({
      event_id: eventId,
      type: event.type,
      aggregate_type: event.aggregateType,
      aggregate_id: event.aggregateId,
      partition_key: event.partitionKey ?? event.aggregateId,
      payload: JSON.stringify(event.payload),
    })
    .execute();
  return eventId;
}

export async function recordEvents(trx: Db, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(
      events.map((event) => ({
        event_id: uuid7(),
        type: event.type,
        aggregate_type: event.aggregateType,
        aggregate_id: event.aggregateId,
        partition_key: event.partitionKey ?? event.aggregateId,
        payload: JSON.stringify(event.payload),
      })),
    )
    .execute();
}
