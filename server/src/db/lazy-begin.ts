import type pg from 'pg';

/**
 * Marks a statement that is the last one of its transaction (`runInTx` ends with one statement
 * of data-modifying CTEs). When nothing was sent in the transaction before it, the statement is
 * sent on its own, in autocommit: one statement is atomic by itself, so BEGIN and COMMIT would
 * be two round trips that change nothing (an application at a counter is ~11 round trips).
 */
export const SOLE_STATEMENT = '/* sole */ ';

// Kysely's PostgresDriver opens and ends a transaction with exactly these texts.
const BEGIN = 'begin';
const ENDS = new Set(['commit', 'rollback']);

type State = 'idle' | 'begin-pending' | 'autocommitted';

function done(command: string): pg.QueryResult {
  return { command, rowCount: null, oid: 0, fields: [], rows: [] };
}

/**
 * Makes `client.query` hold back Kysely's `begin` until the transaction's first statement:
 * a statement marked SOLE_STATEMENT is then sent alone (and the COMMIT or ROLLBACK after it
 * is answered here), any other statement, COPY stream or not, is preceded by the BEGIN
 * (node-pg sends queued queries in order). A transaction that sent nothing sends nothing.
 */
export function deferBegin(client: pg.ClientBase): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  let state: State = 'idle';
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text === 'string' && callback === undefined) {
      if (text === BEGIN && state === 'idle') {
        state = 'begin-pending';
        return Promise.resolve(done('BEGIN'));
      }
      if (state !== 'idle' && ENDS.has(text)) {
        state = 'idle';
        return Promise.resolve(done(text.toUpperCase()));
      }
      if (state === 'begin-pending' && text.startsWith(SOLE_STATEMENT)) {
        state = 'autocommitted';
        return query(text, values);
      }
    }
    if (state === 'autocommitted') {
      // Only COMMIT or ROLLBACK may follow a sole statement: it has committed already.
      state = 'idle';
      throw new Error('a statement was sent after the sole statement of its transaction');
    }
    if (state === 'begin-pending') {
      state = 'idle';
      // The BEGIN's failure surfaces as the next statement's (same broken connection).
      (query(BEGIN) as Promise<unknown>).catch(() => undefined);
    }
    return query(text, values, callback);
  };
}
