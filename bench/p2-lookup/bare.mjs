// The reference for P2: a bare Fastify + pg route doing the same SELECT as the
// platform's person lookup, with nothing else (no session, no access check, no masking).
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify({ logger: false });
app.get('/persons/:rid', async (req) => {
  // A prepared statement, as the platform's hot statements are (docs/DECISIONS.md D12).
  const { rows } = await pool.query({ name: 'person-by-id', text: 'select * from persons where resident_id = $1', values: [req.params.rid] });
  return { items: rows };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log('bare ready');
