import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { pgPoolOf, withPgClient } from './connect.js';
import { copyRowsOut } from './copy-rows.js';
import { dropTemplates, TEST_DB, withOneConnection } from '../test/db.js';

after(dropTemplates);

// COPY TO STDOUT runs on PostgreSQL's wire protocol; PGlite has no connection to read.
if (TEST_DB === 'postgres')
  test('a COPY hands over every row once, in order; a failure halfway or a refused row fails it and the connection works on', async () => {
    await withOneConnection(async (db) => {
      const pool = pgPoolOf(db)!;
      await withPgClient(pool, async (client) => {
        const seen: string[] = [];
        const n = await copyRowsOut(client, `select i, repeat('长', i % 50) as s from generate_series(1, 20000) i`, (buf, start, end) => void seen.push(buf.toString('utf8', start, end)));
        assert.equal(n, 20_000);
        assert.equal(seen.length, 20_000);
        assert.equal(seen[0], `1,${'长'}\n`);
        assert.equal(seen[19_999], `20000,""\n`, "an empty text, quoted apart from null");
        assert.ok(seen.every((row, i) => row.startsWith(`${i + 1},`)), 'in order');

        await assert.rejects(copyRowsOut(client, `select 1 / (i - 15000) from generate_series(1, 20000) i`, () => undefined), /division by zero/);
        assert.deepEqual((await client.query('select 2 as two')).rows, [{ two: 2 }]);

        let taken = 0;
        await assert.rejects(
          copyRowsOut(client, `select i from generate_series(1, 20000) i`, () => {
            if (++taken === 10) throw new Error('the bank file refused row 10');
          }),
          /refused row 10/,
        );
        assert.equal(taken, 10, 'no row after the refused one');
        assert.deepEqual((await client.query('select 3 as three')).rows, [{ three: 3 }]);
      });
    });
  });
