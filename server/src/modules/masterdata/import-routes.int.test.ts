import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setupTestApp, type TestContext } from '../../test/fixtures.js';
import { makeResidentId } from './identity/resident-id.js';

let t: TestContext;
before(async () => {
  t = await setupTestApp();
});
after(async () => t.close());

const good1 = makeResidentId('371002', '1979-05-04', 311);
const good2 = makeResidentId('371002', '1993-12-24', 422);
const csv = [
  '身份证号,姓名,手机,行政区划',
  `${good1},赵磊,13906301111,371002001`,
  `${good2.slice(0, 17)}${good2[17] === '1' ? '2' : '1'},钱芳,13906302222,371002001`,
  `${good2},钱芳,13906302222,371002001`,
].join('\n');

test('an administrator uploads a CSV: good rows are kept, the bad row is reported with its row and reason', async () => {
  const cookie = await t.staffCookie('admin');
  const res = await t.app.inject({ method: 'POST', url: '/api/imports/persons?fileName=town.csv', headers: { cookie, 'content-type': 'text/csv', 'idempotency-key': 'upload-1' }, payload: csv });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.created, 2);
  assert.equal(body.rejected, 1);
  assert.equal(body.file, 'town.csv');
  assert.ok(body.reportUrl);
  const report = await t.app.inject({ method: 'GET', url: body.reportUrl, headers: { cookie } });
  assert.equal(report.statusCode, 200);
  assert.match(report.headers['content-type'] as string, /text\/csv/);
  assert.match(report.body, /\b3\b/, 'the report names spreadsheet row 3');
  assert.match(report.body, /校验位|check digit/);
  // A retry of the same upload (same key) replays the first answer and imports nothing again.
  const retry = await t.app.inject({ method: 'POST', url: '/api/imports/persons?fileName=town.csv', headers: { cookie, 'content-type': 'text/csv', 'idempotency-key': 'upload-1' }, payload: csv });
  assert.equal(retry.headers['idempotent-replayed'], 'true');
  assert.deepEqual(retry.json(), body);
  const batches = await t.db.selectFrom('import_batches').select('batch_id').execute();
  assert.equal(batches.length, 1);
});

test('only staff with the import permission may upload; unreadable files get a clear error', async () => {
  const teller = await t.staffCookie('teller.hc');
  const denied = await t.app.inject({ method: 'POST', url: '/api/imports/persons', headers: { cookie: teller, 'content-type': 'text/csv' }, payload: csv });
  assert.equal(denied.statusCode, 403);
  const admin = await t.staffCookie('admin');
  const json = await t.app.inject({ method: 'POST', url: '/api/imports/persons', headers: { cookie: admin, 'content-type': 'application/json' }, payload: { rows: [] } });
  assert.equal(json.statusCode, 415);
  assert.equal(json.json().code, 'UNSUPPORTED_MEDIA_TYPE');
  const broken = await t.app.inject({ method: 'POST', url: '/api/imports/persons', headers: { cookie: admin, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, payload: Buffer.from('not a workbook') });
  assert.equal(broken.statusCode, 400);
  assert.equal(broken.json().code, 'VALIDATION_FAILED');
  const missing = await t.app.inject({ method: 'GET', url: '/api/imports/reports/00000000-0000-4000-8000-000000000000', headers: { cookie: admin } });
  assert.equal(missing.statusCode, 404);
});
