import { sql } from 'kysely';
import { freshDatabase } from '/work/main/server/src/test/db.ts';
const h = await freshDatabase();
await h.db.connection().execute(async (conn) => {
  await sql`create temp table import_seen (resident_id text primary key, row_no int not null)`.execute(conn);
  await conn.transaction().execute(async (trx) => {
    const r = await sql<{resident_id:string}>`insert into import_seen select * from unnest(${['a','b','a']}::text[], ${[1,2,3]}::int[]) on conflict do nothing returning resident_id`.execute(trx);
    console.log(r.rows);
    const q = await sql`select * from persons where resident_id = any(${['x','y']}::text[])`.execute(trx);
    console.log(q.rows);
  });
});
await h.close();
