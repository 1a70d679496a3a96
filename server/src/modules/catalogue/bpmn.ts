/**
 * An item's process as BPMN 2.0 XML: one pool, a lane per role, a user task per step, the
 * correction loop (补正) back to acceptance, the refusal ends (不予受理 / 不予批准) and the
 * diagram interchange (BPMNDI) with coordinates, so any modeler and bpmn-js can draw it.
 * Role, scope and day limits ride on each task as attributes in Tongban's own namespace
 * (no vendor extension such as camunda:); other tools keep them and ignore them.
 */
import type { ItemStep, ServiceItem, StepKind } from './types.js';

export const TONGBAN_BPMN_NS = 'https://tongban.example/schema/bpmn';

const ROLE_NAMES: Record<string, string> = {
  teller: '综合柜员',
  reviewer: '审核人员',
  approver: '审批人员',
  supervisor: '监督人员',
  administrator: '管理员',
  auditor: '审计人员',
  analyst: '分析人员',
};

const LANE_H = 180;
const POOL_LABEL_W = 30;
const COL_W = 150;
const TASK_W = 100;
const TASK_H = 80;
const GW = 50;
const EV = 36;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Node {
  id: string;
  kind: 'start' | 'end' | 'task' | 'gateway';
  name: string;
  lane: number;
  /** centre */
  x: number;
  y: number;
  attrs?: string;
  doc?: string;
}

interface Flow {
  id: string;
  source: string;
  target: string;
  name?: string;
  waypoints: [number, number][];
}

function box(n: Node): { x: number; y: number; w: number; h: number } {
  const [w, h] = n.kind === 'task' ? [TASK_W, TASK_H] : n.kind === 'gateway' ? [GW, GW] : [EV, EV];
  return { x: n.x - w / 2, y: n.y - h / 2, w, h };
}

/** Steps after which the case can end in refusal, and what the outcomes are called. */
const DECISIONS: Partial<Record<StepKind, { pass: string; refuse: string; correction: boolean }>> = {
  accept: { pass: '受理', refuse: '不予受理', correction: true },
  review: { pass: '审核通过', refuse: '审核不通过', correction: true },
  approve: { pass: '批准', refuse: '不予批准', correction: false },
};

export function processId(code: string): string {
  return `Process_${code.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** The BPMN 2.0 definitions document of one item version. */
export function itemToBpmn(item: ServiceItem, meta: { version?: number; effectiveFrom?: string } = {}): string {
  const roles: string[] = [];
  for (const s of item.steps) if (!roles.includes(s.role)) roles.push(s.role);
  const laneOf = (s: ItemStep) => roles.indexOf(s.role);
  const laneCentre = (lane: number) => lane * LANE_H + LANE_H / 2;
  const colX = (col: number) => POOL_LABEL_W + 70 + col * COL_W;

  const nodes: Node[] = [];
  const flows: Flow[] = [];
  const byId = new Map<string, Node>();
  const add = (n: Node) => {
    nodes.push(n);
    byId.set(n.id, n);
    return n;
  };
  let col = 0;
  const first = item.steps[0]!;
  add({ id: 'StartEvent_apply', kind: 'start', name: '申请', lane: laneOf(first), x: colX(col++), y: laneCentre(laneOf(first)) });
  const pending: { from: string; name?: string }[] = [{ from: 'StartEvent_apply' }];
  const taskIds: Record<string, string> = {};
  const corrections: string[] = [];
  const refusals: { gateway: string; name: string; end: string }[] = [];

  for (const s of item.steps) {
    const lane = laneOf(s);
    const id = `Task_${s.key}`;
    taskIds[s.key] = id;
    add({
      id,
      kind: 'task',
      name: s.name.zh,
      lane,
      x: colX(col++),
      y: laneCentre(lane),
      attrs: ` tb:role="${esc(s.role)}" tb:scope="${s.scope}" tb:statutoryDays="${s.statutoryDays}" tb:promisedDays="${s.promisedDays}"`,
      doc: `${s.name.en} — ${s.role} (${s.scope}); ${s.promisedDays}/${s.statutoryDays} working days promised/statutory`,
    });
    for (const p of pending.splice(0)) flows.push({ id: `Flow_${p.from}_${id}`, source: p.from, target: id, ...(p.name ? { name: p.name } : {}), waypoints: [] });
    const decision = DECISIONS[s.key];
    if (decision && !(item.instant && s.key !== 'accept')) {
      const gw = `Gateway_${s.key}`;
      add({ id: gw, kind: 'gateway', name: `${s.name.zh}结果`, lane, x: colX(col++), y: laneCentre(lane) });
      flows.push({ id: `Flow_${id}_${gw}`, source: id, target: gw, waypoints: [] });
      const end = `EndEvent_${s.key}_refused`;
      const g = byId.get(gw)!;
      add({ id: end, kind: 'end', name: decision.refuse, lane, x: g.x, y: g.y + 60 });
      refusals.push({ gateway: gw, name: decision.refuse, end });
      if (decision.correction) corrections.push(gw);
      pending.push({ from: gw, name: decision.pass });
    } else {
      pending.push({ from: id });
    }
  }
  const last = item.steps[item.steps.length - 1]!;
  add({ id: 'EndEvent_done', kind: 'end', name: '办结', lane: laneOf(last), x: colX(col++), y: laneCentre(laneOf(last)) });
  for (const p of pending.splice(0)) flows.push({ id: `Flow_${p.from}_EndEvent_done`, source: p.from, target: 'EndEvent_done', ...(p.name ? { name: p.name } : {}), waypoints: [] });

  // Waypoints of the main path: right side of the source to left side of the target, with an
  // elbow halfway when they sit in different lanes.
  for (const f of flows) {
    const a = box(byId.get(f.source)!);
    const b = box(byId.get(f.target)!);
    const y1 = a.y + a.h / 2;
    const y2 = b.y + b.h / 2;
    const x1 = a.x + a.w;
    const x2 = b.x;
    f.waypoints = y1 === y2 ? [[x1, y1], [x2, y2]] : [[x1, y1], [(x1 + x2) / 2, y1], [(x1 + x2) / 2, y2], [x2, y2]];
  }
  for (const r of refusals) {
    const g = box(byId.get(r.gateway)!);
    const e = box(byId.get(r.end)!);
    flows.push({ id: `Flow_${r.gateway}_refused`, source: r.gateway, target: r.end, name: r.name, waypoints: [[g.x + g.w / 2, g.y + g.h], [e.x + e.w / 2, e.y]] });
  }
  // 补正: back to acceptance, over the top of the acceptance lane.
  const accept = byId.get(taskIds.accept!)!;
  const acceptBox = box(accept);
  const laneTop = accept.lane * LANE_H;
  corrections.forEach((gwId, i) => {
    const g = box(byId.get(gwId)!);
    const overY = laneTop + 12 + i * 10;
    const tx = acceptBox.x + acceptBox.w / 2 + (i - (corrections.length - 1) / 2) * 20;
    flows.push({
      id: `Flow_${gwId}_correction`,
      source: gwId,
      target: accept.id,
      name: '补正（一次性告知）',
      waypoints: [[g.x + g.w / 2, g.y], [g.x + g.w / 2, overY], [tx, overY], [tx, acceptBox.y]],
    });
  });

  const pid = processId(item.code);
  const incoming = (id: string) => flows.filter((f) => f.target === id).map((f) => `      <bpmn:incoming>${f.id}</bpmn:incoming>`);
  const outgoing = (id: string) => flows.filter((f) => f.source === id).map((f) => `      <bpmn:outgoing>${f.id}</bpmn:outgoing>`);
  const tag = { start: 'startEvent', end: 'endEvent', task: 'userTask', gateway: 'exclusiveGateway' } as const;
  const width = colX(col) - COL_W / 2 + 40;
  const height = roles.length * LANE_H;

  const lines: string[] = [];
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(
    `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:tb="${TONGBAN_BPMN_NS}" id="Definitions_${pid}" targetNamespace="${TONGBAN_BPMN_NS}/items" exporter="Tongban" exporterVersion="1">`,
  );
  lines.push(`  <bpmn:collaboration id="Collaboration_${pid}">`);
  lines.push(`    <bpmn:participant id="Participant_${pid}" name="${esc(item.name.zh)}" processRef="${pid}" />`);
  lines.push('  </bpmn:collaboration>');
  lines.push(`  <bpmn:process id="${pid}" name="${esc(item.name.zh)}" isExecutable="false" tb:itemCode="${esc(item.code)}"${meta.version ? ` tb:version="${meta.version}"` : ''}${meta.effectiveFrom ? ` tb:effectiveFrom="${meta.effectiveFrom}"` : ''} tb:statutoryDays="${item.timeLimit.statutoryDays}" tb:promisedDays="${item.timeLimit.promisedDays}">`);
  lines.push(`    <bpmn:documentation>${esc(`${item.name.en}. Legal basis: ${item.legalBasis.map((c) => `${c.law}${c.article ? ' ' + c.article : ''}`).join('; ')}`)}</bpmn:documentation>`);
  lines.push(`    <bpmn:laneSet id="LaneSet_${pid}">`);
  roles.forEach((role, i) => {
    lines.push(`      <bpmn:lane id="Lane_${role}" name="${esc(ROLE_NAMES[role] ?? role)}" tb:role="${esc(role)}">`);
    for (const n of nodes.filter((n) => n.lane === i)) lines.push(`        <bpmn:flowNodeRef>${n.id}</bpmn:flowNodeRef>`);
    lines.push('      </bpmn:lane>');
  });
  lines.push('    </bpmn:laneSet>');
  for (const n of nodes) {
    lines.push(`    <bpmn:${tag[n.kind]} id="${n.id}" name="${esc(n.name)}"${n.attrs ?? ''}>`);
    if (n.doc) lines.push(`      <bpmn:documentation>${esc(n.doc)}</bpmn:documentation>`);
    lines.push(...incoming(n.id), ...outgoing(n.id));
    lines.push(`    </bpmn:${tag[n.kind]}>`);
  }
  for (const f of flows) lines.push(`    <bpmn:sequenceFlow id="${f.id}"${f.name ? ` name="${esc(f.name)}"` : ''} sourceRef="${f.source}" targetRef="${f.target}" />`);
  lines.push('  </bpmn:process>');
  lines.push(`  <bpmndi:BPMNDiagram id="Diagram_${pid}">`);
  lines.push(`    <bpmndi:BPMNPlane id="Plane_${pid}" bpmnElement="Collaboration_${pid}">`);
  lines.push(`      <bpmndi:BPMNShape id="Participant_${pid}_di" bpmnElement="Participant_${pid}" isHorizontal="true">`);
  lines.push(`        <dc:Bounds x="0" y="0" width="${width}" height="${height}" />`);
  lines.push('      </bpmndi:BPMNShape>');
  roles.forEach((role, i) => {
    lines.push(`      <bpmndi:BPMNShape id="Lane_${role}_di" bpmnElement="Lane_${role}" isHorizontal="true">`);
    lines.push(`        <dc:Bounds x="${POOL_LABEL_W}" y="${i * LANE_H}" width="${width - POOL_LABEL_W}" height="${LANE_H}" />`);
    lines.push('      </bpmndi:BPMNShape>');
  });
  for (const n of nodes) {
    const b = box(n);
    lines.push(`      <bpmndi:BPMNShape id="${n.id}_di" bpmnElement="${n.id}"${n.kind === 'gateway' ? ' isMarkerVisible="true"' : ''}>`);
    lines.push(`        <dc:Bounds x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" />`);
    lines.push('      </bpmndi:BPMNShape>');
  }
  for (const f of flows) {
    lines.push(`      <bpmndi:BPMNEdge id="${f.id}_di" bpmnElement="${f.id}">`);
    for (const [x, y] of f.waypoints) lines.push(`        <di:waypoint x="${x}" y="${y}" />`);
    lines.push('      </bpmndi:BPMNEdge>');
  }
  lines.push('    </bpmndi:BPMNPlane>');
  lines.push('  </bpmndi:BPMNDiagram>');
  lines.push('</bpmn:definitions>');
  return lines.join('\n') + '\n';
}
