import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { offlinePolicy } from './offline.js';
import { checkRuleExpression, evaluateRulesWith } from './rules.js';
import type { Facts, RuleSpec } from './types.js';

const { params } = offlinePolicy(DEFAULT_CATALOG_DIR);
const cite = { law: '中华人民共和国社会保险法', article: '第四十五条' };
const rule = (id: string, expression: string, extra: Partial<RuleSpec> = {}): RuleSpec => ({ id, name: { zh: id, en: id }, expression, citation: cite, ...extra });

const unemploymentRules = {
  conditions: [
    rule('contributed', 'rights.contributionMonths.unemployment >= param.unemployment.min_contribution_months', { failMessage: { zh: '缴费不满一年', en: 'Less than a year of contributions' } }),
    rule('involuntary', 'answers.leftVoluntarily = false'),
  ],
  calculations: [rule('maxMonths', 'derived.unemploymentMaxMonths', { citation: { law: '中华人民共和国社会保险法', article: '第四十六条' } })],
};

function facts(over: { months?: number; answers?: Record<string, unknown>; asOf?: string; birthDate?: string; sex?: 'M' | 'F'; pensionMonths?: number } = {}): Facts {
  return {
    asOf: over.asOf ?? '2026-11-01',
    applicant: { kind: 'person', personId: 'p1', name: '张伟', sex: over.sex ?? 'M', birthDate: over.birthDate ?? '1985-03-12', regionCode: '371002001' },
    rights: {
      insured: { unemployment: 'stopped' },
      contributionMonths: { ...(over.months === undefined ? {} : { unemployment: over.months }), ...(over.pensionMonths === undefined ? {} : { pension_employee: over.pensionMonths }) },
    },
    answers: over.answers ?? { leftVoluntarily: false },
  };
}

test('the catalogue\'s rule vocabulary works: rights, answers, param and derived, with a trace of what each rule read', () => {
  const d = evaluateRulesWith(params, unemploymentRules, facts({ months: 60 }));
  assert.equal(d.outcome, 'eligible');
  assert.deepEqual(d.results, { maxMonths: 18 });
  const [contributed, involuntary, maxMonths] = d.trace;
  assert.equal(contributed!.result, 'pass');
  assert.deepEqual(contributed!.values, { 'param.unemployment.min_contribution_months': 12, 'rights.contributionMonths.unemployment': 60 });
  assert.deepEqual(contributed!.parameters!.map((p) => p.key), ['unemployment.min_contribution_months']);
  assert.deepEqual(contributed!.citation, cite);
  assert.equal(involuntary!.result, 'pass');
  assert.deepEqual(involuntary!.values, { 'answers.leftVoluntarily': false });
  assert.deepEqual(involuntary!.parameters, []);
  assert.equal(maxMonths!.kind, 'calculation');
  assert.equal(maxMonths!.value, 18);
  // The derived value's parameters are named too (bands and minimum months).
  assert.deepEqual(maxMonths!.parameters!.map((p) => p.key), ['unemployment.max_months_bands', 'unemployment.min_contribution_months']);
  // Decision.parameters: every version used, once.
  assert.deepEqual(d.parameters.map((p) => p.key), ['unemployment.max_months_bands', 'unemployment.min_contribution_months']);
  assert.match(d.factsHash, /^[0-9a-f]{64}$/);
});

test('a failed condition makes the outcome ineligible and carries its message and citation', () => {
  const d = evaluateRulesWith(params, unemploymentRules, facts({ months: 11 }));
  assert.equal(d.outcome, 'ineligible');
  assert.equal(d.trace[0]!.result, 'fail');
  assert.deepEqual(d.trace[0]!.failMessage, { zh: '缴费不满一年', en: 'Less than a year of contributions' });
  assert.equal(d.results.maxMonths, 0);
  const quit = evaluateRulesWith(params, unemploymentRules, facts({ months: 30, answers: { leftVoluntarily: true } }));
  assert.equal(quit.outcome, 'ineligible');
  assert.equal(quit.trace[1]!.result, 'fail');
});

test('missing facts make a condition unknown and the outcome undetermined, never a failure', () => {
  // Not answered yet: FEEL alone would say `null = false` is false; the engine says "not known".
  const d = evaluateRulesWith(params, unemploymentRules, facts({ months: 30, answers: {} }));
  assert.equal(d.outcome, 'undetermined');
  assert.equal(d.trace[1]!.result, 'unknown');
  assert.match(d.trace[1]!.warnings![0]!, /not known: answers\.leftVoluntarily/);
  // No contribution record: the comparison is unknown, the calculation has no value.
  const e = evaluateRulesWith(params, unemploymentRules, facts({ answers: { leftVoluntarily: false } }));
  assert.equal(e.outcome, 'undetermined');
  assert.equal(e.trace[0]!.result, 'unknown');
  assert.equal(e.trace[2]!.result, 'unknown');
  assert.equal(e.results.maxMonths, null);
  // A failure elsewhere still decides: ineligible beats undetermined.
  const f = evaluateRulesWith(params, unemploymentRules, facts({ months: 5, answers: {} }));
  assert.equal(f.outcome, 'ineligible');
  // A rule that asks about null itself gets an answer.
  const g = evaluateRulesWith(params, { conditions: [rule('noAnswer', 'answers.leftVoluntarily = null')] }, facts({ answers: {} }));
  assert.equal(g.outcome, 'eligible');
});

test('derived retirement values: month, reached or not on asOf, minimum years; pension years from months', () => {
  const spec = {
    conditions: [rule('retired', 'derived.reachedRetirementAge'), rule('years', 'derived.pensionContributionYears >= derived.minContributionYears')],
    calculations: [rule('month', 'derived.retirementMonth')],
  };
  // A man born 1965-05 retires at 60y2m in 2025-07.
  const before = evaluateRulesWith(params, spec, facts({ birthDate: '1965-05-20', asOf: '2025-06-30', pensionMonths: 181 }));
  assert.equal(before.results.month, '2025-07');
  assert.equal(before.trace[0]!.result, 'fail');
  assert.deepEqual(before.trace[0]!.parameters!.map((p) => p.key), ['retirement.rules']);
  assert.deepEqual(before.trace[1]!.values, { 'derived.minContributionYears': 15, 'derived.pensionContributionYears': 15.08 });
  const after = evaluateRulesWith(params, spec, facts({ birthDate: '1965-05-20', asOf: '2025-07-01', pensionMonths: 181 }));
  assert.equal(after.outcome, 'eligible');
  assert.deepEqual(after.parameters.map((p) => p.key), ['pension.min_contribution_years', 'retirement.rules']);
  // A woman without a known category (cadre or worker): the retirement month is unknown, so is the outcome.
  const woman = evaluateRulesWith(params, spec, facts({ sex: 'F', birthDate: '1975-01-05', asOf: '2026-01-01', pensionMonths: 200 }));
  assert.equal(woman.outcome, 'undetermined');
  const worker = evaluateRulesWith(params, spec, { ...facts({ sex: 'F', birthDate: '1975-01-05', asOf: '2026-01-01', pensionMonths: 200 }), answers: { retirementCategory: 'female-worker' } });
  assert.equal(worker.results.month, '2025-02');
  assert.equal(worker.outcome, 'eligible');
});

test('rules are checked before use: syntax errors and unknown names are refused with the reason', () => {
  assert.deepEqual(checkRuleExpression('rights.contributionMonths.unemployment >= param.unemployment.min_contribution_months'), { ok: true, paths: ['param.unemployment.min_contribution_months', 'rights.contributionMonths.unemployment'] });
  const bad = checkRuleExpression('rights.contributionMonths.unemployment >=');
  assert.equal(bad.ok, false);
  const typo = checkRuleExpression('right.contributionMonths.unemployment >= 12');
  assert.equal(typo.ok, false);
  assert.match((typo as { reason: string }).reason, /unknown name 'right'/);
  assert.equal(checkRuleExpression('some x in [1, 2] satisfies x > applicant.age').ok, true);
  assert.throws(() => evaluateRulesWith(params, { conditions: [rule('broken', '1 +')] }, facts()), /FEEL syntax error/);
  // A condition that is not true/false is unknown, with a warning saying so.
  const d = evaluateRulesWith(params, { conditions: [rule('number', 'rights.contributionMonths.unemployment + 1')] }, facts({ months: 3 }));
  assert.equal(d.trace[0]!.result, 'unknown');
  assert.match(d.trace[0]!.warnings!.join(), /not true or false/);
});

test('parameters are those in effect on facts.asOf', () => {
  const spec = { conditions: [], calculations: [rule('wage', 'param.wage.average_monthly')] };
  assert.equal(evaluateRulesWith(params, spec, facts({ asOf: '2024-06-01' })).results.wage, 705000);
  assert.equal(evaluateRulesWith(params, spec, facts({ asOf: '2026-06-01' })).results.wage, 750000);
  assert.throws(() => evaluateRulesWith(params, spec, facts({ asOf: '2026-02-30' })), /asOf/);
});

test('the retirement decision computes the monthly pension (国发〔2005〕38号) from the wage, the index, the years and the account', () => {
  const f = facts({ birthDate: '1964-06-15', pensionMonths: 360 });
  f.rights.averageIndex = 1.2;
  f.rights.accountBalance = 150_000;
  const d = evaluateRulesWith(params, { conditions: [], calculations: [rule('basicFen', 'derived.pensionBasicFen'), rule('accountFen', 'derived.pensionAccountFen')] }, f);
  // (7,500.00 + 7,500.00 × 1.2) / 2 × 30 years × 1 % = 2,475.00 yuan a month.
  assert.equal(d.results.basicFen, 247_500);
  // 150,000.00 / 139 months at age 60 = 1,079.1367 → 1,079.14 yuan (half up to the fen).
  assert.equal(d.results.accountFen, 107_914);
  const keys = d.parameters.map((p) => p.key);
  for (const k of ['wage.average_monthly', 'pension.basic_share_per_year', 'pension.months_divisor']) assert.ok(keys.includes(k), `records ${k}`);
  // Without the index the amount is not guessed.
  const g = facts({ birthDate: '1964-06-15', pensionMonths: 360 });
  const e = evaluateRulesWith(params, { conditions: [], calculations: [rule('basicFen', 'derived.pensionBasicFen')] }, g);
  assert.equal(e.results.basicFen ?? null, null);
});
