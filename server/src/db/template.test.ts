import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { compiledTemplate } from './template.js';
import type { Database } from './schema.js';

const db = new Kysely<Database>({
  dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new PostgresIntrospector(k), createQueryCompiler: () => new PostgresQueryCompiler() },
});

test('a compiled template gives what building the query anew gives, for each caller\'s values, and builds it once', () => {
  let builds = 0;
  const build = (k: typeof db, personId: string, type: string) => {
    builds++;
    return k.selectFrom('insured_status').select('status').where('person_id', '=', personId).where('insurance_type', '=', type as never).where('prior_months', '>', 0).union(k.selectFrom('insured_status').select('status').where('person_id', '=', personId));
  };
  const template = compiledTemplate(build);
  for (const [p, t] of [['p-1', 'pension_employee'], ['p-2', 'unemployment']] as const) {
    const fresh = build(db, p, t).compile();
    const made = template(db, p, t);
    assert.equal(made.sql, fresh.sql);
    assert.deepEqual(made.parameters, fresh.parameters);
  }
  assert.equal(builds, 3, 'two fresh builds for the comparison, one for the template');
  // An argument the query never uses as a value is a mistake, found at once.
  assert.throws(() => compiledTemplate((k: typeof db, _personId: string) => k.selectFrom('insured_status').select('status'))(db, 'p-1'), /argument 0 is not a parameter/);
});
