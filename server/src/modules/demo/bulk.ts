import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/connect.js';

/**
 * Lets a few statements run at once on a connection pool (PostgreSQL only: each on
 * its own connection, outside a transaction). Waits when `max` are in flight.
 */
export class Pipeline {
  private readonly inflight = new Set<Promise<void>>();
  private failure: unknown = null;

  constructor(private readonly max: number) {}

  async submit(work: () => Promise<void>): Promise<void> {
    while (this.inflight.size >= this.max) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
    const p: Promise<void> = work()
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
  }
}

export interface BatchOptions {
  /** Rows per statement. */
  limit?: number;
  onConflictDoNothing?: boolean;
  /** A statement reading from the unnest source instead of the plain insert. */
  statement?: (source: RawBuilder<unknown>) => RawBuilder<unknown>;
  /** Run flushes concurrently through this pipeline instead of one after another. */
  pipeline?: Pipeline;
}

/**
 * Column-wise batches inserted with one `INSERT … SELECT FROM unnest(…)` per flush:
 * one array parameter per column instead of one parameter per value, which is what
 * makes a bulk load fast on both PGlite and PostgreSQL (and never hits the 65,535
 * parameter limit). Memory stays bounded by the batch size.
 */
export class ColumnBatch {
  private cols: unknown[][];
  private n = 0;
  /** Rows the statements reported inserted. */
  inserted = 0;

  constructor(
    private readonly db: Db,
    readonly table: string,
    /** [column, PostgreSQL element type] */
    private readonly columns: readonly (readonly [string, string])[],
    private readonly options: BatchOptions = {},
  ) {
    this.cols = columns.map(() => []);
  }

  /** Adds one row (values in column order); flushes when the batch is full. */
  async add(...values: unknown[]): Promise<void> {
    for (let i = 0; i < this.cols.length; i++) this.cols[i]!.push(values[i] ?? null);
    this.n++;
    if (this.n >= (this.options.limit ?? 2000)) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.n === 0) return;
    const cols = this.cols;
    this.cols = this.columns.map(() => []);
    this.n = 0;
    const names = sql.join(this.columns.map(([c]) => sql.ref(c)));
    const arrays = sql.join(this.columns.map(([, type], i) => sql`${cols[i]}::${sql.raw(type)}[]`));
    const source = sql`unnest(${arrays}) as s(${names})`;
    const conflict = this.options.onConflictDoNothing ? sql` on conflict do nothing` : sql``;
    const statement = this.options.statement?.(source) ?? sql`insert into ${sql.table(this.table)} (${names}) select * from ${source}${conflict}`;
    const run = async () => {
      const result = await statement.execute(this.db);
      this.inserted += Number(result.numAffectedRows ?? 0);
    };
    if (this.options.pipeline) await this.options.pipeline.submit(run);
    else await run();
  }
}
