import { evaluate, parseExpression } from 'feelin';
import type { Db } from '../../db/connect.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { sm3Hex } from '../../lib/hash.js';
import { compileFast, FALLBACK, type Compiled } from './fast-feel.js';
import { isDate } from './months.js';
import { parameterSnapshot, parameterVersionById } from './parameters.js';
import { hasReachedRetirementAge, statutoryRetirement, RETIREMENT_CATEGORIES } from './retirement.js';
import type { ParameterSnapshot } from './snapshot.js';
import type { Decision, Facts, ParameterUse, ParameterVersion, RetirementCategory, RuleSpec, TraceEntry } from './types.js';
import { unemploymentEntitlement } from './unemployment.js';
import type { MaxMonthsBandsValue, MinContributionValue, MonthsDivisorValue, RetirementRulesValue } from './values.js';
import { monthlyPension } from './pension.js';

/**
 * Conditions and calculations in FEEL (DMN's expression language, through `feelin`), over
 * one context:
 *   asOf, applicant, rights, answers   the Facts
 *   param.<key>                        parameter values in effect on asOf (param.unemployment.min_contribution_months)
 *   derived.<name>                     values computed here from facts and parameters
 *   results.<ruleId>                   earlier calculations of the same evaluation
 * Every rule's trace names the paths it read, their values and the parameter versions behind
 * them, so a decision explains itself and replays with exactly those versions.
 */
export const CONTEXT_ROOTS = ['asOf', 'applicant', 'rights', 'answers', 'param', 'derived', 'results'] as const;
const ROOTS: ReadonlySet<string> = new Set(CONTEXT_ROOTS);

export const DERIVED_NAMES = ['retirementMonth', 'reachedRetirementAge', 'minContributionYears', 'pensionContributionYears', 'unemploymentMaxMonths', 'retirementCategory', 'pensionBasicFen', 'pensionAccountFen'] as const;

interface Analysis {
  /** Context paths the expression reads ('rights.contributionMonths.unemployment'). */
  paths: string[];
  /** It compares with null itself, so a missing fact is an answer, not "unknown". */
  testsNull: boolean;
  /** The fast evaluator when the expression is in its subset (see fast-feel.ts). */
  fast: Compiled | null;
}

const analyses = new Map<string, Analysis>();

/** Parses an expression and lists what it reads; throws a SyntaxError naming the problem. */
export function analyseExpression(expression: string): Analysis {
  const cached = analyses.get(expression);
  if (cached) return cached;
  if (typeof expression !== 'string' || expression.trim() === '') throw new SyntaxError('empty expression');
  const tree = parseExpression(expression, {}, undefined);
  const paths = new Set<string>();
  const bound = new Set<string>(['item']);
  const unknownRoots = new Set<string>();
  let testsNull = false;
  let error: { from: number } | null = null;
  const roots: { name: string; from: number }[] = [];
  tree.iterate({
    enter(n) {
      if (n.type.isError && !error) error = { from: n.from };
      if (n.name === 'null') testsNull = true;
      if (n.name === 'Name') bound.add(expression.slice(n.from, n.to).trim());
      const parent = n.node.parent;
      if (n.name === 'PathExpression' && parent?.name !== 'PathExpression' && parent?.name !== 'FilterExpression') {
        const text = expression.slice(n.from, n.to).replace(/\s+/g, '');
        const cut = text.search(/[[(]/);
        const path = cut >= 0 ? text.slice(0, cut) : text;
        const root = path.split('.')[0]!;
        roots.push({ name: root, from: n.from });
        if (ROOTS.has(root)) paths.add(path);
      }
      if (n.name === 'VariableName' && parent?.name !== 'PathExpression' && parent?.name !== 'FunctionInvocation' && parent?.name !== 'QualifiedName') {
        const name = expression.slice(n.from, n.to).trim();
        roots.push({ name, from: n.from });
        if (ROOTS.has(name)) paths.add(name);
      }
    },
  });
  if (error) throw new SyntaxError(`FEEL syntax error at position ${(error as { from: number }).from} in: ${expression}`);
  for (const r of roots) if (!ROOTS.has(r.name) && !bound.has(r.name)) unknownRoots.add(r.name);
  if (unknownRoots.size) throw new SyntaxError(`unknown name ${[...unknownRoots].map((n) => `'${n}'`).join(', ')}: rules may read ${CONTEXT_ROOTS.join(', ')}`);
  const analysis = { paths: [...paths].sort(), testsNull, fast: compileFast(tree.topNode, expression) };
  if (analyses.size > 5_000) analyses.clear();
  analyses.set(expression, analysis);
  return analysis;
}

/** For the catalogue's load-time checks: is this a rule we can evaluate? */
export function checkRuleExpression(expression: string): { ok: true; paths: string[] } | { ok: false; reason: string } {
  try {
    const a = analyseExpression(expression);
    // Also let the interpreter see it once: some errors only show on evaluation.
    evaluate(expression, {});
    return { ok: true, paths: a.paths };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

type Resolver = (key: string) => ParameterVersion | undefined;

interface Derived {
  values: Record<(typeof DERIVED_NAMES)[number], unknown>;
  uses: Record<string, ParameterUse[]>;
}

const use = (v: ParameterVersion): ParameterUse => ({ key: v.key, versionId: v.versionId, value: v.value });

function retirementCategoryOf(facts: Facts): RetirementCategory | null {
  const c = facts.applicant.retirementCategory ?? facts.answers?.['retirementCategory'];
  if (typeof c === 'string' && (RETIREMENT_CATEGORIES as readonly string[]).includes(c)) {
    // A man is always 'male'; a category that contradicts the recorded sex is not trusted.
    if (facts.applicant.sex === 'M' && c !== 'male') return null;
    if (facts.applicant.sex === 'F' && c === 'male') return null;
    return c as RetirementCategory;
  }
  return facts.applicant.sex === 'M' ? 'male' : null;
}

function derive(facts: Facts, resolve: Resolver): Derived {
  const values: Derived['values'] = { retirementMonth: null, reachedRetirementAge: null, minContributionYears: null, pensionContributionYears: null, unemploymentMaxMonths: null, retirementCategory: null, pensionBasicFen: null, pensionAccountFen: null };
  const uses: Record<string, ParameterUse[]> = {};
  const category = retirementCategoryOf(facts);
  values.retirementCategory = category;
  const rules = resolve('retirement.rules');
  const minC = resolve('pension.min_contribution_years');
  const birth = facts.applicant.birthDate;
  if (category && typeof birth === 'string' && isDate(birth) && rules && minC) {
    const r = statutoryRetirement(birth.slice(0, 7), category, { rules: rules.value as RetirementRulesValue, minContribution: minC.value as MinContributionValue });
    values.retirementMonth = r.retirementMonth;
    values.reachedRetirementAge = hasReachedRetirementAge(r.retirementMonth, facts.asOf);
    values.minContributionYears = r.minContributionYears;
    uses['retirementMonth'] = [use(rules)];
    uses['reachedRetirementAge'] = [use(rules)];
    uses['minContributionYears'] = [use(rules), use(minC)];
  }
  const pensionMonths = facts.rights?.contributionMonths?.['pension_employee'];
  if (typeof pensionMonths === 'number' && Number.isFinite(pensionMonths)) values.pensionContributionYears = Math.round((pensionMonths / 12) * 100) / 100;
  // The monthly pension at the statutory age (国发〔2005〕38号): basic part from the average
  // wage, the person's index and years; account part from the balance and the months divisor.
  const wage = resolve('wage.average_monthly');
  const share = resolve('pension.basic_share_per_year');
  const divisors = resolve('pension.months_divisor');
  const index = facts.rights?.averageIndex;
  const balance = facts.rights?.accountBalance;
  if (category && typeof birth === 'string' && isDate(birth) && rules && minC && wage && share && divisors && typeof pensionMonths === 'number' && typeof index === 'number' && typeof balance === 'number') {
    const r = statutoryRetirement(birth.slice(0, 7), category, { rules: rules.value as RetirementRulesValue, minContribution: minC.value as MinContributionValue });
    const p = monthlyPension({
      avgWageFen: wage.value as number,
      index: index.toFixed(4),
      years: (pensionMonths / 12).toFixed(4),
      sharePerYearBp: share.value as number,
      accountBalanceFen: Math.round(balance * 100),
      age: r.age.years,
      divisorTable: divisors.value as MonthsDivisorValue,
    });
    values.pensionBasicFen = p.basicFen;
    values.pensionAccountFen = p.accountFen;
    uses['pensionBasicFen'] = [use(wage), use(share)];
    uses['pensionAccountFen'] = [use(rules), use(divisors)];
  }
  const uMonths = facts.rights?.contributionMonths?.['unemployment'];
  const bands = resolve('unemployment.max_months_bands');
  const minU = resolve('unemployment.min_contribution_months');
  if (typeof uMonths === 'number' && Number.isInteger(uMonths) && uMonths >= 0 && bands && minU) {
    values.unemploymentMaxMonths = unemploymentEntitlement(uMonths, minU.value as number, bands.value as MaxMonthsBandsValue).maxMonths;
    uses['unemploymentMaxMonths'] = [use(minU), use(bands)];
  }
  return { values, uses };
}

function nestParams(versions: ParameterVersion[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const v of versions) {
    const parts = v.key.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = v.value;
  }
  return root;
}

function readPath(ctx: Record<string, unknown>, path: string): unknown {
  let node: unknown = ctx;
  for (const seg of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/** A skeleton of `ctx` holding just the given paths (missing ones stay missing). */
function pruneContext(ctx: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const segs = path.split('.');
    let src: unknown = ctx;
    let dst = out;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (src === null || typeof src !== 'object' || !(seg in (src as object))) break;
      src = (src as Record<string, unknown>)[seg];
      if (i === segs.length - 1 || src === null || typeof src !== 'object' || Array.isArray(src)) {
        dst[seg] = src;
        break;
      }
      const existing = dst[seg];
      dst = (existing && typeof existing === 'object' ? existing : (dst[seg] = {})) as Record<string, unknown>;
    }
  }
  return out;
}

/** JSON-safe copy of a FEEL value (dates become their ISO text). */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && 'iso' in v && typeof (v as { iso: unknown }).iso === 'string' ? (v as { iso: string }).iso : v)) ?? 'null');
}

interface RuleJob {
  spec: Pick<RuleSpec, 'id' | 'name' | 'expression' | 'citation' | 'failMessage'>;
  kind: 'condition' | 'calculation';
}

/** The pure core: evaluates with a given set of parameter versions. */
function evaluateJobs(jobs: RuleJob[], facts: Facts, versions: Map<string, ParameterVersion>, paramCtx = nestParams([...versions.values()])): Decision {
  if (!isDate(facts.asOf)) throw new RangeError(`facts.asOf must be a date (YYYY-MM-DD), got ${facts.asOf}`);
  const derived = derive(facts, (k) => versions.get(k));
  const results: Record<string, unknown> = {};
  const ctx: Record<string, unknown> = {
    asOf: facts.asOf,
    applicant: facts.applicant ?? {},
    rights: facts.rights ?? {},
    answers: facts.answers ?? {},
    param: paramCtx,
    derived: derived.values,
    results,
  };
  const keys = [...versions.keys()];
  const trace: TraceEntry[] = [];
  const allUsed = new Map<string, ParameterUse>();
  for (const { spec, kind } of jobs) {
    const analysis = analyseExpression(spec.expression);
    const values: Record<string, unknown> = {};
    const used = new Map<string, ParameterUse>();
    const missing: string[] = [];
    for (const path of analysis.paths) {
      const v = readPath(ctx, path);
      values[path] = plain(v);
      if (v === undefined || v === null) missing.push(path);
      const [root, ...rest] = path.split('.');
      const sub = rest.join('.');
      if (root === 'param') {
        for (const k of keys) if (sub === '' || k === sub || sub.startsWith(`${k}.`) || k.startsWith(`${sub}.`)) used.set(k, use(versions.get(k)!));
      } else if (root === 'derived') {
        for (const [name, uses] of Object.entries(derived.uses)) if (sub === '' || sub === name || sub.startsWith(`${name}.`)) for (const u of uses) used.set(u.key, u);
      }
    }
    const warnings: string[] = [];
    let value: unknown;
    try {
      const fast = analysis.fast ? analysis.fast(ctx) : FALLBACK;
      if (fast !== FALLBACK) value = fast;
      else {
        // Only what the rule reads goes to the interpreter: feelin copies and scans its whole
        // context on every call, and a rule that reads three values should not pay for all.
        const r = evaluate(spec.expression, pruneContext(ctx, analysis.paths));
        value = r.value;
        for (const w of r.warnings) if (w.type !== 'NO_CONTEXT_ENTRY_FOUND' && w.type !== 'NO_VARIABLE_FOUND') warnings.push(w.message);
      }
    } catch (e) {
      throw new Error(`rule ${spec.id}: ${(e as Error).message}`);
    }
    if (missing.length) warnings.unshift(`not known: ${missing.join(', ')}`);
    let result: TraceEntry['result'];
    if (kind === 'condition') {
      if (typeof value !== 'boolean') {
        result = 'unknown';
        if (value !== null && value !== undefined) warnings.push(`the condition yielded ${JSON.stringify(plain(value))}, not true or false`);
      } else if (missing.length && !analysis.testsNull) {
        // FEEL says `null = false` is false; for eligibility an unanswered question is "not known yet".
        result = 'unknown';
      } else {
        result = value ? 'pass' : 'fail';
      }
    } else {
      result = value === null || value === undefined ? 'unknown' : 'pass';
      results[spec.id] = plain(value);
    }
    const paramsUsed = [...used.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    for (const u of paramsUsed) allUsed.set(u.versionId, u);
    trace.push({
      ruleId: spec.id,
      kind,
      name: spec.name,
      expression: spec.expression,
      values,
      result,
      ...(kind === 'calculation' ? { value: plain(value) } : {}),
      citation: spec.citation,
      ...(spec.failMessage ? { failMessage: spec.failMessage } : {}),
      parameters: paramsUsed,
      ...(warnings.length ? { warnings } : {}),
    });
  }
  const conditions = trace.filter((t) => t.kind === 'condition');
  const outcome: Decision['outcome'] = conditions.some((t) => t.result === 'fail') ? 'ineligible' : conditions.some((t) => t.result === 'unknown') ? 'undetermined' : 'eligible';
  return {
    outcome,
    asOf: facts.asOf,
    trace,
    parameters: [...allUsed.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.versionId < b.versionId ? -1 : 1)),
    results,
    factsHash: factsHash(facts),
  };
}

export function factsHash(facts: Facts): string {
  return sm3Hex(canonicalJson(facts));
}

function jobsOf(spec: { conditions: RuleSpec[]; calculations?: RuleSpec[] }): RuleJob[] {
  return [...spec.conditions.map((s) => ({ spec: s, kind: 'condition' as const })), ...(spec.calculations ?? []).map((s) => ({ spec: s, kind: 'calculation' as const }))];
}

/** Pure: evaluates against a snapshot (the CLI and tests use a snapshot from the YAML files). */
export function evaluateRulesWith(snapshot: ParameterSnapshot, spec: { conditions: RuleSpec[]; calculations?: RuleSpec[] }, facts: Facts): Decision {
  if (!isDate(facts.asOf)) throw new RangeError(`facts.asOf must be a date (YYYY-MM-DD), got ${facts.asOf}`);
  let byDay = inEffect.get(snapshot);
  if (!byDay) inEffect.set(snapshot, (byDay = new Map()));
  let day = byDay.get(facts.asOf);
  if (!day) {
    const versions = new Map<string, ParameterVersion>();
    for (const k of snapshot.keys()) {
      const v = snapshot.tryAsOf(k, facts.asOf);
      if (v) versions.set(k, v);
    }
    day = { versions, param: nestParams([...versions.values()]) };
    if (byDay.size > 400) byDay.clear();
    byDay.set(facts.asOf, day);
  }
  return evaluateJobs(jobsOf(spec), facts, day.versions, day.param);
}

// Parameters in effect per snapshot and day: snapshots are immutable, so this never goes stale.
// The nested `param` context is shared read-only by every evaluation of that day.
const inEffect = new WeakMap<ParameterSnapshot, Map<string, { versions: Map<string, ParameterVersion>; param: Record<string, unknown> }>>();

/**
 * Evaluates conditions (→ outcome) and calculations (→ results) against the facts, with the
 * parameters in effect on facts.asOf. A condition whose facts are not known yields 'unknown'
 * and the outcome 'undetermined', never a failure. Throws on a rule that does not parse.
 */
export async function evaluateRules(db: Db, spec: { conditions: RuleSpec[]; calculations?: RuleSpec[] }, facts: Facts): Promise<Decision> {
  return evaluateRulesWith(await parameterSnapshot(db), spec, facts);
}

/**
 * Re-evaluates a stored decision with exactly the parameter versions it recorded (whatever
 * has been published since) and the rules as written in its trace. Throws when the facts
 * are not the ones the decision saw (factsHash) or a recorded version no longer exists.
 */
export async function replayDecision(db: Db, stored: { decision: Decision; facts: Facts }): Promise<Decision> {
  const { decision, facts } = stored;
  if (factsHash(facts) !== decision.factsHash) throw new Error('these facts are not the ones the decision was made on (factsHash differs)');
  const versions = new Map<string, ParameterVersion>();
  for (const u of decision.parameters) {
    const v = await parameterVersionById(db, u.versionId);
    if (!v) throw new Error(`parameter version ${u.versionId} (${u.key}) recorded by the decision does not exist`);
    versions.set(v.key, v);
  }
  const jobs: RuleJob[] = decision.trace.map((t) => ({
    spec: { id: t.ruleId, name: t.name, expression: t.expression, citation: t.citation, ...(t.failMessage ? { failMessage: t.failMessage } : {}) },
    kind: t.kind ?? ('value' in t ? 'calculation' : 'condition'),
  }));
  return evaluateJobs(jobs, facts, versions);
}
