/**
 * The case engine's background work on every replica: overdue escalation and business
 * chains, outcome documents and payment receipts, all as durable timers (timers.ts; SKIP LOCKED, so replicas never collide).
 */
import type { Db } from '../../db/connect.js';
import { chainHandler } from './chains.js';
import { documentHandler } from './documents.js';
import { overdueHandler } from './supervision.js';
import { PAYMENT_RECEIPT_TIMER, paymentReceiptHandler } from '../documents/payment-receipts.js';
import { fireDueTimers, startTimerWorker, type TimerHandler, type WorkerLog } from './timers.js';

export const CASE_TIMER_HANDLERS: Record<string, TimerHandler> = {
  'task.overdue': overdueHandler,
  chain: chainHandler,
  document: documentHandler,
  [PAYMENT_RECEIPT_TIMER]: paymentReceiptHandler,
};

/** One pass (tests, CLI): fires every due timer. */
export async function runCaseTimers(db: Db, now?: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await fireDueTimers(db, CASE_TIMER_HANDLERS, { batch: 100, ...(now ? { now } : {}) });
    total += n;
    if (n < 100) return total;
  }
}

export function startCaseWorkers(db: Db, log: WorkerLog, idleMs = 1000): () => Promise<void> {
  return startTimerWorker(db, CASE_TIMER_HANDLERS, log, idleMs);
}
