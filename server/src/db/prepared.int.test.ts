import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { dropTemplates, TEST_DB, withOneConnection } from '../test/db.js';

after(dropTemplates);

// Prepared statements live on PostgreSQL's connections; PGlite runs in this process.
if (TEST_DB === 'postgres')
  test('a statement sent often is prepared on its connection and answers as before; after its table changes it fails at most once, then works again', async () => {
    // One connection, so the prepared statements seen are those of the queries sent.
    await withOneConnection(async (db, fresh) => {
      await sql`create table prep_probe (id int primary key, name text not null)`.execute(db);
      await sql`insert into prep_probe values (1, '张伟'), (2, '李娜')`.execute(db);
      const byId = (id: number) => sql<{ id: number; name: string; note?: string | null }>`select * from prep_probe where id = ${id}`.execute(db);
      const prepared = async () => (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);

      const seldom = (name: string) => sql`select count(*) from prep_probe where name = ${name}`.execute(db);
      await seldom('张伟');
      await seldom('李娜');
      for (let i = 0; i < 8; i++) assert.deepEqual((await byId(1 + (i % 2))).rows, [{ id: 1 + (i % 2), name: i % 2 ? '李娜' : '张伟' }]);
      const statements = await prepared();
      assert.ok(statements.includes('select * from prep_probe where id = $1'), `prepared: ${JSON.stringify(statements)}`);
      assert.ok(!statements.some((s) => s.includes('where name = $1')), 'a statement sent twice is not prepared');

      // A migration by another replica adds a column under the prepared `select *`.
      await sql`alter table prep_probe add column note text`.execute(fresh.db);
      let failures = 0;
      for (;;) {
        try {
          assert.deepEqual((await byId(2)).rows, [{ id: 2, name: '李娜', note: null }]);
          break;
        } catch (e) {
          assert.equal((e as { code?: string }).code, '0A000', String(e));
          assert.equal(++failures, 1, 'it fails at most once');
        }
      }
    });
  });
