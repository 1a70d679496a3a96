import { CompiledQuery, type Compilable } from 'kysely';
import type { Db } from './connect.js';

/**
 * A query built and compiled once, then run with other values: `build` is called once with
 * placeholder strings, and each call swaps the caller's values in where the placeholders came
 * out among the parameters. For hot reads whose shape never changes (the facts of an
 * application): building and compiling a query through Kysely costs more CPU than sending it.
 *
 * `build` must not branch on its arguments (it sees placeholders) and must pass each one as a
 * value (Kysely makes every value a parameter). Both dialects compile PostgreSQL's SQL, so one
 * compiled text serves PostgreSQL and PGlite.
 */
export function compiledTemplate<P extends string[], R>(build: (db: Db, ...params: P) => Compilable<R>): (db: Db, ...params: P) => CompiledQuery<R> {
  let compiled: { sql: string; parameters: readonly unknown[]; slots: (number | null)[] } | undefined;
  return (db, ...params) => {
    if (!compiled) {
      const placeholders = params.map((_, i) => `\u0000placeholder ${i}\u0000`) as P;
      const q = build(db, ...placeholders).compile();
      const slots = q.parameters.map((p) => (typeof p === 'string' ? placeholders.indexOf(p) : -1)).map((i) => (i < 0 ? null : i));
      placeholders.forEach((_, i) => {
        if (!slots.includes(i)) throw new Error(`compiledTemplate: argument ${i} is not a parameter of the query`);
      });
      compiled = { sql: q.sql, parameters: q.parameters, slots };
    }
    const { sql, parameters, slots } = compiled;
    return CompiledQuery.raw(sql, parameters.map((p, i) => (slots[i] === null ? p : params[slots[i]!]))) as CompiledQuery<R>;
  };
}
