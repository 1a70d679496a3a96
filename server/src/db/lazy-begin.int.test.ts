import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import { pgPoolOf, withPgClient, type Db } from './connect.js';
import { SOLE_STATEMENT } from './lazy-begin.js';
import { dropTemplates, TEST_DB, withOneConnection } from '../test/db.js';

after(dropTemplates);

// In autocommit a statement's transaction starts with it: now() (the transaction's start)
// equals statement_timestamp(). After a BEGIN sent a round trip earlier, it is earlier.
const sole = (text: string) => CompiledQuery.raw(`${SOLE_STATEMENT}${text}`, []);
const rows = async (db: Db) => (await sql<{ id: number }>`select id from lazy_probe order by id`.execute(db)).rows.map((r) => r.id);

// The deferred BEGIN is a wrapper of PostgreSQL's pooled connections; PGlite runs in this process.
if (TEST_DB === 'postgres')
  test('a transaction of one statement sends it alone and keeps it; any other transaction is a real one that a failure undoes, COPY included', async () => {
    // One connection, so every transaction below finds the state the one before left.
    await withOneConnection(async (db) => {
      await sql`create table lazy_probe (id int primary key)`.execute(db);

      const alone = await db.transaction().execute((trx) => trx.executeQuery<{ alone: boolean }>(sole('insert into lazy_probe values (1) returning now() = statement_timestamp() as alone')));
      assert.deepEqual(alone.rows, [{ alone: true }], 'sent without BEGIN');
      assert.deepEqual(await rows(db), [1], 'and kept');

      // The same statement after another one runs inside the transaction.
      const inside = await db.transaction().execute(async (trx) => {
        await sql`insert into lazy_probe values (2)`.execute(trx);
        return trx.executeQuery<{ alone: boolean }>(sole('insert into lazy_probe values (3) returning now() = statement_timestamp() as alone'));
      });
      assert.deepEqual(inside.rows, [{ alone: false }]);
      assert.deepEqual(await rows(db), [1, 2, 3]);

      // A failure undoes what the transaction wrote before it: BEGIN was really sent.
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await sql`insert into lazy_probe values (4)`.execute(trx);
          throw new Error('the teller cancelled');
        }),
        /cancelled/,
      );
      // A sole statement that fails leaves nothing and the connection works on.
      await assert.rejects(db.transaction().execute((trx) => trx.executeQuery(sole('insert into lazy_probe values (5), (1)'))), { code: '23505' });
      assert.deepEqual(await rows(db), [1, 2, 3]);

      // Nothing may follow a sole statement: it has committed already.
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx.executeQuery(sole('insert into lazy_probe values (6)'));
          await sql`insert into lazy_probe values (7)`.execute(trx);
        }),
        /after the sole statement/,
      );
      assert.deepEqual(await rows(db), [1, 2, 3, 6]);
      await db.transaction().execute(async () => undefined);

      // A COPY as a transaction's first statement is inside it.
      await assert.rejects(
        withPgClient(pgPoolOf(db)!, (client, cdb) =>
          cdb.transaction().execute(async () => {
            await pipeline(Readable.from(['8\n9\n']), client.query(copyFrom('copy lazy_probe from stdin')));
            throw new Error('the import was cancelled');
          }),
        ),
        /cancelled/,
      );
      assert.deepEqual(await rows(db), [1, 2, 3, 6]);
    });
  });
