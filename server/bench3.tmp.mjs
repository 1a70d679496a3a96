import { evaluate } from 'feelin';
const e = 'rights.contributionMonths.unemployment >= param.unemployment.min_contribution_months';
const small = { rights: { contributionMonths: { unemployment: 40 } }, param: { unemployment: { min_contribution_months: 12 } } };
for (const [name, expr, ctx] of [['cmp', e, small], ['bool', 'answers.leftVoluntarily = false', { answers: { leftVoluntarily: false } }], ['path', 'derived.unemploymentMaxMonths', { derived: { unemploymentMaxMonths: 12 } }], ['lit', '1', {}]]) {
  for (let i = 0; i < 500; i++) evaluate(expr, ctx);
  const t0 = performance.now();
  for (let i = 0; i < 3000; i++) evaluate(expr, ctx);
  console.log(name, ((performance.now() - t0) / 3000).toFixed(3), 'ms');
}
