import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import BpmnModdle from 'bpmn-moddle';
import { DEFAULT_CATALOG_DIR } from '../../config.js';
import { itemToBpmn } from './bpmn.js';
import { CatalogueError, loadItemCatalog } from './loader.js';
import { DOMAINS, type ServiceItem } from './types.js';
import { checkFeel, validateItem } from './validate.js';
import { matchesQuery, mergePatch } from './service.js';

const shipped = loadItemCatalog(DEFAULT_CATALOG_DIR);
const byCode = new Map(shipped.map((l) => [l.item.code, l.item]));
const itemNamed = (zh: string): ServiceItem => {
  const found = shipped.find((l) => l.item.name.zh.includes(zh));
  assert.ok(found, `an item named ${zh}`);
  return found.item;
};

test('every shipped catalogue file loads and validates: at least 24 items covering every domain', () => {
  assert.ok(shipped.length >= 24, `items: ${shipped.length}`);
  for (const d of DOMAINS) assert.ok(shipped.some((l) => l.item.domain === d), `domain ${d} has items`);
  for (const { item, file } of shipped) {
    assert.deepEqual(validateItem(item, { knownItemCodes: new Set(byCode.keys()) }), [], file);
    assert.ok(item.legalBasis.every((c) => c.law && c.effectiveFrom), `${file}: every legal basis has its effective date`);
    const promised = item.steps.reduce((s, st) => s + st.promisedDays, 0);
    assert.ok(promised <= item.timeLimit.promisedDays && item.timeLimit.promisedDays <= item.timeLimit.statutoryDays, `${file}: step days ≤ promised ≤ statutory`);
  }
});

test('the catalogue holds the real rules of its key items', () => {
  const ub = itemNamed('失业保险金');
  assert.ok(ub.legalBasis.some((c) => c.article === '第四十五条') && ub.legalBasis.some((c) => c.article === '第四十六条'));
  assert.ok(ub.conditions.some((c) => c.expression.includes('rights.contributionMonths.unemployment >= param.unemployment.min_contribution_months')));
  assert.ok(ub.conditions.some((c) => c.expression.includes('answers.leftVoluntarily = false')));
  assert.equal(ub.calculations?.find((c) => c.id === 'max_months')?.expression, 'derived.unemploymentMaxMonths');
  // The separation certificate cannot be taken from anywhere: an applicant must bring it.
  const sep = ub.materials.find((m) => m.code === 'separation_certificate');
  assert.ok(sep && !sep.reuse && !sep.requiredWhen);
  assert.ok(ub.chains?.some((c) => c.on === 'approved' && c.action === 'start_unemployment_benefit'));

  const ret = itemNamed('退休');
  assert.deepEqual(ret.chains?.map((c) => c.action).sort(), ['set_card_status', 'set_insured_status', 'start_pension']);
  assert.equal(ret.chains?.find((c) => c.action === 'set_insured_status')?.params?.status, 'retired');

  const loss = itemNamed('挂失');
  assert.equal(loss.instant, true);
  assert.deepEqual([...loss.channels].sort(), ['counter', 'hotline', 'kiosk', 'mobile', 'partner', 'web']);
  assert.ok(loss.outcomeDocuments.includes('card_loss_confirmation'));
  assert.deepEqual(loss.chains?.[0], { on: 'completed', action: 'set_card_status', params: { status: 'lost' } });

  const cert = itemNamed('参保缴费证明');
  assert.equal(cert.instant, true);
  assert.ok(cert.outcomeDocuments.includes('contribution_certificate'));

  const injury = itemNamed('工伤认定');
  assert.match(injury.conditions[0]!.expression, /P30D/);
  assert.match(injury.conditions[0]!.expression, /P1Y/);
  const arbitration = itemNamed('仲裁');
  assert.equal(arbitration.fee.amountFen, 0);
  assert.equal(arbitration.fee.basis?.article, '第五十三条');
  assert.ok(arbitration.timeLimit.extensionDays && arbitration.timeLimit.extensionDays > 0);
  const transfer = itemNamed('转移接续');
  assert.ok(transfer.legalBasis.some((c) => c.docNo === '国办发〔2009〕66号'));
  // Materials reused from master data or the archives (免提交) are declared as such.
  assert.ok(shipped.some((l) => l.item.materials.some((m) => m.reuse?.from === 'masterdata' && m.reuse.field === 'residentId')));
  assert.ok(shipped.some((l) => l.item.materials.some((m) => m.reuse?.from === 'archives' && m.reuse.category === 'hukou_booklet')));
});

// ---------------------------------------------------------------- malformed files

const good = fs.readFileSync(path.join(DEFAULT_CATALOG_DIR, 'items', 'sb-0010-unemployment-benefit.yaml'), 'utf8');

function catalogueWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-catalog-'));
  fs.mkdirSync(path.join(dir, 'items'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'items', name), text);
  return dir;
}

function rejection(files: Record<string, string>): CatalogueError {
  try {
    loadItemCatalog(catalogueWith(files));
  } catch (e) {
    assert.ok(e instanceof CatalogueError, String(e));
    return e;
  }
  assert.fail('the catalogue was accepted');
}

test('a malformed catalogue file is rejected with the file, the path inside it and the reason', () => {
  const cases: { name: string; text: string; path: string; reason: RegExp; extra?: Record<string, string> }[] = [
    { name: 'bad-yaml.yaml', text: good.replace('domain: social_insurance', 'domain: [social_insurance'), path: '', reason: /YAML does not parse/ },
    { name: 'role.yaml', text: good.replace(/role: approver/, 'role: clerk'), path: '/steps/2/role', reason: /"clerk" is not a staff role/ },
    { name: 'feel.yaml', text: good.replace('answers.leftVoluntarily = false', 'answers.leftVoluntarily = '), path: '/conditions/1/expression', reason: /FEEL does not parse/ },
    { name: 'answers.yaml', text: good.replace('answers.leftVoluntarily = false', 'answers.quitByChoice = false'), path: '/conditions/1/expression', reason: /form has no field "quitByChoice"/ },
    { name: 'unknown-fact.yaml', text: good.replace('not(derived.reachedRetirementAge)', 'not(person.retired)'), path: '/conditions/3/expression', reason: /unknown name "person"/ },
    { name: 'schema.yaml', text: good.replace('instant: false', 'instant: maybe'), path: '/instant', reason: /boolean/i },
    { name: 'days.yaml', text: good.replace(/promisedDays: 3/, 'promisedDays: 9'), path: '/steps/1/promisedDays', reason: /exceed the statutory/ },
    { name: 'archive.yaml', text: good.replace('reuse: {from: masterdata, field: residentId}', 'reuse: {from: archives, category: id_scans}'), path: '/materials/0/reuse/category', reason: /"id_scans" is not an archive category/ },
    { name: 'chain.yaml', text: good.replace('action: start_unemployment_benefit', 'action: start_item\n  item: 371000-SB-9999'), path: '/chains/0/item', reason: /unknown chain target item "371000-SB-9999"/ },
  ];
  for (const c of cases) {
    const err = rejection({ [c.name]: c.text });
    const p = err.problems.find((x) => x.path === c.path && c.reason.test(x.reason));
    assert.ok(p, `${c.name}: expected ${c.path} ${c.reason}, got ${err.message}`);
    assert.match(p.file, new RegExp(`items/${c.name}$`));
    assert.match(err.message, new RegExp(`items/${c.name.replace('.', '\\.')} ${c.path.replaceAll('/', '\\/') || '\\/'}`), 'the message names file and path');
    if (c.name !== 'bad-yaml.yaml') assert.ok(p.line && p.line > 1, `${c.name}: line number`);
  }
  // Duplicate codes across files name both files.
  const dup = rejection({ 'a.yaml': good, 'b.yaml': good });
  assert.match(dup.message, /b\.yaml \/code.*duplicate item code 371000-SB-0010 \(also in .*a\.yaml\)/);
});

test('FEEL checks list the facts a rule reads and ignore loop variables and functions', () => {
  const c = checkFeel('count(answers.list) > 0 and every x in answers.list satisfies x > param.y.z and date(asOf) > date("2025-01-01")');
  assert.equal(c.error, null);
  assert.deepEqual(c.roots.sort(), ['answers', 'asOf', 'param']);
  assert.deepEqual(c.answers, ['list']);
  assert.match(checkFeel('(((').error ?? '', /does not parse/);
});

test('draft patches merge like RFC 7396 and search matches Chinese, keywords and pinyin', () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { b: { c: null, x: 1 }, e: [2] }), { a: 1, b: { d: 3, x: 1 }, e: [2] });
  const ub = itemNamed('失业保险金');
  for (const q of ['失业', '失业金', 'shiye', 'sybxj', 'Unemployment', 'SB-0010']) assert.ok(matchesQuery(ub, q), q);
  assert.equal(matchesQuery(ub, '工伤'), false);
});

// ---------------------------------------------------------------- BPMN

test('the BPMN export parses with bpmn-moddle: one user task per step in its role lane, correction loop, refusal ends, diagram', async () => {
  for (const item of [itemNamed('失业保险金'), itemNamed('退休'), itemNamed('挂失')]) {
    const xml = itemToBpmn(item, { version: 1, effectiveFrom: '2025-01-01' });
    const { rootElement, warnings } = await new BpmnModdle().fromXML(xml);
    assert.deepEqual(warnings.map((w) => w.message), [], item.code);
    const proc = rootElement.rootElements.find((e: { $type: string }) => e.$type === 'bpmn:Process');
    const elements = proc.flowElements as { $type: string; id: string; name?: string; sourceRef?: { id: string }; targetRef?: { id: string }; $attrs: Record<string, string> }[];
    const tasks = elements.filter((e) => e.$type === 'bpmn:UserTask');
    assert.deepEqual(tasks.map((t) => t.name), item.steps.map((s) => s.name.zh));
    assert.deepEqual(tasks.map((t) => t.$attrs['tb:role']), item.steps.map((s) => s.role));
    assert.equal(elements.filter((e) => e.$type === 'bpmn:StartEvent').length, 1);
    const ends = elements.filter((e) => e.$type === 'bpmn:EndEvent');
    assert.ok(ends.some((e) => e.name === '办结'));
    assert.ok(ends.some((e) => e.name === '不予受理'), 'refusal at acceptance');
    const flows = elements.filter((e) => e.$type === 'bpmn:SequenceFlow');
    const accept = tasks[0]!;
    assert.ok(flows.some((f) => f.name?.startsWith('补正') && f.targetRef?.id === accept.id), 'a correction flow returns to acceptance');
    if (!item.instant) {
      assert.ok(flows.some((f) => f.sourceRef?.id === 'Gateway_review' && f.targetRef?.id === accept.id), 'review can send the case back for correction');
      assert.ok(ends.some((e) => e.name === '审核不通过'), 'a rejection end after review');
    }
    // Lanes: one per distinct role, each holding exactly the tasks of that role.
    const lanes = proc.laneSets[0].lanes as { $attrs: Record<string, string>; flowNodeRef: { id: string }[] }[];
    assert.deepEqual(lanes.map((l) => l.$attrs['tb:role']), [...new Set(item.steps.map((s) => s.role))]);
    for (const lane of lanes) {
      const inLane = new Set(lane.flowNodeRef.map((r) => r.id));
      for (const t of tasks) assert.equal(inLane.has(t.id), t.$attrs['tb:role'] === lane.$attrs['tb:role'], `${t.id} in lane ${lane.$attrs['tb:role']}`);
    }
    // Diagram interchange: a shape for every node and lane, an edge with waypoints for every flow.
    const plane = rootElement.diagrams[0].plane;
    const drawn = new Set((plane.planeElement as { bpmnElement: { id: string } }[]).map((d) => d.bpmnElement.id));
    for (const e of elements) assert.ok(drawn.has(e.id), `${e.id} is drawn`);
    for (const e of plane.planeElement as { $type: string; waypoint?: unknown[]; bounds?: { width: number } }[]) {
      if (e.$type === 'bpmndi:BPMNEdge') assert.ok((e.waypoint?.length ?? 0) >= 2);
      else assert.ok((e.bounds?.width ?? 0) > 0);
    }
  }
});
