import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';

/** Where relayed events go: NATS JetStream in a city deployment. */
export interface EventPublisher {
  /** Must be idempotent on eventId: the relay may publish an event again after a crash. */
  publish(type: string, eventId: string, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export const SUBJECT_PREFIX = 'tongban';
export const STREAM_NAME = 'TONGBAN';

/**
 * Moves one batch of unpublished outbox rows to the publisher. Rows are locked with
 * SKIP LOCKED, so several replicas can relay at once without publishing a row twice
 * at the same time; a crash between publish and commit republishes, which JetStream's
 * message-id de-duplication absorbs (at-least-once in, exactly-once stored).
 */
export async function relayOnce(db: Db, publisher: EventPublisher, batchSize = 200): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('outbox')
      .selectAll()
      .where('published_at', 'is', null)
      .orderBy('id')
      .limit(batchSize)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return 0;
    const encoder = new TextEncoder();
    for (const r of rows) {
      const envelope = {
        id: r.event_id,
        type: r.type,
        aggregateType: r.aggregate_type,
        aggregateId: r.aggregate_id,
        partitionKey: r.partition_key,
        occurredAt: new Date(r.occurred_at).toISOString(),
        payload: r.payload,
      };
      await publisher.publish(r.type, r.event_id, encoder.encode(JSON.stringify(envelope)));
    }
    await trx
      .updateTable('outbox')
      .set({ published_at: sql<Date>`now()` })
      .where('id', 'in', rows.map((r) => r.id))
      .execute();
    return rows.length;
  });
}

/** A background loop: relay, sleep when idle. Stop with the returned function. */
export function startRelay(db: Db, publisher: EventPublisher, log: { error: (o: object, m: string) => void }, idleMs = 1000): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const n = await relayOnce(db, publisher);
        if (n === 0) await new Promise((r) => setTimeout(r, idleMs));
      } catch (err) {
        log.error({ err }, 'outbox relay failed; retrying');
        await new Promise((r) => setTimeout(r, idleMs * 5));
      }
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
