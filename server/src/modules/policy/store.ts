import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { CalendarYear } from './catalog.js';
import { ParameterSnapshot } from './snapshot.js';
import type { ParameterVersionRecord } from './types.js';
import { WorkingCalendar } from './working-days.js';
import type { ParameterVersionTable } from './schema.js';
import type { Selectable } from 'kysely';

/**
 * The in-process snapshot of published parameters and working calendars, one per database
 * handle. Reading a parameter is a map lookup; the snapshot is rebuilt when this process
 * publishes or syncs, and otherwise when a cheap stamp query (at most every few seconds)
 * shows that another replica did. Pass the root Db, not a transaction: published versions
 * never change, so they need no transaction, and a transaction would get its own snapshot.
 */
export interface PolicyState {
  params: ParameterSnapshot;
  calendar: WorkingCalendar;
  stamp: string;
}

const RECHECK_MS = 5_000;
interface Entry {
  state: Promise<PolicyState>;
  checkedAt: number;
}
const cache = new WeakMap<Db, Entry>();

async function stampOf(db: Db): Promise<string> {
  const r = await sql<{ n: number; v: string | null; p: Date | string | null; c: Date | string | null; y: number }>`
    select (select count(*) from parameter_versions where status <> 'draft')::int as n,
           (select max(version_id) from parameter_versions where status <> 'draft') as v,
           (select max(published_at) from parameter_versions) as p,
           (select max(loaded_at) from working_calendars) as c,
           (select count(*) from working_calendars)::int as y`.execute(db);
  const row = r.rows[0]!;
  const iso = (v: Date | string | null) => (v instanceof Date ? v.toISOString() : String(v));
  return `${row.n}|${row.v}|${iso(row.p)}|${iso(row.c)}|${row.y}`;
}

export function recordOf(r: Selectable<ParameterVersionTable>): ParameterVersionRecord {
  return {
    key: r.key,
    versionId: r.version_id,
    effectiveFrom: r.effective_from,
    effectiveTo: null,
    value: r.value,
    unit: r.unit,
    scope: r.scope,
    citation: r.citation,
    status: r.status,
    source: r.source,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    publishedBy: r.published_by,
    publishedAt: r.published_at ? new Date(r.published_at).toISOString() : null,
    reason: r.reason,
    superseded: false,
  };
}

async function load(db: Db): Promise<PolicyState> {
  const stamp = await stampOf(db);
  const rows = await db
    .selectFrom('parameter_versions')
    .selectAll()
    .where('status', '<>', 'draft')
    .orderBy('published_at')
    .orderBy('version_id')
    .execute();
  const defs = await db.selectFrom('parameter_definitions').selectAll().execute();
  const cals = await db.selectFrom('working_calendars').select(['calendar']).orderBy('year').execute();
  return {
    params: new ParameterSnapshot(
      rows.map(recordOf),
      defs.map((d) => ({ key: d.key, name: { zh: d.name_zh, en: d.name_en }, unit: d.unit, scope: d.scope, ...(d.description ? { description: d.description } : {}) })),
    ),
    calendar: new WorkingCalendar(cals.map((c) => c.calendar as CalendarYear)),
    stamp,
  };
}

// By stamp, for callers inside a transaction (a Kysely transaction is a new object each time,
// so it cannot key the cache): one stamp query, then the snapshot any handle already built.
const byStamp = new Map<string, Promise<PolicyState>>();
function remember(state: Promise<PolicyState>): void {
  state.then(
    (s) => {
      byStamp.delete(s.stamp);
      byStamp.set(s.stamp, state);
      if (byStamp.size > 16) byStamp.delete(byStamp.keys().next().value!);
    },
    () => undefined,
  );
}

export async function policyState(db: Db): Promise<PolicyState> {
  if (db.isTransaction) {
    const stamp = await stampOf(db);
    const hit = byStamp.get(stamp);
    if (hit) return hit;
    const state = load(db);
    remember(state);
    return state;
  }
  const entry = cache.get(db);
  const now = Date.now();
  if (entry && now - entry.checkedAt < RECHECK_MS) return entry.state;
  if (entry) {
    entry.checkedAt = now;
    const current = await entry.state.catch(() => null);
    if (current && current.stamp === (await stampOf(db))) return current;
  }
  const state = load(db);
  remember(state);
  cache.set(db, { state, checkedAt: now });
  state.catch(() => cache.delete(db));
  return state;
}

/** Forget the snapshot (after this process published or synced). */
export function invalidatePolicyState(db: Db): void {
  cache.delete(db);
}
