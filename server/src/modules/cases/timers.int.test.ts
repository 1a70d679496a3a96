import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dropTemplates, freshDatabase } from '../../test/db.js';
import { scheduleTimer } from './engine.js';
import { fireDueTimers, type TimerHandler } from './timers.js';

after(() => dropTemplates());

test('two (four) workers polling at once never fire one timer twice, and fire every due one', async () => {
  const h = await freshDatabase();
  try {
    const past = new Date(Date.now() - 1000);
    for (let i = 0; i < 120; i++) await scheduleTimer(h.db, { kind: 'test.tick', dueAt: past, payload: { n: i } });
    // A timer due later is left alone.
    await scheduleTimer(h.db, { kind: 'test.tick', dueAt: new Date(Date.now() + 3_600_000), payload: { n: -1 } });
    const fired = new Map<number, number>();
    const handler: TimerHandler = async (trx, timer) => {
      fired.set(timer.id, (fired.get(timer.id) ?? 0) + 1);
      // Hold the row a moment, so the workers really overlap.
      await sql`select pg_sleep(0.002)`.execute(trx);
    };
    const counts = await Promise.all([0, 1, 2, 3].map(() => fireDueTimers(h.db, { 'test.tick': handler }, { batch: 1000 })));
    assert.equal(counts.reduce((a, b) => a + b, 0), 120);
    assert.equal(fired.size, 120);
    assert.ok([...fired.values()].every((n) => n === 1), 'each timer fired exactly once');
    const left = await h.db.selectFrom('timers').select('id').where('fired_at', 'is', null).execute();
    assert.equal(left.length, 1);
  } finally {
    await h.close();
  }
});

test('a failing handler leaves its timer unfired, undoes its writes and retries later', async () => {
  const h = await freshDatabase();
  try {
    await scheduleTimer(h.db, { kind: 'test.fail', dueAt: new Date(Date.now() - 1000), payload: {}, dedupKey: 'once' });
    await scheduleTimer(h.db, { kind: 'test.fail', dueAt: new Date(Date.now() - 1000), payload: {}, dedupKey: 'once' });
    const handler: TimerHandler = async (trx) => {
      await scheduleTimer(trx, { kind: 'test.side', dueAt: new Date(), payload: {} });
      throw new Error('boom');
    };
    assert.equal(await fireDueTimers(h.db, { 'test.fail': handler }), 0);
    const rows = await h.db.selectFrom('timers').selectAll().execute();
    assert.equal(rows.length, 1, 'the dedup key kept one timer, and the failed handler’s write was undone');
    assert.equal(rows[0]!.fired_at, null);
    assert.equal(rows[0]!.attempts, 1);
    assert.equal(rows[0]!.last_error, 'boom');
    assert.ok(new Date(rows[0]!.due_at).getTime() > Date.now(), 'retried later');
  } finally {
    await h.close();
  }
});
