import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';

/**
 * ISO 7064 MOD 11-2 check character over a string of digits, the same scheme as the
 * resident ID's last character (GB 11643): a mistyped digit or a swap of two
 * neighbours is caught when a person reads the number out at a counter or on 12333.
 */
export function mod11_2(digits: string): string {
  let p = 0;
  for (const ch of digits) p = ((p + Number(ch)) * 2) % 11;
  const c = (12 - p) % 11;
  return c === 10 ? 'X' : String(c);
}

/** TB + YYYYMMDD + 8-digit sequence + check character, e.g. TB2026112700000042 7. */
export function formatTrackingNo(date: string, seq: number): string {
  const body = date.replaceAll('-', '') + String(seq % 100_000_000).padStart(8, '0');
  return `TB${body}${mod11_2(body)}`;
}

export function isValidTrackingNo(no: string): boolean {
  const m = /^TB([0-9]{16})([0-9X])$/.exec(no);
  return !!m && mod11_2(m[1]!) === m[2];
}

/** A new tracking number; the sequence is shared by every replica (no collisions). */
export async function nextTrackingNo(db: Db, date: string): Promise<string> {
  if (reserved.length === 0) {
    const { rows } = await sql<{ n: number }>`select nextval('case_tracking_seq')::int8 as n from generate_series(1, ${TRACKING_BLOCK})`.execute(db);
    reserved.push(...rows.map((r) => Number(r.n)));
  }
  return formatTrackingNo(date, reserved.shift()!);
}

// Sequence values are taken a block at a time (one round trip per block, not per case). Values
// a process never uses are gaps, as a rolled-back nextval always was; numbers stay unique.
const TRACKING_BLOCK = 32;
const reserved: number[] = [];

/** 一次性告知书 number: GZ + YYYYMMDD + 6-digit sequence. */
export async function nextNoticeNo(db: Db, date: string): Promise<string> {
  const { rows } = await sql<{ n: number }>`select nextval('notice_number_seq')::int8 as n`.execute(db);
  return `GZ${date.replaceAll('-', '')}${String(Number(rows[0]!.n) % 1_000_000).padStart(6, '0')}`;
}
