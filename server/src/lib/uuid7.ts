import { randomFillSync } from 'node:crypto';

/**
 * Time-ordered UUIDs, version 7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then a
 * 42-bit counter (12 bits of rand_a and the top 30 of rand_b, RFC 9562 §6.2 method 1)
 * and 32 random bits. Keys made one after another sort one after another, so B-tree
 * inserts land on the right-most page instead of a random one. Monotonic within this
 * process: in the same millisecond the counter is incremented (it starts at a random
 * value below 2^41, so it cannot run out); if the clock goes back, the last time is kept.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;
let lastMs = -1;
let counter = 0;
const COUNTER_MAX = 2 ** 42 - 1;
const TWO24 = 2 ** 24;

function random32(): number {
  if (poolAt + 4 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const v = POOL.readUInt32BE(poolAt);
  poolAt += 4;
  return v;
}

/** A new UUIDv7 string (lowercase, 8-4-4-4-12). `now` is for tests. */
export function uuid7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = (random32() & 0x1ffff) * TWO24 + (random32() & 0xffffff); // 41 random bits
  } else if (counter < COUNTER_MAX) {
    counter++;
  } else {
    // 2^41 keys in one millisecond: borrow the next millisecond (RFC 9562 §6.2).
    lastMs++;
    counter = 0;
  }
  const ms = lastMs;
  const hi = Math.floor(counter / TWO24); // counter bits 41…24 (18 bits)
  const lo = counter - hi * TWO24; // bits 23…0
  const msHi = Math.floor(ms / 2 ** 16); // top 32 bits of the 48-bit time
  const rnd = random32();
  return (
    HEX[(msHi >>> 24) & 0xff]! + HEX[(msHi >>> 16) & 0xff]! + HEX[(msHi >>> 8) & 0xff]! + HEX[msHi & 0xff]! + '-' +
    HEX[(ms >>> 8) & 0xff]! + HEX[ms & 0xff]! + '-' +
    HEX[0x70 | (hi >>> 14)]! + HEX[(hi >>> 6) & 0xff]! + '-' +
    HEX[0x80 | (hi & 0x3f)]! + HEX[(lo >>> 16) & 0xff]! + '-' +
    HEX[(lo >>> 8) & 0xff]! + HEX[lo & 0xff]! + HEX[rnd >>> 24]! + HEX[(rnd >>> 16) & 0xff]! + HEX[(rnd >>> 8) & 0xff]! + HEX[rnd & 0xff]!
  );
}

/** The Unix milliseconds stored in a UUIDv7. */
export function uuid7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
