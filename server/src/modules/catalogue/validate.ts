/**
 * Validation of one service item definition: the JSON Schema first, then what a schema cannot
 * say (roles that exist, FEEL that parses and reads only known facts, answers that the form
 * asks, consistent time limits, chain targets that exist). Every problem carries the JSON
 * pointer of the bad value, so a file and an API draft are corrected the same way.
 */
import { Value } from '@sinclair/typebox/value';
import { parseExpression } from 'feelin';
import { ROLES, isRole } from '../iam/roles.js';
import { ARCHIVE_CATEGORIES, isCategory } from '../archives/retention.js';
import { DOMAIN_CODE, ServiceItemSchema, type ServiceItemInput } from './item-schema.js';

export interface ItemProblem {
  /** JSON pointer inside the definition, e.g. /steps/2/role ('' = the whole item). */
  path: string;
  reason: string;
}

/** The names a rule may start from (the Facts the policy module builds, plus parameters and derived values). */
export const FACT_ROOTS = ['asOf', 'applicant', 'rights', 'answers', 'param', 'derived', 'results'] as const;

/** Roles that are not staff and so cannot work a step. */
const NON_STAFF_ROLES = new Set(['citizen', 'employer_agent']);
const INSURED_STATUSES = ['active', 'suspended', 'stopped', 'retired'];
const CARD_STATUSES = ['active', 'lost', 'frozen', 'replaced', 'cancelled'];

export interface FeelCheck {
  /** A syntax error, or null. */
  error: string | null;
  /** Variables the expression reads at its root (rights, answers …). */
  roots: string[];
  /** `answers.<field>` fields read. */
  answers: string[];
}

type SyntaxNodeLike = { name: string; from: number; to: number; firstChild: SyntaxNodeLike | null; nextSibling: SyntaxNodeLike | null; parent: SyntaxNodeLike | null };

/** Parses a FEEL expression with feelin (lezer-feel) and lists what it reads. */
export function checkFeel(expression: string): FeelCheck {
  let tree;
  try {
    tree = parseExpression(expression, {}, undefined);
  } catch (e) {
    return { error: `FEEL does not parse: ${(e as Error).message}`, roots: [], answers: [] };
  }
  let error: string | null = null;
  const roots = new Set<string>();
  const bound = new Set<string>();
  const answers = new Set<string>();
  tree.iterate({
    enter(ref) {
      if (ref.type.isError && error === null) {
        error = `FEEL does not parse at character ${ref.from + 1}: ${JSON.stringify(expression.slice(Math.max(0, ref.from - 15), ref.from + 15))}`;
      }
      const node = ref.node as unknown as SyntaxNodeLike;
      if (ref.name === 'Name') bound.add(expression.slice(ref.from, ref.to));
      if (ref.name === 'VariableName') {
        // The callee of a function invocation is a function, not a fact.
        if (node.parent?.name === 'FunctionInvocation' && node.parent.firstChild?.from === ref.from) return;
        const name = expression.slice(ref.from, ref.to);
        roots.add(name);
        if (name === 'answers' && node.parent?.name === 'PathExpression') {
          const pathName = node.nextSibling?.nextSibling;
          if (pathName?.name === 'PathName') answers.add(expression.slice(pathName.from, pathName.to));
        }
      }
    },
  });
  for (const b of bound) roots.delete(b);
  return { error, roots: [...roots], answers: [...answers] };
}

function feelProblems(expression: string, path: string, formFields: Set<string>, out: ItemProblem[]): void {
  const check = checkFeel(expression);
  if (check.error) {
    out.push({ path, reason: check.error });
    return;
  }
  for (const root of check.roots) {
    if (!(FACT_ROOTS as readonly string[]).includes(root)) out.push({ path, reason: `FEEL reads unknown name "${root}" (rules read only ${FACT_ROOTS.join(', ')})` });
  }
  for (const field of check.answers) {
    if (!formFields.has(field)) out.push({ path, reason: `FEEL reads answers.${field} but the form has no field "${field}"` });
  }
}

export interface ValidateOptions {
  /** Codes of every item in the catalogue, for chain targets. Absent = not checked. */
  knownItemCodes?: ReadonlySet<string>;
}

/** Every problem of one definition; an empty list means it is valid. */
export function validateItem(raw: unknown, opts: ValidateOptions = {}): ItemProblem[] {
  const out: ItemProblem[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [{ path: '', reason: 'an item must be a mapping (object)' }];
  for (const e of Value.Errors(ServiceItemSchema, raw)) {
    out.push({ path: e.path, reason: e.message + (e.value === undefined ? ' (missing)' : '') });
    if (out.length >= 30) break;
  }
  if (out.length) return dedupe(out);
  const item = raw as ServiceItemInput;

  if (item.code.split('-')[1] !== DOMAIN_CODE[item.domain]) {
    out.push({ path: '/code', reason: `code ${item.code} does not match domain ${item.domain} (expected ${DOMAIN_CODE[item.domain]})` });
  }

  // Form
  const fields = new Set(Object.keys(item.form.properties));
  (item.form.required ?? []).forEach((name, i) => {
    if (!fields.has(name)) out.push({ path: `/form/required/${i}`, reason: `required field "${name}" is not among the form's properties` });
  });
  for (const [name, field] of Object.entries(item.form.properties)) {
    const titles = field['x-enum-titles'];
    if (titles && (!field.enum || titles.length !== field.enum.length)) out.push({ path: `/form/properties/${name}/x-enum-titles`, reason: 'x-enum-titles must label every enum value, in order' });
  }

  // Rules
  const ruleIds = new Set<string>();
  const rules = [...item.conditions.map((r, i) => ({ r, p: `/conditions/${i}` })), ...(item.calculations ?? []).map((r, i) => ({ r, p: `/calculations/${i}` }))];
  for (const { r, p } of rules) {
    if (ruleIds.has(r.id)) out.push({ path: `${p}/id`, reason: `duplicate rule id "${r.id}"` });
    ruleIds.add(r.id);
    feelProblems(r.expression, `${p}/expression`, fields, out);
  }

  // Materials
  const materialCodes = new Set<string>();
  item.materials.forEach((m, i) => {
    if (materialCodes.has(m.code)) out.push({ path: `/materials/${i}/code`, reason: `duplicate material code "${m.code}"` });
    materialCodes.add(m.code);
    if (m.requiredWhen !== undefined) feelProblems(m.requiredWhen, `/materials/${i}/requiredWhen`, fields, out);
    // A material reused from the archives must name a category records can be filed under.
    if (m.reuse?.from === 'archives' && !isCategory(m.reuse.category)) out.push({ path: `/materials/${i}/reuse/category`, reason: `"${m.reuse.category}" is not an archive category (archives/retention.ts: ${ARCHIVE_CATEGORIES.join(', ')})` });
  });

  // Steps and time limits
  const keys = new Set<string>();
  if (item.steps[0]?.key !== 'accept') out.push({ path: '/steps/0/key', reason: 'the first step must be accept (受理)' });
  let promisedSum = 0;
  item.steps.forEach((s, i) => {
    if (keys.has(s.key)) out.push({ path: `/steps/${i}/key`, reason: `step "${s.key}" appears twice` });
    keys.add(s.key);
    if (!isRole(s.role) || NON_STAFF_ROLES.has(s.role)) {
      out.push({ path: `/steps/${i}/role`, reason: `"${s.role}" is not a staff role in iam/roles.ts (${ROLES.filter((r) => !NON_STAFF_ROLES.has(r)).join(', ')})` });
    }
    if (s.promisedDays > s.statutoryDays) out.push({ path: `/steps/${i}/promisedDays`, reason: `promised ${s.promisedDays} days exceed the statutory ${s.statutoryDays}` });
    if (item.instant && (s.promisedDays !== 0 || s.statutoryDays !== 0)) out.push({ path: `/steps/${i}/promisedDays`, reason: 'an instant item (即办件) has no step days' });
    promisedSum += s.promisedDays;
  });
  if (promisedSum > item.timeLimit.promisedDays) out.push({ path: '/timeLimit/promisedDays', reason: `the steps promise ${promisedSum} working days in total, more than the item's ${item.timeLimit.promisedDays}` });
  if (item.timeLimit.promisedDays > item.timeLimit.statutoryDays) out.push({ path: '/timeLimit/promisedDays', reason: `promised ${item.timeLimit.promisedDays} days exceed the statutory ${item.timeLimit.statutoryDays}` });
  if (item.instant && item.timeLimit.promisedDays !== 0) out.push({ path: '/timeLimit/promisedDays', reason: 'an instant item (即办件) is completed at acceptance: promised days must be 0' });

  // Fees: anything charged needs its legal basis (收费依据).
  if (item.fee.amountFen > 0 && !item.fee.basis) out.push({ path: '/fee/basis', reason: 'a fee needs its legal basis' });

  // Chains
  (item.chains ?? []).forEach((c, i) => {
    const p = `/chains/${i}`;
    if (c.when !== undefined) feelProblems(c.when, `${p}/when`, fields, out);
    if (c.action === 'start_item') {
      if (!c.item) out.push({ path: `${p}/item`, reason: 'start_item needs the item code to start' });
      else if (c.item === item.code) out.push({ path: `${p}/item`, reason: 'an item cannot start itself' });
      else if (opts.knownItemCodes && !opts.knownItemCodes.has(c.item)) out.push({ path: `${p}/item`, reason: `unknown chain target item "${c.item}"` });
    } else if (c.item !== undefined) {
      out.push({ path: `${p}/item`, reason: `only start_item names an item (action is ${c.action})` });
    }
    const status = c.params?.status;
    if (c.action === 'set_insured_status') {
      if (typeof status !== 'string' || !INSURED_STATUSES.includes(status)) out.push({ path: `${p}/params/status`, reason: `set_insured_status needs params.status, one of ${INSURED_STATUSES.join(', ')}` });
    }
    if (c.action === 'set_card_status') {
      if (typeof status !== 'string' || !CARD_STATUSES.includes(status)) out.push({ path: `${p}/params/status`, reason: `set_card_status needs params.status, one of ${CARD_STATUSES.join(', ')}` });
    }
  });
  return out;
}

// TypeBox reports a failing union once per member; one line per path and reason is enough.
function dedupe(problems: ItemProblem[]): ItemProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
