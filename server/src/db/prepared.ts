import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Statements sent often become server-side prepared statements on each connection, as
 * pgjdbc does with its prepareThreshold: PostgreSQL then parses a statement once per
 * connection and, after a few executions, reuses a generic plan. For the engine's
 * statements parsing and planning cost twice their execution (docs/PERFORMANCE.md, P4).
 *
 * Only texts seen THRESHOLD times are prepared, so one-off statements (DDL, literals
 * inlined) are not; the MAX_PREPARED texts used last keep their names (a text that drops
 * out is counted afresh). What a backend prepared stays with it until the pool retires
 * the connection after RECYCLE_AFTER uses (connect.ts), so it cannot grow for ever.
 *
 * A generic plan knows parameters only as `$n`: `ON CONFLICT (…) WHERE status = $1`
 * cannot be matched to a partial unique index and fails, so such predicates are
 * written as literals (`sql.lit`).
 */
const THRESHOLD = 3;
const MAX_PREPARED = 300;
const MAX_COUNTED = 10_000;

const seen = new Map<string, number>();
const names = new Map<string, string>();
/** Part of every name: bumped when the server refused a prepared statement's plan. */
let generation = 0;

/** Uses of a pooled connection before it is closed and replaced (its prepared statements with it). */
export const RECYCLE_AFTER = 100_000;

function nameFor(text: string): string | undefined {
  const known = names.get(text);
  if (known) {
    // Most recently used last: the first entry is the one to forget.
    names.delete(text);
    names.set(text, known);
    return known;
  }
  const n = (seen.get(text) ?? 0) + 1;
  if (n < THRESHOLD) {
    if (seen.size >= MAX_COUNTED) seen.clear();
    seen.set(text, n);
    return undefined;
  }
  seen.delete(text);
  if (names.size >= MAX_PREPARED) names.delete(names.keys().next().value!);
  const name = `tb${generation}_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

/**
 * "cached plan must not change result type": a table a prepared statement reads changed
 * its columns (a migration by another replica). That statement fails once; fresh names
 * make every connection parse its statements again from then on.
 */
const PLAN_CHANGED = '0A000';

/** Makes `client.query(text, values)` use a prepared statement for hot texts. */
export function prepareHotStatements(client: pg.ClientBase): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) && callback === undefined ? nameFor(text) : undefined;
    if (!name) return query(text, values, callback);
    return query({ name, text, values }).catch((e: { code?: string }) => {
      if (e?.code === PLAN_CHANGED) {
        generation++;
        names.clear();
      }
      throw e;
    });
  };
}
