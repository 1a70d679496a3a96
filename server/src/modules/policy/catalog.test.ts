import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { CatalogFileError, loadCalendarCatalog, loadParameterCatalog } from './catalog.js';

function catalogWith(file: string, text: string, dir = 'parameters'): { root: string; file: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-policy-catalog-'));
  fs.mkdirSync(path.join(root, dir), { recursive: true });
  const p = path.join(root, dir, file);
  fs.writeFileSync(p, text);
  return { root, file: p };
}

function rejects(text: string, path_: string, reason: RegExp, dir = 'parameters') {
  const { root, file } = catalogWith('bad.yaml', text, dir);
  try {
    assert.throws(
      () => (dir === 'parameters' ? loadParameterCatalog(root) : loadCalendarCatalog(root)),
      (e: unknown) => {
        assert.ok(e instanceof CatalogFileError, String(e));
        assert.equal(e.file, file);
        assert.equal(e.path, path_);
        assert.match(e.reason, reason);
        // The message alone names all three, for the operator reading the start log.
        assert.ok(e.message.startsWith(`${file}: ${path_}: `), e.message);
        return true;
      },
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const ok = (value: string, extra = '') => `parameters:
  - key: unemployment.min_contribution_months
    name: { zh: 最低缴费月数, en: Minimum months }
    unit: months
    scope: national
    versions:
      - effectiveFrom: 2011-07-01
        value: ${value}
        citation: { law: 中华人民共和国社会保险法, article: 第四十五条 }
${extra}`;

test('the shipped catalogue loads: every parameter the other modules name, with citations', () => {
  const params = loadParameterCatalog(DEFAULT_CATALOG_DIR);
  const keys = params.map((p) => p.key);
  for (const k of ['retirement.rules', 'pension.min_contribution_years', 'pension.months_divisor', 'wage.average_monthly', 'wage.minimum_monthly', 'contribution.rates', 'contribution.base_limits', 'pension.crediting_rate', 'unemployment.min_contribution_months', 'unemployment.max_months_bands', 'unemployment.benefit_share_of_minimum_wage']) {
    assert.ok(keys.includes(k), k);
  }
  for (const p of params) for (const v of p.versions) assert.ok(v.citation.law.length > 1, `${p.key}@${v.effectiveFrom} cites a law`);
  // Local values of the demo city are marked apart from national rules.
  assert.equal(params.find((p) => p.key === 'wage.average_monthly')!.scope, 'local-illustration');
  assert.equal(params.find((p) => p.key === 'retirement.rules')!.scope, 'national');
  const crediting = params.find((p) => p.key === 'pension.crediting_rate')!;
  assert.equal(crediting.versions.find((v) => v.effectiveFrom === '2024-01-01')!.value, 262);
  assert.equal(crediting.versions.find((v) => v.effectiveFrom === '2025-01-01')!.scope, 'local-illustration');
  assert.deepEqual(loadCalendarCatalog(DEFAULT_CATALOG_DIR).map((c) => c.year), [2025, 2026]);
});

test('a malformed parameter file is rejected with the file, the path inside it and the reason', () => {
  assert.doesNotThrow(() => {
    const { root } = catalogWith('good.yaml', ok('12'));
    loadParameterCatalog(root);
  });
  rejects(ok('"twelve"'), '/parameters/0/versions/0/value', /integer/i);
  rejects(ok('12').replace('2011-07-01', '2011-02-30'), '/parameters/0/versions/0/effectiveFrom', /not a calendar date/);
  rejects(ok('12').replace('scope: national', 'scope: city'), '/parameters/0/scope', /./);
  rejects(ok('12').replace('        citation: { law: 中华人民共和国社会保险法, article: 第四十五条 }\n', ''), '/parameters/0/versions/0/citation', /required/i);
  rejects(ok('12', '      - effectiveFrom: 2010-01-01\n        value: 6\n        citation: { law: x }\n'), '/parameters/0/versions/1/effectiveFrom', /ascending/);
  rejects('parameters:\n  - key: [unclosed\n', 'line 3, column 1', /not valid YAML/);
  // Values the calculations read are checked deeply: a band with a text month count.
  rejects(
    ok('12').replace('unemployment.min_contribution_months', 'unemployment.max_months_bands').replace('value: 12', 'value:\n          - { fromMonths: 12, maxMonths: twelve }'),
    '/parameters/0/versions/0/value/0/maxMonths',
    /integer/i,
  );
  rejects(ok('12').replace('unemployment.min_contribution_months', 'unemployment.max_months_bands').replace('value: 12', 'value:\n          - { fromMonths: 60, maxMonths: 18 }\n          - { fromMonths: 12, maxMonths: 12 }'), '/parameters/0/versions/0/value/1/fromMonths', /ascending/);
});

test('a malformed calendar is rejected with the file, path and reason', () => {
  const cal = (holidayTo: string) => `year: 2025
citation: { law: 国务院办公厅关于2025年部分节假日安排的通知 }
holidays:
  - { name: { zh: 元旦, en: New Year }, from: 2025-01-01, to: ${holidayTo} }
makeUpWorkingDays: []
`;
  rejects(cal('2024-12-31'), '/holidays/0/to', /not a date of 2025/, 'calendars');
  rejects(cal('2025-02-30'), '/holidays/0/to', /not a date of 2025/, 'calendars');
});
