/**
 * Durable timers, safe with any number of replicas: each worker takes due, unfired timers
 * with FOR UPDATE SKIP LOCKED, runs the handler in the same transaction and marks the
 * timer fired there. A timer's effect and its `fired_at` commit together, so a timer fires
 * at most once even when two workers poll at the same instant or a worker dies mid-way
 * (its transaction rolls back and the timer is taken again). Copied from the outbox relay's
 * pattern (events/relay.ts).
 */
import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { Selectable } from 'kysely';
import type { TimerTable } from './schema.js';

export type TimerRow = Selectable<TimerTable>;
export type TimerHandler = (trx: Db, timer: TimerRow, now: Date) => Promise<void>;

/** Backoff after a failed handler: 10 s, 20 s, 40 s … capped at one hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(3_600_000, 10_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Fires up to `batch` due timers, one transaction each. Returns how many fired. A handler
 * that throws leaves its timer unfired, with the error recorded and a later due time.
 */
export async function fireDueTimers(db: Db, handlers: Record<string, TimerHandler>, opts: { now?: Date; batch?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 50;
  let fired = 0;
  for (let i = 0; i < batch; i++) {
    const now = opts.now ?? new Date();
    let failure: { id: number; attempts: number; error: string } | null = null;
    const took = await db.transaction().execute(async (trx) => {
      const timer = await trx
        .selectFrom('timers')
        .selectAll()
        .where('fired_at', 'is', null)
        .where('due_at', '<=', now)
        .where('kind', 'in', Object.keys(handlers))
        .orderBy('due_at')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!timer) return false;
      try {
        // A savepoint, so a failing handler's partial writes are undone but the timer row stays locked by us.
        await sql`savepoint timer_handler`.execute(trx);
        await handlers[timer.kind]!(trx, timer, now);
        await sql`release savepoint timer_handler`.execute(trx);
        await trx.updateTable('timers').set({ fired_at: now, attempts: sql<number>`attempts + 1`, last_error: null }).where('id', '=', timer.id).execute();
        fired++;
      } catch (err) {
        await sql`rollback to savepoint timer_handler`.execute(trx);
        failure = { id: timer.id, attempts: timer.attempts + 1, error: err instanceof Error ? err.message : String(err) };
        await trx
          .updateTable('timers')
          .set({ attempts: failure.attempts, last_error: failure.error.slice(0, 1000), due_at: new Date(now.getTime() + retryDelayMs(failure.attempts)) })
          .where('id', '=', timer.id)
          .execute();
      }
      return true;
    });
    if (!took) break;
  }
  return fired;
}

export interface WorkerLog {
  error: (o: object, m: string) => void;
}

/** A background loop on this replica: fire due timers, sleep when there are none. */
export function startTimerWorker(db: Db, handlers: Record<string, TimerHandler>, log: WorkerLog, idleMs = 1000): () => Promise<void> {
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  const loop = (async () => {
    while (!stopped) {
      try {
        const n = await fireDueTimers(db, handlers);
        if (n === 0 && !stopped) await sleep(idleMs);
      } catch (err) {
        log.error({ err }, 'timer worker failed; retrying');
        if (!stopped) await sleep(idleMs * 5);
      }
    }
  })();
  return async () => {
    stopped = true;
    (wake as (() => void) | null)?.();
    await loop;
  };
}
