import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { evaluate, parseExpression } from 'feelin';
import { compileFast, FALLBACK } from './fast-feel.js';

const compile = (e: string) => compileFast(parseExpression(e, {}, undefined).topNode, e);

test('the fast path covers the usual catalogue rules and leaves the rest to feelin', () => {
  for (const e of ['rights.contributionMonths.unemployment >= param.unemployment.min_contribution_months', 'answers.leftVoluntarily = false', 'applicant.cardStatus != "active"', 'derived.reachedRetirementAge and (applicant.age >= 16 or answers.x = null)']) {
    assert.ok(compile(e), e);
  }
  for (const e of ['not(answers.x)', 'count(rights.insured) > 0', 'applicant.age + 1 > 3', 'some x in [1] satisfies x > 0', '-1 < 0', '"a\\"b" = "x"']) {
    assert.equal(compile(e), null, e);
  }
  // A value outside the subset at run time (a list, mixed types) also goes back to feelin.
  assert.equal(compile('a.l = a.l')!({ a: { l: [1] } }), FALLBACK);
  assert.equal(compile('a.n = "5"')!({ a: { n: 5 } }), FALLBACK);
});

// Property: wherever the fast path answers, it answers exactly what feelin answers.
const operand = fc.oneof(
  fc.constantFrom('a.n', 'a.m', 'a.s', 'a.b', 'a.z', 'a.missing', 'a.o', 'nope', 'a.o.k'),
  fc.constantFrom('0', '1', '5', '2.5', '10', '"x"', '"y"', '""', 'true', 'false', 'null'),
);
const comparison = fc.tuple(operand, fc.constantFrom('=', '!=', '<', '<=', '>', '>='), operand).map(([l, o, r]) => `${l} ${o} ${r}`);
const { expr } = fc.letrec<{ expr: string; leaf: string }>((tie) => ({
  leaf: fc.oneof(comparison, operand),
  expr: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), fc.tuple(tie('expr'), fc.constantFrom('and', 'or'), tie('expr')).map(([a, op, b]) => `(${a}) ${op} ${b}`)),
}));
const value = fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(2.5, 0.1), fc.constantFrom('x', 'y', '', 'X'), fc.boolean(), fc.constant(null), fc.constant({ k: 1 }), fc.constant([1, 2]));
const context = fc.record({ a: fc.record({ n: value, m: value, s: value, b: value, z: value, o: fc.oneof(value, fc.record({ k: value })) }, { requiredKeys: ['n', 'm'] }) }).map((c) => JSON.parse(JSON.stringify(c)) as Record<string, unknown>);

test('property: the fast path agrees with feelin on comparisons, and/or, paths and literals', () => {
  let fastAnswers = 0;
  fc.assert(
    fc.property(expr, context, (e, ctx) => {
      const fast = compile(e);
      if (!fast) return;
      const mine = fast(ctx);
      if (mine === FALLBACK) return;
      fastAnswers++;
      assert.deepEqual(mine, evaluate(e, ctx).value, `${e} with ${JSON.stringify(ctx)}`);
    }),
    { numRuns: 3000, seed: 20261127 },
  );
  assert.ok(fastAnswers > 1000, `the fast path answered ${fastAnswers} of 3000`);
});
