import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import { insertRows } from './insert-rows.js';
import type { Database } from './schema.js';

// Kysely compiling for PostgreSQL without a connection: the reference insertRows must match.
const kysely = new Kysely<Database>({
  dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (db) => new PostgresIntrospector(db), createQueryCompiler: () => new PostgresQueryCompiler() },
});

test('rows are inserted as the query builder would insert them: columns as first seen, a missing value is the default, every value a parameter', () => {
  const at = new Date('2026-11-27T08:00:00Z');
  const rows = [
    { case_id: 'c1', person_id: 'p1', actor_id: 'u1', kind: 'case.submitted', from_status: null, to_status: 'submitted', detail: '{"channel":"counter"}' },
    { case_id: 'c1', person_id: 'p1', org_id: undefined, actor_id: 'u1', kind: 'case.accepted', to_status: 'accepted', detail: '{}', at },
  ];
  const mine = insertRows('case_events', rows as never);
  const theirs = kysely.insertInto('case_events').values(rows as never).compile();
  assert.equal(mine.sql, theirs.sql);
  assert.deepEqual(mine.parameters, theirs.parameters);
  assert.match(mine.sql, /\(\$8, \$9, \$10, \$11, default, \$12, \$13, \$14\)$/, 'the second row has no from_status');

  const tail = insertRows('timers', [{ kind: 'document', due_at: at, payload: '{}', dedup_key: 'document-c1' }] as never, 'on conflict ("dedup_key") do nothing');
  assert.equal(tail.sql, kysely.insertInto('timers').values({ kind: 'document', due_at: at, payload: '{}', dedup_key: 'document-c1' } as never).onConflict((oc) => oc.column('dedup_key').doNothing()).compile().sql);
  // The same shape is the same text, made once.
  assert.equal(insertRows('case_events', rows as never).sql, mine.sql);
});

test('an expression among the values is refused rather than sent as a parameter', () => {
  assert.throws(() => insertRows('timers', [{ kind: 'document', due_at: sql`now()`, payload: '{}', dedup_key: 'x' }] as never), /due_at is an expression/);
  assert.throws(() => insertRows('timers', []), /no rows/);
});
