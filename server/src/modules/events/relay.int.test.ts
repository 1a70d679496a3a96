import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freshDatabase } from '../../test/db.js';
import type { DbHandle } from '../../db/connect.js';
import { recordEvent } from './outbox.js';
import { relayOnce, type EventPublisher } from './relay.js';
import { natsPublisher } from './nats.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let h: DbHandle;
before(async () => {
  h = await freshDatabase();
});
after(async () => h.close());

test('outbox events reach NATS JetStream once, even when the relay publishes again after a crash', async () => {
  const suffix = randomBytes(4).toString('hex');
  const stream = `TBTEST_${suffix}`;
  const prefix = `tbtest${suffix}`;
  const publisher = await natsPublisher(NATS_URL, stream, prefix);
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  try {
    await h.db.transaction().execute(async (trx) => {
      await recordEvent(trx, { type: 'person.created', aggregateType: 'person', aggregateId: 'p1', payload: { personId: 'p1' } });
      await recordEvent(trx, { type: 'person.updated', aggregateType: 'person', aggregateId: 'p1', payload: { personId: 'p1', fields: ['phone'] } });
    });
    // A relay that publishes and then "crashes" before marking rows published.
    const crashing: EventPublisher = {
      publish: (type, id, data) => publisher.publish(type, id, data),
      close: async () => {},
    };
    await assert.rejects(
      h.db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('outbox').selectAll().where('published_at', 'is', null).execute();
        for (const r of rows) await crashing.publish(r.type, r.event_id, new TextEncoder().encode(JSON.stringify(r.payload)));
        throw new Error('crash before commit');
      }),
    );
    assert.equal(await relayOnce(h.db, publisher), 2);
    assert.equal(await relayOnce(h.db, publisher), 0, 'nothing left to relay');
    const info = await jsm.streams.info(stream);
    assert.equal(info.state.messages, 2, 'JetStream stored each event exactly once');
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    assert.equal(first?.subject, `${prefix}.person.created`);
    const pending = await h.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute();
    assert.equal(pending.length, 0);
  } finally {
    await jsm.streams.delete(stream).catch(() => {});
    await nc.drain();
    await publisher.close();
  }
});
