/**
 * What the case engine needs from other modules, in one place. Each port is the other
 * module's own service function; the engine never reads or writes their tables.
 * Item versions are immutable, so they are cached in memory; calendar answers are
 * cached briefly (a newly published calendar is seen within CALENDAR_CACHE_MS).
 */
import type { Db } from '../../db/connect.js';
import type { ServiceItem } from '../catalogue/types.js';
import type { Decision, Facts, RuleSpec } from '../policy/types.js';
import type { Actor } from '../audit/service.js';
import { itemVersionAt as catalogueItemVersionAt, itemVersionById as catalogueItemVersionById, itemVersionOfRow, versionInForceQuery } from '../catalogue/service.js';
import { evaluateRules, replayDecision } from '../policy/rules.js';
import { addWorkingDays as calendarAddWorkingDays } from '../policy/calendar.js';
import { getArchiveRecord, reusableMaterials } from '../archives/service.js';
import { sealSubmission } from '../seals/submission.js';
import { issueDocument } from '../documents/service.js';
import type { DocumentKind } from '../documents/schema.js';
import type { DocumentData } from '../documents/kinds.js';
import { defaultArchiveStore } from '../archives/store.js';

export interface ItemVersion {
  versionId: string;
  version: number;
  effectiveFrom: string;
  item: ServiceItem;
}

export interface ReusableMaterial {
  archiveId: string;
  title: string;
  category: string;
}

export interface CasePorts {
  itemVersionAt(db: Db, code: string, date: string): Promise<ItemVersion | null | undefined>;
  itemVersionById(db: Db, versionId: string): Promise<ItemVersion | null | undefined>;
  /** itemVersionAt in two halves, for a caller that reads it beside other things in one round trip. */
  versionInForceQuery: typeof versionInForceQuery;
  itemVersionOfRow(db: Db, row: { version_id: string; version: number; effective_from: string | null }): Promise<ItemVersion | null | undefined>;
  evaluateRules(db: Db, spec: { conditions: RuleSpec[]; calculations?: RuleSpec[] | undefined }, facts: Facts): Promise<Decision>;
  /** Re-evaluates with the parameter versions and rule texts the decision recorded. */
  replayDecision(db: Db, stored: { decision: Decision; facts: Facts }): Promise<Decision>;
  addWorkingDays(db: Db, from: string, days: number): Promise<string>;
  /** Archived materials of a person the applicant need not submit again (免提交). */
  reusableMaterials(db: Db, personId: string, opts: { categories: string[] }): Promise<ReusableMaterial[]>;
  /** Is this archive record the applicant's own and usable as this material? */
  archiveRecordOwnedBy(db: Db, archiveId: string, owner: { personId: string | null; orgId: string | null }): Promise<boolean>;
  /** Seals the submitted application (answers + material hashes) at submission; returns a reference or null when not wired. */
  sealSubmission(db: Db, input: { caseId: string; personId: string | null; orgId: string | null; trackingNo: string; itemCode: string; payload: Record<string, unknown>; actor: Actor }): Promise<{ id: string } | null>;
  /** Issues an outcome document (acceptance receipt, one-time notice, decision letter); documents.ts builds the data. */
  issueDocument<K extends DocumentKind>(db: Db, kind: K, data: DocumentData[K], actor: Actor, caseId: string | null): Promise<{ id: string; number?: string } | null>;
}

const ITEM_CACHE_MAX = 1000;
const itemById = new Map<string, ItemVersion>();

/** The live ports: the other modules' functions (tests may replace one with setPorts). */
export const ports: CasePorts = {
  itemVersionAt: catalogueItemVersionAt,
  itemVersionById: catalogueItemVersionById,
  versionInForceQuery,
  itemVersionOfRow,
  evaluateRules: (db, spec, facts) => evaluateRules(db, { conditions: spec.conditions, calculations: spec.calculations ?? [] }, facts),
  replayDecision,
  addWorkingDays: calendarAddWorkingDays,
  reusableMaterials: async (db, personId, opts) =>
    (await reusableMaterials(db, personId, { categories: opts.categories })).map((r) => ({ archiveId: r.id, title: r.title, category: r.category })),
  archiveRecordOwnedBy: async (db, archiveId, owner) => {
    if (!/^[0-9a-f-]{36}$/i.test(archiveId)) return false;
    const r = await getArchiveRecord(db, archiveId);
    if (!r || r.disposal_status === 'disposed') return false;
    return (owner.personId !== null && r.person_id === owner.personId) || (owner.orgId !== null && r.org_id === owner.orgId);
  },
  // Sealing needs a person (the seal is made on the applicant's behalf).
  sealSubmission: async (db, input) => {
    const sealed = await sealSubmission(db, { caseId: input.caseId, personId: input.personId, orgId: input.orgId, submittedBy: input.actor, payload: { trackingNo: input.trackingNo, itemCode: input.itemCode, ...input.payload } });
    return { id: sealed.archiveId };
  },
  issueDocument: async (db, kind, data, actor, caseId) => {
    const d = await issueDocument(db, defaultArchiveStore(), kind, data, actor, { caseId });
    return { id: d.documentId, number: d.number };
  },
};

export function setPorts(p: Partial<CasePorts>): void {
  Object.assign(ports, p);
  itemById.clear();
  calendarCache.clear();
}

/** An item version by id, cached: versions never change once published. */
export async function itemVersion(db: Db, versionId: string): Promise<ItemVersion> {
  const hit = itemById.get(versionId);
  if (hit) return hit;
  const v = await ports.itemVersionById(db, versionId);
  if (!v) throw new Error(`item version ${versionId} not found`);
  if (itemById.size >= ITEM_CACHE_MAX) itemById.clear();
  itemById.set(versionId, v);
  return v;
}

export const CALENDAR_CACHE_MS = 60_000;
const calendarCache = new Map<string, { due: string; until: number }>();

export async function addWorkingDays(db: Db, from: string, days: number): Promise<string> {
  const key = `${from}+${days}`;
  const hit = calendarCache.get(key);
  if (hit && hit.until > Date.now()) return hit.due;
  const due = await ports.addWorkingDays(db, from, days);
  if (calendarCache.size >= 10_000) calendarCache.clear();
  calendarCache.set(key, { due, until: Date.now() + CALENDAR_CACHE_MS });
  return due;
}
