import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { dropTemplates } from '../../test/db.js';
import { setupTestApp, type TestContext } from '../../test/fixtures.js';
import { workingDaysBetween } from './calendar.js';
import { syncParameterCatalog } from './parameters.js';

let t: TestContext;
let teller: string;
before(async () => {
  t = await setupTestApp();
  teller = await t.staffCookie('teller.hc');
});
after(async () => {
  await t?.close();
  await dropTemplates();
});

interface Day {
  date: string;
  kind: string;
  working: boolean;
  name: { zh: string; en: string } | null;
  fromCalendar: boolean;
}
const days = async (query: string, cookie = teller) => t.app.inject({ method: 'GET', url: `/api/calendar/days?${query}`, headers: { cookie } });
const byDate = (list: Day[]) => new Map(list.map((d) => [d.date, d]));

test('2026 day by day, from the State Council notice: National Day, Spring Festival, make-up working weekends (调休上班)', async () => {
  const res = await days('year=2026');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { from: string; to: string; calendars: { year: number; version: string; citation: { law: string; url?: string } }[]; assumedWeekdaysFor: number[]; days: Day[] };
  assert.deepEqual([body.from, body.to, body.days.length, body.assumedWeekdaysFor], ['2026-01-01', '2026-12-31', 365, []]);
  const d = byDate(body.days);
  const national = { zh: '国庆节', en: 'National Day' };
  assert.deepEqual(d.get('2026-10-01'), { date: '2026-10-01', kind: 'holiday', working: false, name: national, fromCalendar: true });
  assert.deepEqual(d.get('2026-10-03'), { date: '2026-10-03', kind: 'holiday', working: false, name: national, fromCalendar: true }, 'a holiday Saturday is a holiday, not a weekend');
  assert.equal(d.get('2026-10-07')!.kind, 'holiday');
  assert.equal(d.get('2026-10-08')!.kind, 'weekday');
  // Saturday 10 October and Sunday 20 September are worked for National Day; Saturday 14 February for the Spring Festival.
  assert.deepEqual(d.get('2026-10-10'), { date: '2026-10-10', kind: 'make-up-working-day', working: true, name: national, fromCalendar: true });
  assert.deepEqual(d.get('2026-09-20'), { date: '2026-09-20', kind: 'make-up-working-day', working: true, name: national, fromCalendar: true });
  assert.deepEqual(d.get('2026-02-14'), { date: '2026-02-14', kind: 'make-up-working-day', working: true, name: { zh: '春节', en: 'Spring Festival' }, fromCalendar: true });
  assert.deepEqual(d.get('2026-02-23')!.name, { zh: '春节', en: 'Spring Festival' });
  assert.deepEqual(d.get('2026-10-17'), { date: '2026-10-17', kind: 'weekend', working: false, name: null, fromCalendar: true });
  assert.deepEqual(d.get('2026-10-12'), { date: '2026-10-12', kind: 'weekday', working: true, name: null, fromCalendar: true });
  // The notice's totals: 33 days off across seven holidays, six weekend days worked.
  assert.equal(body.days.filter((x) => x.kind === 'holiday').length, 33);
  assert.deepEqual(body.days.filter((x) => x.kind === 'make-up-working-day').map((x) => x.date), ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);

  // The version is the loaded calendar's content hash, with the notice it comes from.
  const row = await t.db.selectFrom('working_calendars').select('content_hash').where('year', '=', 2026).executeTakeFirstOrThrow();
  assert.deepEqual(body.calendars.map((c) => [c.year, c.version]), [[2026, row.content_hash]]);
  assert.equal(body.calendars[0]!.citation.law, '国务院办公厅关于2026年部分节假日安排的通知');
  assert.match(body.calendars[0]!.citation.url!, /^https:\/\/www\.gov\.cn\//);

  // The grid and the time-limit arithmetic agree: October 2026 has the same working days in both.
  const october = body.days.filter((x) => x.date.startsWith('2026-10') && x.working).length;
  assert.equal(october, await workingDaysBetween(t.db, '2026-09-30', '2026-10-31'));
  assert.equal(october, 18);
});

test('a range across years names each calendar; a year without one says Monday–Friday were assumed', async () => {
  const res = await days('from=2025-12-30&to=2026-01-05');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(body.calendars.map((c: { year: number }) => c.year), [2025, 2026]);
  assert.deepEqual(
    body.days.map((x: Day) => `${x.date} ${x.kind}`),
    ['2025-12-30 weekday', '2025-12-31 weekday', '2026-01-01 holiday', '2026-01-02 holiday', '2026-01-03 holiday', '2026-01-04 make-up-working-day', '2026-01-05 weekday'],
  );
  assert.deepEqual(body.days[2].name, { zh: '元旦', en: "New Year's Day" });

  const future = (await days('year=2027')).json();
  assert.deepEqual([future.calendars, future.assumedWeekdaysFor, future.days.length], [[], [2027], 365]);
  assert.deepEqual(future.days[0], { date: '2027-01-01', kind: 'weekday', working: true, name: null, fromCalendar: false });
  assert.equal((await days('year=2028')).json().days.length, 366, 'a leap year');
  // Any staff member may read it (policy.read), an analyst too; citizens and strangers may not.
  assert.equal((await days('year=2026', await t.staffCookie('analyst'))).statusCode, 200);
  assert.equal((await days('year=2026', await t.citizenCookie(t.city.persons.li!.residentId))).json().code, 'FORBIDDEN');
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/calendar/days?year=2026' })).json().code, 'UNAUTHENTICATED');
});

test('bad ranges are VALIDATION_FAILED naming the field', async () => {
  const cases: [string, string][] = [
    ['year=2026&from=2026-01-01', '/querystring/year'],
    ['from=2026-01-01', '/querystring/to'],
    ['', '/querystring/from'],
    ['from=2026-03-01&to=2026-02-01', '/querystring/to'],
    ['from=2026-01-01&to=2027-01-02', '/querystring/to'],
    ['from=2026-02-30&to=2026-03-01', '/querystring/from'],
    ['year=1800', '/querystring/year'],
    ['year=twenty', '/querystring/year'],
  ];
  for (const [query, field] of cases) {
    const res = await days(query);
    assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.json().code, 'VALIDATION_FAILED');
    assert.deepEqual(res.json().errors.map((e: { field: string }) => e.field), [field], query);
  }
});

test('a new notice loaded from the catalogue is a new version, and the days follow it', async () => {
  const before = (await days('year=2026')).json();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-calendar-days-'));
  try {
    fs.cpSync(path.join(DEFAULT_CATALOG_DIR, 'parameters'), path.join(dir, 'parameters'), { recursive: true });
    fs.cpSync(path.join(DEFAULT_CATALOG_DIR, 'calendars'), path.join(dir, 'calendars'), { recursive: true });
    const file = path.join(dir, 'calendars', '2026.yaml');
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.includes('  - { date: 2026-10-10, for: 国庆节 }\n'));
    fs.writeFileSync(file, text.replace('  - { date: 2026-10-10, for: 国庆节 }\n', ''));
    assert.deepEqual((await syncParameterCatalog(t.db, dir)).calendarsLoaded, [2026]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const afterwards = (await days('year=2026')).json();
  assert.notEqual(afterwards.calendars[0].version, before.calendars[0].version);
  assert.equal(byDate(afterwards.days).get('2026-10-10')!.kind, 'weekend');
  assert.equal(byDate(before.days).get('2026-10-10')!.kind, 'make-up-working-day');
});
