import { CompiledQuery, isExpression, type Insertable } from 'kysely';
import type { Database } from './schema.js';

/**
 * `insert into "table" (…) values (…), (…)` + `tail`, compiled without Kysely's query builder:
 * what Kysely would compile for these rows (columns in the order first seen, a column a row
 * lacks is `default`, every value a parameter), with the text made once per shape (table,
 * columns, number of rows, tail). A transition writes its history, events, audit entries and
 * tasks this way; building and compiling them through the builder cost as much CPU as the
 * rest of an application (docs/PERFORMANCE.md, P3).
 *
 * `tail` is fixed SQL (`on conflict … do nothing`, `returning …`), never values.
 * A value that is a Kysely expression (`sql\`now()\``) is not supported: use the builder.
 */
export function insertRows<T extends keyof Database & string>(table: T, rows: readonly Insertable<Database[T]>[], tail = ''): CompiledQuery {
  if (rows.length === 0) throw new Error(`insertRows(${table}): no rows`);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (value === undefined || seen.has(column)) continue;
      if (isExpression(value)) throw new Error(`insertRows(${table}): ${column} is an expression`);
      seen.add(column);
      columns.push(column);
    }
  }
  const parameters: unknown[] = [];
  const cells: boolean[] = [];
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    for (const column of columns) {
      const value = r[column];
      cells.push(value !== undefined);
      if (value !== undefined) parameters.push(value);
    }
  }
  const key = `${table}\u0000${columns.join(',')}\u0000${rows.length}\u0000${cells.map(Number).join('')}\u0000${tail}`;
  let text = texts.get(key);
  if (text === undefined) {
    let n = 0;
    const values = rows.map((_, i) => `(${columns.map((_, j) => (cells[i * columns.length + j] ? `$${++n}` : 'default')).join(', ')})`);
    text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${values.join(', ')}${tail ? ` ${tail}` : ''}`;
    if (texts.size >= TEXTS_MAX) texts.clear();
    texts.set(key, text);
  }
  return CompiledQuery.raw(text, parameters);
}

const TEXTS_MAX = 1000;
const texts = new Map<string, string>();

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
