import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';

/**
 * Column-wise batches inserted with one `INSERT … SELECT FROM unnest(…)` per flush:
 * one array parameter per column instead of one parameter per value, which is what
 * makes a bulk load fast on both PGlite and PostgreSQL (and never hits the 65,535
 * parameter limit). Memory stays bounded by the batch size.
 */
export class ColumnBatch {
  private cols: unknown[][];
  private n = 0;
  inserted = 0;

  constructor(
    private readonly db: Db,
    readonly table: string,
    /** [column, PostgreSQL element type] */
    private readonly columns: readonly (readonly [string, string])[],
    private readonly limit = 2000,
    private readonly onConflictDoNothing = false,
  ) {
    this.cols = columns.map(() => []);
  }

  get size(): number {
    return this.n;
  }

  /** Adds one row (values in column order); flushes when the batch is full. */
  async add(...values: unknown[]): Promise<void> {
    for (let i = 0; i < this.cols.length; i++) this.cols[i]!.push(values[i] ?? null);
    this.n++;
    if (this.n >= this.limit) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.n === 0) return;
    const cols = this.cols;
    this.cols = this.columns.map(() => []);
    const count = this.n;
    this.n = 0;
    const names = sql.join(this.columns.map(([c]) => sql.ref(c)));
    const arrays = sql.join(this.columns.map(([, type], i) => sql`${cols[i]}::${sql.raw(type)}[]`));
    const conflict = this.onConflictDoNothing ? sql` on conflict do nothing` : sql``;
    await sql`insert into ${sql.table(this.table)} (${names}) select * from unnest(${arrays})${conflict}`.execute(this.db);
    this.inserted += count;
  }
}
