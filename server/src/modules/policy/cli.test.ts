import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The real command, as staff type it: node server/bin/tongban.mjs … (no database needed).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const tongban = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['server/bin/tongban.mjs', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
};
const json = (r: { status: number | null; out: string; err: string }) => {
  assert.equal(r.status, 0, r.err);
  return JSON.parse(r.out);
};

test('tongban calc retirement / unemployment / pension and calendar due print JSON', () => {
  assert.deepEqual(json(tongban('calc', 'retirement', '--birth', '1968-03', '--category', 'male')), { retirementMonth: '2029-01', age: { years: 60, months: 10 }, minContributionYears: 15 });
  assert.deepEqual(json(tongban('calc', 'retirement', '--birth', '1975-01', '--category', 'female-worker')), { retirementMonth: '2025-02', age: { years: 50, months: 1 }, minContributionYears: 15 });
  assert.deepEqual(json(tongban('calc', 'unemployment', '--contribution-months', '60')), { eligible: true, maxMonths: 18 });
  assert.deepEqual(json(tongban('calc', 'pension', '--avg-wage', '7000', '--index', '1.0', '--years', '35', '--account-balance', '150000', '--age', '60')), { basic: '2450.00', account: '1079.14', total: '3529.14' });
  const due = tongban('calendar', 'due', '--from', '2025-04-30', '--days', '3');
  assert.equal(due.out, '{"due":"2025-05-08"}');
});

test('a bad argument exits non-zero with the reason on stderr and nothing on stdout', () => {
  const cases: [string[], RegExp][] = [
    [['calc', 'retirement', '--birth', '1968-13', '--category', 'male'], /birth: not a month/],
    [['calc', 'retirement', '--birth', '1968-03', '--category', 'female'], /category: must be one of male, female-cadre, female-worker/],
    [['calc', 'pension', '--avg-wage', '7000', '--index', '1.0', '--years', '35', '--account-balance', '150000', '--age', '75'], /age: 75 is outside the months divisor table \(40–70\)/],
    [['calendar', 'due', '--from', '2025-02-30', '--days', '3'], /from: not a date/],
    [['calendar', 'due', '--from', '2025-04-30'], /required option '--days/],
  ];
  for (const [args, reason] of cases) {
    const r = tongban(...args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.err, reason, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
  }
});
