/**
 * The "next step" wizard (智慧人社): for an item, an applicant and what was answered so
 * far, what the system already knows (shown for confirmation, never asked again), the
 * questions still open, live eligibility with the rule and article behind each verdict,
 * and the materials this applicant needs. One function for every channel.
 */
import { evaluate } from 'feelin';
import type { Db } from '../../db/connect.js';
import type { FieldError } from '../../http/errors.js';
import type { ServiceItem, MaterialSpec } from '../catalogue/types.js';
import type { Decision, Facts, TraceEntry } from '../policy/types.js';
import { getPerson, type PersonRow } from '../masterdata/persons.js';
import { currentCardQuery } from '../masterdata/cards.js';
import { getOrganisation } from '../masterdata/organisations.js';
import { standingOf, standingQueries } from '../rights/service.js';
import { accountBalanceQuery, averageIndexOf, averageIndexQueries } from '../insurance/account.js';
import { readTogetherQuery, type readTogether } from '../../db/read-together.js';
import { compiledTemplate } from '../../db/template.js';
import { ports, type ItemVersion } from './ports.js';

export interface Applicant {
  kind: 'person' | 'organisation';
  personId: string | null;
  orgId: string | null;
  name: string;
  regionCode: string;
  person?: PersonRow;
  /** The facts' rows when the caller read them already (with other things, in one round trip). */
  factRows?: PersonFactRows;
}

export type Localised = { zh: string; en: string };
export type KnownSource = 'masterdata' | 'rights' | 'archives' | 'derived';

export interface KnownField {
  field: string;
  label: Localised;
  value: unknown;
  source: KnownSource;
}

export interface Question {
  name: string;
  label: Localised;
  type: string;
  enum?: unknown[];
  enumLabels?: Localised[];
  format?: string;
  required: boolean;
  help?: Localised;
}

export interface RuleVerdict {
  id: string;
  name: Localised;
  result: 'pass' | 'fail' | 'unknown';
  values: Record<string, unknown>;
  citation: TraceEntry['citation'];
  failMessage?: Localised;
}

export interface MaterialView {
  code: string;
  name: Localised;
  required: boolean;
  reason: string;
  original?: boolean;
  copies?: number;
  note?: Localised;
  /** 免提交: the system takes it from master data or the archives. */
  reusable?: { archiveId: string | null; title: string; source: 'masterdata' | 'archives' };
}

export interface WizardResult {
  item: { code: string; versionId: string; name: Localised; instant: boolean };
  known: KnownField[];
  questions: Question[];
  eligibility: { outcome: Decision['outcome']; rules: RuleVerdict[]; results: Record<string, unknown> };
  materials: MaterialView[];
  complete: boolean;
}

interface FormField {
  type: string;
  title: string;
  'x-title-en'?: string;
  description?: string;
  'x-description-en'?: string;
  enum?: unknown[];
  'x-enum-titles'?: Localised[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  'x-prefill'?: string;
}

function formOf(item: ServiceItem): { properties: Record<string, FormField>; required: string[] } {
  const f = item.form as { properties?: Record<string, FormField>; required?: string[]; 'x-order'?: string[] };
  const props = f.properties ?? {};
  // Ask in the order the item lists its fields (x-order), not the database's key order.
  const order = [...(f['x-order'] ?? []).filter((k) => k in props), ...Object.keys(props).filter((k) => !(f['x-order'] ?? []).includes(k))];
  return { properties: Object.fromEntries(order.map((k) => [k, props[k]!])), required: f.required ?? [] };
}

function ageOn(birthDate: string, asOf: string): number {
  let age = Number(asOf.slice(0, 4)) - Number(birthDate.slice(0, 4));
  if (asOf.slice(5) < birthDate.slice(5)) age--;
  return age;
}

// One wizard step reads the applicant's card for the facts and for the materials: once.
type Card = { card_no: string; status: string } | undefined;
const cards = new WeakMap<Applicant, Promise<Card>>();
function cardOf(db: Db, applicant: Applicant): Promise<Card> {
  let card = cards.get(applicant);
  if (!card) cards.set(applicant, (card = currentCardQuery(db, applicant.personId!).executeTakeFirst()));
  return card;
}

/** The facts' reads from master data, the rights record and the pension account, to read together (readTogether). */
export function personFactsQueries(db: Db, personId: string) {
  return { card: currentCardQuery(db, personId), ...standingQueries(db, personId), balance: accountBalanceQuery(db, personId), ...averageIndexQueries(db, personId) };
}

export type PersonFactRows = Awaited<ReturnType<typeof readTogether<ReturnType<typeof personFactsQueries>>>>;

// One round trip, compiled once.
const personFactsQuery = compiledTemplate((db: Db, personId: string) => readTogetherQuery(db, personFactsQueries(db, personId)));

async function readPersonFacts(db: Db, applicant: Applicant) {
  const r = applicant.factRows ?? (await db.executeQuery(personFactsQuery(db, applicant.personId!))).rows[0]!;
  if (!cards.has(applicant)) cards.set(applicant, Promise.resolve(r.card[0]));
  return { card: r.card[0], insurances: standingOf(r.statuses, r.counts), balanceFen: Number(r.balance[0]?.balance_fen ?? 0), averageIndex: await averageIndexOf(db, r) };
}

/** The applicant's facts as the rules see them: master data, the rights record and the answers. */
export async function buildFacts(db: Db, applicant: Applicant, answers: Record<string, unknown>, asOf: string): Promise<Facts> {
  if (applicant.kind === 'organisation') {
    return { asOf, applicant: { kind: 'organisation', orgId: applicant.orgId!, name: applicant.name, regionCode: applicant.regionCode }, rights: { insured: {}, contributionMonths: {} }, answers };
  }
  const personId = applicant.personId!;
  const person = applicant.person ?? (await getPerson(db, personId))!;
  const { card, insurances, balanceFen, averageIndex } = await readPersonFacts(db, applicant);
  const insured: Record<string, string> = {};
  const months: Record<string, number> = {};
  for (const i of insurances) {
    insured[i.insuranceType] = i.status;
    months[i.insuranceType] = i.totalMonths;
  }
  return {
    asOf,
    applicant: {
      kind: 'person',
      personId,
      name: person.name,
      sex: person.sex,
      birthDate: person.birth_date,
      age: ageOn(person.birth_date, asOf),
      regionCode: person.region_code,
      cardStatus: card?.status ?? 'none',
      retired: Object.values(insured).includes('retired'),
    },
    rights: { insured, contributionMonths: months, accountBalance: balanceFen / 100, ...(averageIndex === null ? {} : { averageIndex }) },
    answers,
  };
}

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function sourceOf(path: string): KnownSource {
  if (path.startsWith('rights.')) return 'rights';
  if (path.startsWith('derived.')) return 'derived';
  return 'masterdata';
}

/** Form fields the system answers itself (x-prefill), with their values. */
export function knownFields(item: ServiceItem, facts: Facts): KnownField[] {
  const out: KnownField[] = [];
  for (const [name, f] of Object.entries(formOf(item).properties)) {
    const path = f['x-prefill'];
    if (!path) continue;
    const value = path.startsWith('organisation.') ? getPath(facts.applicant, path.slice('organisation.'.length)) : getPath(facts, path);
    if (value === undefined) continue;
    out.push({ field: name, label: { zh: f.title, en: f['x-title-en'] ?? f.title }, value, source: sourceOf(path) });
  }
  return out;
}

function isAnswered(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

/** The still-unanswered questions, in form order (known fields are never asked). */
export function openQuestions(item: ServiceItem, answers: Record<string, unknown>, known: KnownField[]): Question[] {
  const { properties, required } = formOf(item);
  const knownSet = new Set(known.map((k) => k.field));
  const out: Question[] = [];
  for (const [name, f] of Object.entries(properties)) {
    if (knownSet.has(name) || f['x-prefill'] || isAnswered(answers[name])) continue;
    const q: Question = { name, label: { zh: f.title, en: f['x-title-en'] ?? f.title }, type: f.type, required: required.includes(name) };
    if (f.enum) q.enum = f.enum;
    if (f['x-enum-titles']) q.enumLabels = f['x-enum-titles'];
    if (f.format) q.format = f.format;
    if (f.description) q.help = { zh: f.description, en: f['x-description-en'] ?? f.description };
    out.push(q);
  }
  return out;
}

const DATE_RE = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;
const MONTH_RE = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

/** Checks the answers against the form; every problem at once. Unknown fields are refused. */
export function validateAnswers(item: ServiceItem, answers: Record<string, unknown>, known: KnownField[], opts: { requireAll: boolean }): FieldError[] {
  const { properties, required } = formOf(item);
  const errors: FieldError[] = [];
  const knownSet = new Set(known.map((k) => k.field));
  for (const [name, v] of Object.entries(answers)) {
    const f = properties[name];
    const at = `/body/answers/${name}`;
    if (!f) {
      errors.push({ field: at, reason: 'not a field of this item', code: 'unknown_field' });
      continue;
    }
    if (!isAnswered(v)) continue;
    const typeOk =
      f.type === 'string' ? typeof v === 'string' : f.type === 'integer' ? Number.isInteger(v) : f.type === 'number' ? typeof v === 'number' && Number.isFinite(v) : f.type === 'boolean' ? typeof v === 'boolean' : f.type === 'array' ? Array.isArray(v) : typeof v === 'object';
    if (!typeOk) {
      errors.push({ field: at, reason: `must be of type ${f.type}`, code: 'type' });
      continue;
    }
    if (f.enum && !f.enum.includes(v as never)) errors.push({ field: at, reason: `must be one of ${f.enum.join(', ')}`, code: 'enum' });
    if (typeof v === 'string') {
      if (f.format === 'date' && !DATE_RE.test(v)) errors.push({ field: at, reason: 'must be a date YYYY-MM-DD', code: 'format' });
      if (f.format === 'month' && !MONTH_RE.test(v)) errors.push({ field: at, reason: 'must be a month YYYY-MM', code: 'format' });
      if (f.pattern && !new RegExp(f.pattern, 'u').test(v)) errors.push({ field: at, reason: `must match ${f.pattern}`, code: 'pattern' });
      if (f.minLength !== undefined && v.length < f.minLength) errors.push({ field: at, reason: `at least ${f.minLength} characters`, code: 'minLength' });
      if (f.maxLength !== undefined && v.length > f.maxLength) errors.push({ field: at, reason: `at most ${f.maxLength} characters`, code: 'maxLength' });
    }
    if (typeof v === 'number') {
      if (f.minimum !== undefined && v < f.minimum) errors.push({ field: at, reason: `at least ${f.minimum}`, code: 'minimum' });
      if (f.maximum !== undefined && v > f.maximum) errors.push({ field: at, reason: `at most ${f.maximum}`, code: 'maximum' });
    }
  }
  if (opts.requireAll) {
    for (const name of required) {
      if (knownSet.has(name) || properties[name]?.['x-prefill']) continue;
      if (!isAnswered(answers[name])) errors.push({ field: `/body/answers/${name}`, reason: 'required', code: 'required' });
    }
  }
  return errors;
}

/** FEEL over the facts; true only when the expression says true (unknown facts are not true). */
export function feelTrue(expression: string, facts: Facts): { value: boolean; unknown: boolean } {
  const { value, warnings } = evaluate(expression, facts as unknown as Record<string, unknown>);
  return { value: value === true, unknown: value !== true && warnings.some((w) => w.type.startsWith('NO_')) };
}

/** The materials this applicant needs, and which of them the system already holds (免提交). */
export async function tailorMaterials(db: Db, item: ServiceItem, facts: Facts, applicant: Applicant): Promise<MaterialView[]> {
  const categories = [...new Set(item.materials.flatMap((m) => (m.reuse?.from === 'archives' ? [m.reuse.category] : [])))];
  const archived = categories.length && applicant.personId ? await ports.reusableMaterials(db, applicant.personId, { categories }) : [];
  const master = item.materials.some((m) => m.reuse?.from === 'masterdata') ? await masterRecord(db, applicant) : {};
  return item.materials.map((m) => materialView(m, facts, master, archived));
}

/**
 * What master data holds for the applicant, under the names a material's
 * `reuse: {from: masterdata, field}` uses (residentId, cardNo, organisation.creditCode).
 * A card counts only while it is active: a lost card cannot stand in for itself.
 */
async function masterRecord(db: Db, applicant: Applicant): Promise<Record<string, unknown>> {
  if (applicant.kind === 'person' && applicant.personId) {
    const person = applicant.person ?? (await getPerson(db, applicant.personId));
    const card = await cardOf(db, applicant);
    return { residentId: person?.resident_id ?? null, name: person?.name ?? null, cardNo: card?.status === 'active' ? card.card_no : null };
  }
  if (applicant.orgId) {
    const org = await getOrganisation(db, applicant.orgId);
    return { organisation: org ? { creditCode: org.creditCode, name: org.name } : null };
  }
  return {};
}

function materialView(m: MaterialSpec, facts: Facts, master: Record<string, unknown>, archived: { archiveId: string; title: string; category: string }[]): MaterialView {
  let required = true;
  let reason = '必须提交 / always required';
  if (m.requiredWhen) {
    const r = feelTrue(m.requiredWhen, facts);
    required = r.value;
    reason = r.value ? `需要：${m.requiredWhen} / required because ${m.requiredWhen}` : r.unknown ? `取决于尚未回答的问题：${m.requiredWhen} / depends on an unanswered question` : `无需提交：${m.requiredWhen} 不成立 / not needed`;
  }
  const view: MaterialView = { code: m.code, name: m.name, required, reason };
  if (m.original !== undefined) view.original = m.original;
  if (m.copies !== undefined) view.copies = m.copies;
  if (m.note) view.note = m.note;
  if (m.reuse?.from === 'masterdata') {
    const value = getPath(master, m.reuse.field);
    if (value !== undefined && value !== null) view.reusable = { archiveId: null, title: `主数据 ${m.reuse.field} / master data`, source: 'masterdata' };
  } else if (m.reuse?.from === 'archives') {
    const cat = m.reuse.category;
    const hit = archived.find((a) => a.category === cat);
    if (hit) view.reusable = { archiveId: hit.archiveId, title: hit.title, source: 'archives' };
  }
  return view;
}

export function verdicts(decision: Decision): RuleVerdict[] {
  return decision.trace.map((t) => {
    const v: RuleVerdict = { id: t.ruleId, name: t.name, result: t.result, values: t.values, citation: t.citation };
    if (t.failMessage) v.failMessage = t.failMessage;
    return v;
  });
}

/** Answers merged with the known values: the complete application form as stored with the case. */
export function completedAnswers(answers: Record<string, unknown>, known: KnownField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(answers)) if (isAnswered(v)) out[k] = v;
  // Known values win: a field the system knows is not the applicant's to change here.
  for (const k of known) out[k.field] = k.value;
  return out;
}

export async function wizardStep(db: Db, v: ItemVersion, applicant: Applicant, answers: Record<string, unknown>, asOf: string): Promise<WizardResult & { facts: Facts; decision: Decision }> {
  const item = v.item;
  const preliminary = await buildFacts(db, applicant, {}, asOf);
  const known = knownFields(item, preliminary);
  const merged = completedAnswers(answers, known);
  const facts: Facts = { ...preliminary, answers: merged };
  const questions = openQuestions(item, answers, known);
  const decision = await ports.evaluateRules(db, { conditions: item.conditions, calculations: item.calculations }, facts);
  const materials = await tailorMaterials(db, item, facts, applicant);
  const invalid = validateAnswers(item, answers, known, { requireAll: true });
  return {
    item: { code: item.code, versionId: v.versionId, name: item.name, instant: item.instant },
    known,
    questions,
    eligibility: { outcome: decision.outcome, rules: verdicts(decision), results: decision.results },
    materials,
    complete: invalid.length === 0 && decision.outcome !== 'undetermined',
    facts,
    decision,
  };
}
