import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuid7, uuid7Time } from './uuid7.js';

const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('uuid7 has the version 7 and RFC 9562 variant bits and carries its millisecond', () => {
  const t = Date.UTC(2026, 10, 27, 8, 0, 0, 123);
  const id = uuid7(t + 10_000); // a fresh millisecond for this test
  assert.match(id, SHAPE);
  assert.equal(id[14], '7');
  assert.equal(parseInt(id[19]!, 16) >> 2, 0b10);
  assert.equal(uuid7Time(id), t + 10_000);
  for (let i = 0; i < 1000; i++) assert.match(uuid7(), SHAPE);
});

test('uuid7 values sort in the order they were made, within a millisecond and across them', () => {
  const ids: string[] = [];
  for (let i = 0; i < 50_000; i++) ids.push(uuid7());
  const sorted = [...ids].sort();
  assert.deepEqual(sorted, ids);
  assert.equal(new Set(ids).size, ids.length);
  // Many share a millisecond, so the counter did the ordering there.
  assert.ok(new Set(ids.map(uuid7Time)).size < ids.length);
});

test('uuid7 stays monotonic when the clock goes back', () => {
  const a = uuid7(Date.now() + 60_000);
  const b = uuid7(Date.now() - 60_000);
  assert.ok(b > a);
  assert.equal(uuid7Time(b), uuid7Time(a));
});
