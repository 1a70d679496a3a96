import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { dropTemplates } from '../../test/db.js';
import { PASSWORD, setupTestApp, type TestContext } from '../../test/fixtures.js';
import { createStaffUser } from '../iam/service.js';
import { addWorkingDays, isWorkingDay, workingDaysBetween } from './calendar.js';
import { parameterAsOf, parameterTimeline, parameterVersionById, syncParameterCatalog } from './parameters.js';
import { evaluateRules, replayDecision } from './rules.js';
import type { Facts, RuleSpec } from './types.js';

let t: TestContext;
let admin: string;
let admin2: string;
let teller: string;
before(async () => {
  t = await setupTestApp();
  await createStaffUser(t.db, { username: 'admin2', displayName: 'admin2', password: PASSWORD, roles: ['administrator'], servicePointId: 'SP371000', scopeRegion: '3710' });
  admin = await t.staffCookie('admin');
  admin2 = await t.staffCookie('admin2');
  teller = await t.staffCookie('teller.hc');
});
after(async () => {
  await t?.close();
  await dropTemplates();
});

const count = async (table: 'parameter_versions' | 'audit_log' | 'outbox') => Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.db)).rows[0]!.n);

function copyCatalog(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-policy-sync-'));
  fs.cpSync(path.join(DEFAULT_CATALOG_DIR, 'parameters'), path.join(dir, 'parameters'), { recursive: true });
  fs.cpSync(path.join(DEFAULT_CATALOG_DIR, 'calendars'), path.join(dir, 'calendars'), { recursive: true });
  return dir;
}

test('the YAML sync is idempotent; a changed value becomes a new version and the old one stays', async () => {
  const versions = await count('parameter_versions');
  assert.ok(versions > 30, `the catalogue was loaded at start (${versions} versions)`);
  const audits = await count('audit_log');
  const again = await syncParameterCatalog(t.db, DEFAULT_CATALOG_DIR);
  assert.deepEqual(again.inserted, []);
  assert.deepEqual(again.calendarsLoaded, []);
  assert.equal(await count('parameter_versions'), versions, 'an unchanged catalogue changes nothing');
  assert.equal(await count('audit_log'), audits, 'and writes no audit entry');

  const old = await parameterAsOf<number>(t.db, 'unemployment.benefit_share_of_minimum_wage', '2026-01-01');
  assert.equal(old.value, 0.9);
  const dir = copyCatalog();
  try {
    const file = path.join(dir, 'parameters', 'unemployment.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('value: 0.9', 'value: 0.85'));
    const changed = await syncParameterCatalog(t.db, dir);
    assert.deepEqual(changed.inserted.map((i) => `${i.key}@${i.effectiveFrom}`), ['unemployment.benefit_share_of_minimum_wage@2019-01-01']);
    const now = await parameterAsOf<number>(t.db, 'unemployment.benefit_share_of_minimum_wage', '2026-01-01');
    assert.equal(now.value, 0.85);
    assert.notEqual(now.versionId, old.versionId);
    // Never an overwrite: the old version is still there, by id, marked superseded.
    assert.equal((await parameterVersionById(t.db, old.versionId))!.value, 0.9);
    const timeline = await parameterTimeline(t.db, 'unemployment.benefit_share_of_minimum_wage');
    assert.deepEqual(timeline.map((v) => [v.value, v.superseded]), [[0.9, true], [0.85, false]]);
    // Syncing the same changed catalogue again is a no-op; going back to 0.9 is a third version.
    assert.deepEqual((await syncParameterCatalog(t.db, dir)).inserted, []);
    const back = await syncParameterCatalog(t.db, DEFAULT_CATALOG_DIR);
    assert.equal(back.inserted.length, 1);
    assert.equal((await parameterAsOf<number>(t.db, 'unemployment.benefit_share_of_minimum_wage', '2026-01-01')).value, 0.9);
    const events = await t.db.selectFrom('outbox').select(['payload']).where('type', '=', 'parameter.published').where('aggregate_id', '=', 'unemployment.benefit_share_of_minimum_wage').execute();
    assert.equal(events.length, 3);
    // A malformed file stops the sync before anything is written.
    fs.writeFileSync(file, 'parameters:\n  - key: unemployment.x\n    name: 1\n');
    const before = await count('parameter_versions');
    await assert.rejects(syncParameterCatalog(t.db, dir), (e: Error) => e.message.startsWith(`${file}: /parameters/0`));
    assert.equal(await count('parameter_versions'), before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const rule = (id: string, expression: string, article: string): RuleSpec => ({ id, name: { zh: id, en: id }, expression, citation: { law: '中华人民共和国社会保险法', article } });
const spec = {
  conditions: [rule('contributed', 'rights.contributionMonths.unemployment >= param.unemployment.min_contribution_months', '第四十五条'), rule('involuntary', 'answers.leftVoluntarily = false', '第四十五条')],
  calculations: [rule('maxMonths', 'derived.unemploymentMaxMonths', '第四十六条')],
};
const facts = (asOf: string): Facts => ({
  asOf,
  applicant: { kind: 'person', personId: 'p-1', name: '李娜', sex: 'F', birthDate: '1990-07-01', regionCode: '371002001' },
  rights: { insured: { unemployment: 'stopped' }, contributionMonths: { unemployment: 14 } },
  answers: { leftVoluntarily: false },
});

test('four eyes: a draft takes effect only when another administrator publishes it, from its date on; earlier decisions do not change and stored ones replay identically', async () => {
  // Decisions made before the change: as of the end of 2026, and one dated after the future change.
  const decided2026 = await evaluateRules(t.db, spec, facts('2026-12-31'));
  const decided2027 = await evaluateRules(t.db, spec, facts('2027-03-01'));
  assert.equal(decided2026.outcome, 'eligible');
  assert.equal(decided2027.outcome, 'eligible');

  const draft = await t.app.inject({
    method: 'POST',
    url: '/api/parameters/unemployment.min_contribution_months/drafts',
    headers: { cookie: admin },
    payload: { value: 24, effectiveFrom: '2027-01-01', citation: { law: '示例：修订后的失业保险条例', article: '第十条' }, reason: '演示：未来生效的参数修订' },
  });
  assert.equal(draft.statusCode, 201, draft.body);
  const { versionId, status, createdBy } = draft.json();
  assert.equal(status, 'draft');
  // A draft changes nothing.
  assert.equal((await evaluateRules(t.db, spec, facts('2027-03-01'))).outcome, 'eligible');

  const self = await t.app.inject({ method: 'POST', url: `/api/parameters/unemployment.min_contribution_months/drafts/${versionId}/publish`, headers: { cookie: admin } });
  assert.equal(self.statusCode, 403, self.body);
  assert.equal(self.json().code, 'FOUR_EYES_REQUIRED');
  const byTeller = await t.app.inject({ method: 'POST', url: `/api/parameters/unemployment.min_contribution_months/drafts/${versionId}/publish`, headers: { cookie: teller } });
  assert.equal(byTeller.statusCode, 403);
  assert.equal(byTeller.json().code, 'FORBIDDEN');

  const published = await t.app.inject({ method: 'POST', url: `/api/parameters/unemployment.min_contribution_months/drafts/${versionId}/publish`, headers: { cookie: admin2 } });
  assert.equal(published.statusCode, 200, published.body);
  assert.equal(published.json().status, 'published');
  assert.notEqual(published.json().publishedBy, createdBy);
  const twice = await t.app.inject({ method: 'POST', url: `/api/parameters/unemployment.min_contribution_months/drafts/${versionId}/publish`, headers: { cookie: admin2 } });
  assert.equal(twice.statusCode, 409);

  // Before its date nothing changes; from it on, the new value applies.
  const again2026 = await evaluateRules(t.db, spec, facts('2026-12-31'));
  assert.deepEqual(again2026, decided2026);
  const now2027 = await evaluateRules(t.db, spec, facts('2027-03-01'));
  assert.equal(now2027.outcome, 'ineligible');
  assert.ok(now2027.parameters.some((p) => p.versionId === versionId));
  // Inside a transaction (the case engine's chains) the same snapshot answers.
  assert.deepEqual(await t.db.transaction().execute((trx) => evaluateRules(trx, spec, facts('2027-03-01'))), now2027);
  // The stored decision replays with the versions it recorded: the same result, to the letter.
  assert.deepEqual(await replayDecision(t.db, { decision: decided2027, facts: facts('2027-03-01') }), decided2027);
  await assert.rejects(replayDecision(t.db, { decision: decided2027, facts: facts('2027-03-02') }), /factsHash/);

  // Audited, with the outbox event.
  const audit = await t.db.selectFrom('audit_log').select(['action', 'actor_id']).where('object_type', '=', 'parameter').where('object_id', '=', 'unemployment.min_contribution_months').orderBy('id').execute();
  assert.deepEqual(audit.map((a) => a.action), ['parameter.draft', 'parameter.publish']);
  assert.notEqual(audit[0]!.actor_id, audit[1]!.actor_id);
  const event = await t.db.selectFrom('outbox').select(['payload']).where('type', '=', 'parameter.published').where('aggregate_id', '=', 'unemployment.min_contribution_months').orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal((event.payload as { versionId: string }).versionId, versionId);

  // The timeline shows both versions with their dates.
  const timeline = await t.app.inject({ method: 'GET', url: '/api/parameters/unemployment.min_contribution_months', headers: { cookie: teller } });
  assert.equal(timeline.statusCode, 200);
  assert.deepEqual(timeline.json().timeline.map((v: { value: number; effectiveFrom: string; effectiveTo: string | null }) => [v.value, v.effectiveFrom, v.effectiveTo]), [[12, '2011-07-01', '2027-01-01'], [24, '2027-01-01', null]]);
});

test('drafts are checked: value shape, a date not in the past, permissions', async () => {
  const bad = await t.app.inject({
    method: 'POST',
    url: '/api/parameters/unemployment.max_months_bands/drafts',
    headers: { cookie: admin },
    payload: { value: [{ fromMonths: 12, maxMonths: 'twelve' }], effectiveFrom: '2020-01-01', citation: { law: 'x' }, reason: '测试' },
  });
  assert.equal(bad.statusCode, 400, bad.body);
  assert.deepEqual(bad.json().errors.map((e: { field: string }) => e.field).sort(), ['/body/effectiveFrom', '/body/value/0/maxMonths']);
  const unknown = await t.app.inject({ method: 'POST', url: '/api/parameters/no.such_key/drafts', headers: { cookie: admin }, payload: { value: 1, effectiveFrom: '2030-01-01', citation: { law: 'x' }, reason: '测试' } });
  assert.equal(unknown.statusCode, 404);
  const tellerDraft = await t.app.inject({ method: 'POST', url: '/api/parameters/wage.minimum_monthly/drafts', headers: { cookie: teller }, payload: { value: 1, effectiveFrom: '2030-01-01', citation: { law: 'x' }, reason: '测试' } });
  assert.equal(tellerDraft.statusCode, 403);
  const citizen = await t.citizenCookie(t.city.persons.zhang!.residentId);
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/parameters', headers: { cookie: citizen } })).statusCode, 403);
  const list = await t.app.inject({ method: 'GET', url: '/api/parameters?asOf=2025-06-01', headers: { cookie: teller } });
  assert.equal(list.statusCode, 200);
  const wage = list.json().parameters.find((p: { key: string }) => p.key === 'wage.average_monthly');
  assert.equal(wage.scope, 'local-illustration');
  assert.equal(wage.current.value, 728000);
  assert.equal(wage.upcoming[0].effectiveFrom, '2026-01-01');
});

test('working days from the database calendar, and the staff calculator API on the same functions', async () => {
  assert.equal(await isWorkingDay(t.db, '2025-01-26'), true);
  assert.equal(await isWorkingDay(t.db, '2025-05-05'), false);
  assert.equal(await addWorkingDays(t.db, '2025-04-30', 3), '2025-05-08');
  assert.equal(await workingDaysBetween(t.db, '2026-02-13', '2026-02-24'), 2);

  const due = await t.app.inject({ method: 'GET', url: '/api/calendar/due?from=2025-04-30&days=3', headers: { cookie: teller } });
  assert.deepEqual(due.json(), { due: '2025-05-08', assumedWeekdaysFor: [] });
  const r = await t.app.inject({ method: 'POST', url: '/api/calc/retirement', headers: { cookie: teller }, payload: { birthMonth: '1968-03', category: 'male' } });
  assert.equal(r.statusCode, 200, r.body);
  assert.deepEqual([r.json().retirementMonth, r.json().age, r.json().minContributionYears], ['2029-01', { years: 60, months: 10 }, 15]);
  const u = await t.app.inject({ method: 'POST', url: '/api/calc/unemployment', headers: { cookie: teller }, payload: { contributionMonths: 119, asOf: '2026-06-01' } });
  assert.deepEqual([u.json().eligible, u.json().maxMonths], [true, 18]);
  const p = await t.app.inject({ method: 'POST', url: '/api/calc/pension', headers: { cookie: teller }, payload: { avgWage: '7000', index: '1.0', years: '35', accountBalance: '150000', age: 60 } });
  assert.deepEqual([p.json().basic, p.json().account, p.json().total], ['2450.00', '1079.14', '3529.14']);
  const badAge = await t.app.inject({ method: 'POST', url: '/api/calc/pension', headers: { cookie: teller }, payload: { avgWage: '7000', index: '1.0', years: '35', accountBalance: '150000', age: 39 } });
  assert.equal(badAge.statusCode, 400);
  assert.deepEqual(badAge.json().errors.map((e: { field: string }) => e.field), ['/body/age']);
  const badDay = await t.app.inject({ method: 'GET', url: '/api/calendar/due?from=2025-02-30&days=3', headers: { cookie: teller } });
  assert.equal(badDay.statusCode, 400);
});
