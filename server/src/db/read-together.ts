import { sql, type Compilable, type SelectQueryBuilder, type Simplify } from 'kysely';
import type { Database } from './schema.js';
import type { Db } from './connect.js';

/** A row as it comes back through JSON: timestamps would be strings, so reads given here select none. */
type Rows<Q> = Q extends Compilable<infer R> ? Simplify<R>[] : never;

/**
 * Several independent reads in one round trip: each query becomes a subquery whose rows come
 * back as one JSON array (`json_agg`), all of them in one row. Each module still writes its own
 * query; the caller only puts them side by side. A round trip costs both processes a wake-up,
 * which for small indexed reads is most of their price (docs/PERFORMANCE.md, P3).
 *
 * Columns come back as JSON values: text, numbers and `date` ('YYYY-MM-DD') as they are read
 * otherwise; do not select timestamps (they would come back as strings, not Dates).
 */
export async function readTogether<Q extends Record<string, Compilable<object>>>(db: Db, queries: Q): Promise<{ [K in keyof Q]: Rows<Q[K]> }> {
  return readTogetherQuery(db, queries).executeTakeFirstOrThrow();
}

/** readTogether's statement, not yet run (for compiledTemplate). */
export function readTogetherQuery<Q extends Record<string, Compilable<object>>>(db: Db, queries: Q) {
  const columns = Object.keys(queries).map((name) => sql<Rows<Q[string]>>`(select coalesce(json_agg(r), '[]') from ${queries[name]!} as r)`.as(name));
  // Kysely types a list of dynamically named columns as one union: name them back.
  return db.selectNoFrom(columns) as unknown as SelectQueryBuilder<Database, never, { [K in keyof Q]: Rows<Q[K]> }>;
}
