import type pg from 'pg';

/** Receives one row of a COPY … TO STDOUT: its bytes are buf[start, end), its newline included. */
export type RowSink = (buf: Buffer, start: number, end: number) => void;

// Backend messages (PostgreSQL protocol, "Message Formats").
const COPY_DATA = 0x64; // 'd'
const COPY_OUT_RESPONSE = 0x48; // 'H'
const COPY_DONE = 0x63; // 'c'
const NOTICE = 0x4e; // 'N'
const PARAMETER_STATUS = 0x53; // 'S'
const NOTIFICATION = 0x41; // 'A'
const SKIPPED = new Set([COPY_OUT_RESPONSE, COPY_DONE, NOTICE, PARAMETER_STATUS, NOTIFICATION]);

/**
 * Reads the backend's messages of a COPY TO: hands each CopyData message (PostgreSQL sends one
 * per row) to `sink` in place, and returns the unread bytes from the first message that ends
 * the COPY (CommandComplete, ErrorResponse…), for node-pg to handle, or undefined while the
 * COPY goes on. A message cut between two reads is carried over in `carry`.
 */
export class CopyRowFramer {
  private carry: Buffer | undefined;
  rows = 0;
  /** The sink's first error: the rows after it are skipped, the framing goes on to the end. */
  failure: Error | undefined;
  constructor(private readonly sink: RowSink) {}

  push(chunk: Buffer): Buffer | undefined {
    let buf = chunk;
    let pos = 0;
    if (this.carry) {
      // Only the message cut by the last read is joined, not the whole new read: nearly every
      // read ends inside a row, and joining whole reads copied every byte once more.
      const carry = this.carry;
      this.carry = undefined;
      const head = carry.length >= 5 ? carry : Buffer.concat([carry, chunk.subarray(0, 5 - carry.length)]);
      if (head.length < 5) return this.keep(head, 0);
      const need = 1 + head.readUInt32BE(1) - carry.length;
      if (need > chunk.length) return this.keep(Buffer.concat([carry, chunk]), 0);
      buf = Buffer.concat([carry, chunk.subarray(0, need)]);
      const unread = this.frame(buf, 0);
      if (unread !== undefined) return Buffer.concat([unread, chunk.subarray(need)]);
      buf = chunk;
      pos = need;
    }
    return this.frame(buf, pos);
  }

  /** Frames the messages of buf from pos on: see push. */
  private frame(buf: Buffer, pos: number): Buffer | undefined {
    while (buf.length - pos >= 5) {
      const code = buf[pos]!;
      if (code !== COPY_DATA && !SKIPPED.has(code)) return buf.subarray(pos);
      const end = pos + 1 + buf.readUInt32BE(pos + 1);
      if (end > buf.length) break;
      if (code === COPY_DATA && !this.failure) {
        this.rows++;
        try {
          this.sink(buf, pos + 5, end);
        } catch (e) {
          this.failure = e as Error;
        }
      }
      pos = end;
    }
    return this.keep(buf, pos);
  }

  private keep(buf: Buffer, pos: number): undefined {
    // A copy: the rest of a large read must not be kept alive by a small tail.
    if (pos < buf.length) this.carry = Buffer.from(buf.subarray(pos));
    return undefined;
  }
}

/**
 * A node-pg submittable for `COPY (…) TO STDOUT`: each row goes to the sink as it arrives, with
 * no object per row (pg-copy-streams makes a Buffer per row and copies each twice; for the
 * payroll's 600,000 bank-file rows that was most of the process's work beside PostgreSQL).
 * The messages after the COPY go back to node-pg, which ends the query as usual.
 */
class CopyRowsOut {
  private readonly framer: CopyRowFramer;
  readonly done: Promise<number>;
  private settle!: { resolve: (rows: number) => void; reject: (e: Error) => void };

  constructor(
    private readonly text: string,
    sink: RowSink,
  ) {
    this.framer = new CopyRowFramer(sink);
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** Called by node-pg when the query's turn comes on the connection. */
  submit(connection: { stream: NodeJS.ReadableStream & { listeners(e: 'data'): ((b: Buffer) => void)[] }; query(text: string): void }) {
    const stream = connection.stream;
    const handlers = stream.listeners('data');
    if (handlers.length !== 1) throw new Error(`copyRowsOut: expected node-pg's one data handler, found ${handlers.length}`);
    const pgData = handlers[0]!;
    const onData = (chunk: Buffer) => {
      const unread = this.framer.push(chunk);
      if (unread) {
        // Same tick: no other read can come in between, so node-pg sees the rest in order.
        stream.removeListener('data', onData);
        stream.on('data', pgData);
        pgData(unread);
      }
    };
    stream.removeListener('data', pgData);
    stream.on('data', onData);
    connection.query(this.text);
  }

  handleCommandComplete() {}
  /** node-pg lets go of a query that failed: its ReadyForQuery will not come here. */
  handleError(e: Error) {
    this.settle.reject(e);
  }
  handleReadyForQuery() {
    if (this.framer.failure) this.settle.reject(this.framer.failure);
    else this.settle.resolve(this.framer.rows);
  }
}

/** Runs `COPY (query) TO STDOUT (FORMAT csv)` on `client`; resolves with the number of rows. */
export function copyRowsOut(client: pg.ClientBase, query: string, sink: RowSink): Promise<number> {
  const copy = new CopyRowsOut(`copy (${query}) to stdout with (format csv)`, sink);
  (client.query as unknown as (q: CopyRowsOut) => void)(copy);
  return copy.done;
}
