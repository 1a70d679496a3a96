import { uuid7 } from '../../../lib/uuid7.js';
import { sql } from 'kysely';
import type { Db } from '../../../db/connect.js';
import { nameToPinyin } from '../names.js';
import { SOURCE_RANK, type ValidPerson } from '../persons.js';
import type { Rejection } from './report.js';
import type { ImportSession } from './session.js';

/** A row that passed validation, with which optional cells were filled in. */
export interface ValidRow {
  rowNo: number;
  person: ValidPerson;
  /** Empty phone/address cells mean "not known here", never "erase". */
  hasPhone: boolean;
  hasAddress: boolean;
}

export interface ChunkCounts {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Rows held back as suspected duplicates (never inserted). */
  queued: number;
  /** Of those, rows that put a new entry in the review queue (0 when the same file is imported again). */
  queuedNew: number;
  /** Field values left alone because a person or an authority set them. */
  keptByProvenance: number;
}

export const emptyCounts = (): ChunkCounts => ({ created: 0, updated: 0, unchanged: 0, rejected: 0, queued: 0, queuedNew: 0, keptByProvenance: 0 });

export interface BatchContext {
  batchId: string;
  actorId: string | null;
  /** Temporary table of every resident ID seen so far in this file, with its first row. */
  seenTable: string;
  /** When given, milliseconds spent per step are added up here (for profiling). */
  profile?: Record<string, number> | undefined;
}

/** The fields an import may set, in the order history rows are written. */
const IMPORT_FIELDS = ['name', 'phone', 'address', 'region_code'] as const;
type ImportField = (typeof IMPORT_FIELDS)[number];

const PERSON_COLUMNS = ['person_id', 'resident_id', 'name', 'name_pinyin', 'name_initials', 'birth_date', 'sex', 'id_area_code', 'region_code', 'phone', 'address'] as const;
const HISTORY_COLUMNS = ['person_id', 'field', 'value', 'source_kind', 'source_ref', 'actor'] as const;
const OUTBOX_COLUMNS = ['event_id', 'type', 'aggregate_type', 'aggregate_id', 'partition_key', 'payload'] as const;

export const DUPLICATE_REASON = '姓名拼音和出生日期与已有人员相同而身份证号码不同（可能输错） / same name pinyin and birth date as an existing person but a different resident ID (possibly mistyped)';

/** Thrown when a concurrent writer got in between: the chunk is retried from scratch. */
export class ChunkConflict extends Error {}

interface Existing {
  person_id: string;
  resident_id: string;
  name: string;
  phone: string | null;
  address: string | null;
  region_code: string;
  version: number;
}

/**
 * Applies one chunk of valid rows in one transaction, set-based: a handful of
 * statements per chunk whatever its size. Decides per row: duplicate within the
 * file, new person, suspected duplicate (queued, not inserted), update under the
 * provenance rule, or unchanged (nothing written at all).
 */
export async function applyChunk(session: ImportSession, ctx: BatchContext, rows: ValidRow[]): Promise<{ counts: ChunkCounts; rejections: Rejection[] }> {
  const counts = emptyCounts();
  const rejections: Rejection[] = [];
  if (rows.length === 0) return { counts, rejections };

  const prof = ctx.profile;
  let mark = performance.now();
  const lap = (step: string) => {
    if (!prof) return;
    const now = performance.now();
    prof[step] = (prof[step] ?? 0) + (now - mark);
    mark = now;
  };
  const result = await session.transaction(async (trx) => {
    lap('begin');
    // 1. Duplicates inside the file: the first occurrence wins.
    const firstInChunk = new Map<string, number>();
    const unique: ValidRow[] = [];
    const rejectDuplicate = (r: ValidRow, firstRow: number) => {
      counts.rejected++;
      rejections.push({
        rowNo: r.rowNo,
        field: 'residentId',
        code: 'duplicate_in_file',
        reason: `与第${firstRow}行的身份证号码重复（以第一次出现的为准） / same resident ID as row ${firstRow} (the first one is kept)`,
        value: r.person.resident_id,
      });
    };
    for (const r of rows) {
      const first = firstInChunk.get(r.person.resident_id);
      if (first !== undefined) rejectDuplicate(r, first);
      else {
        firstInChunk.set(r.person.resident_id, r.rowNo);
        unique.push(r);
      }
    }
    const ids = unique.map((r) => r.person.resident_id);
    const fresh = await sql<{ resident_id: string }>`
      insert into ${sql.table(ctx.seenTable)} (resident_id, row_no)
      select * from unnest(${ids}::text[], ${unique.map((r) => r.rowNo)}::int[])
      on conflict (resident_id) do nothing returning resident_id`.execute(trx);
    lap('seen');
    let candidates = unique;
    if (fresh.rows.length < unique.length) {
      const freshIds = new Set(fresh.rows.map((r) => r.resident_id));
      const earlier = unique.filter((r) => !freshIds.has(r.person.resident_id));
      const firsts = await sql<{ resident_id: string; row_no: number }>`
        select resident_id, row_no from ${sql.table(ctx.seenTable)} where resident_id = any(${earlier.map((r) => r.person.resident_id)}::text[])`.execute(trx);
      const firstRow = new Map(firsts.rows.map((r) => [r.resident_id, r.row_no]));
      for (const r of earlier) rejectDuplicate(r, firstRow.get(r.person.resident_id)!);
      candidates = unique.filter((r) => freshIds.has(r.person.resident_id));
    }

    // 2. Exact resident-ID matches.
    // One index probe per key. (The lateral subquery with OFFSET 0 is not flattened, so the
    // planner cannot choose a scan of all persons, which it did for `= any(…)` and a plain
    // join while the table was small or its statistics stale — and kept doing as it grew.)
    const existingRows = await sql<Existing>`
      select p.* from unnest(${candidates.map((r) => r.person.resident_id)}::char(18)[]) as k(resident_id)
      cross join lateral (
        select person_id, resident_id, name, phone, address, region_code, version
        from persons where resident_id = k.resident_id offset 0) p`.execute(trx);
    lap('exact-id');
    const existing = new Map(existingRows.rows.map((p) => [p.resident_id, p]));
    const newRows = candidates.filter((r) => !existing.has(r.person.resident_id));
    const matched = candidates.filter((r) => existing.has(r.person.resident_id));

    const personRows: unknown[][] = [];
    const historyRows: unknown[][] = [];
    const outboxRows: unknown[][] = [];
    const queueRows: { person_id: string; candidate_resident_id: string; candidate: string; reason: string; source_ref: string }[] = [];

    // 3. New IDs: insert, unless the name pinyin and birth date match someone else's.
    if (newRows.length > 0) {
      const keyOf = (p: { name_pinyin: string; birth_date: string }) => `${p.name_pinyin}|${p.birth_date}`;
      const matches = await sql<{ person_id: string; name_pinyin: string; birth_date: string }>`
        select p.person_id, p.name_pinyin, p.birth_date::text as birth_date
        from unnest(${newRows.map((r) => r.person.name_pinyin)}::text[], ${newRows.map((r) => r.person.birth_date)}::date[]) as k(name_pinyin, birth_date)
        cross join lateral (
          select person_id, name_pinyin, birth_date from persons
          where name_pinyin = k.name_pinyin and birth_date = k.birth_date offset 0) p`.execute(trx);
      lap('lookalike');
      const lookalikes = new Map<string, string[]>();
      for (const m of matches.rows) {
        const key = keyOf(m);
        const list = lookalikes.get(key) ?? [];
        if (!list.includes(m.person_id)) list.push(m.person_id);
        lookalikes.set(key, list);
      }
      for (const r of newRows) {
        const p = r.person;
        const key = keyOf(p);
        const same = lookalikes.get(key);
        if (same && same.length > 0) {
          counts.queued++;
          const candidate = { residentId: p.resident_id, name: p.name, birthDate: p.birth_date, sex: p.sex, regionCode: p.region_code, phone: p.phone, address: p.address, row: r.rowNo, batchId: ctx.batchId };
          // A handful of lookalikes is plenty for a reviewer; a common name could match dozens.
          for (const personId of same.slice(0, 5)) {
            queueRows.push({ person_id: personId, candidate_resident_id: p.resident_id, candidate: JSON.stringify(candidate), reason: DUPLICATE_REASON, source_ref: ctx.batchId });
          }
          continue;
        }
        const personId = uuid7();
        // Later rows of this file with the same key are lookalikes of this one.
        lookalikes.set(key, [personId]);
        counts.created++;
        personRows.push(PERSON_COLUMNS.map((c) => (c === 'person_id' ? personId : p[c])));
        // One history row per field, as everywhere else: a single '*' row with the initial values would
        // save ~3 rows per person but make personAsOf, currentProvenance, the provenance lookup below and
        // the history API special-case it; with time-ordered keys these rows append cheaply. Kept as is.
        for (const f of IMPORT_FIELDS) historyRows.push([personId, f, p[f], 'import', ctx.batchId, ctx.actorId]);
        outboxRows.push(event('person.created', personId, { personId, regionCode: p.region_code, source: 'import', batchId: ctx.batchId }));
      }
      lap('js-new');
    }

    // 4. Exact matches: change what differs, unless a stronger source set it.
    const changes: { row: ValidRow; current: Existing; next: Record<ImportField, string | null>; fields: ImportField[] }[] = [];
    for (const r of matched) {
      const current = existing.get(r.person.resident_id)!;
      const given: Partial<Record<ImportField, string | null>> = { name: r.person.name, region_code: r.person.region_code };
      if (r.hasPhone) given.phone = r.person.phone;
      if (r.hasAddress) given.address = r.person.address;
      const differing = IMPORT_FIELDS.filter((f) => f in given && (given[f] ?? null) !== (current[f] ?? null));
      if (differing.length === 0) {
        counts.unchanged++;
        continue;
      }
      changes.push({ row: r, current, next: { name: current.name, phone: current.phone, address: current.address, region_code: current.region_code, ...pickFields(given, differing) }, fields: differing });
    }
    if (changes.length > 0) {
      const provenance = await sql<{ person_id: string; field: string; source_kind: 'channel' | 'system' | 'import' }>`
        select distinct on (person_id, field) person_id, field, source_kind
        from person_field_history
        where person_id = any(${changes.map((c) => c.current.person_id)}::uuid[]) and field in ('name', 'phone', 'address', 'region_code')
        order by person_id, field, id desc`.execute(trx);
      const strongest = new Map(provenance.rows.map((p) => [`${p.person_id}|${p.field}`, p.source_kind]));
      const updates: { c: (typeof changes)[number]; apply: ImportField[] }[] = [];
      for (const c of changes) {
        const apply: ImportField[] = [];
        for (const f of c.fields) {
          const kind = strongest.get(`${c.current.person_id}|${f}`);
          if (kind && c.current[f] !== null && SOURCE_RANK[kind] > SOURCE_RANK.import) {
            counts.keptByProvenance++;
            c.next[f] = c.current[f];
          } else apply.push(f);
        }
        if (apply.length === 0) counts.unchanged++;
        else updates.push({ c, apply });
      }
      if (updates.length > 0) {
        const col = (f: (u: (typeof updates)[number]) => unknown) => updates.map(f);
        const pinyin = updates.map((u) => nameToPinyin(u.c.next.name!));
        const result = await sql`
          update persons p set
            name = u.name, name_pinyin = u.name_pinyin, name_initials = u.name_initials,
            phone = u.phone, address = u.address, region_code = u.region_code,
            version = p.version + 1, updated_at = now()
          from unnest(${col((u) => u.c.current.person_id)}::uuid[], ${col((u) => u.c.current.version)}::int[],
                      ${col((u) => u.c.next.name)}::text[], ${pinyin.map((p) => p.full)}::text[], ${pinyin.map((p) => p.initials)}::text[],
                      ${col((u) => u.c.next.phone)}::text[], ${col((u) => u.c.next.address)}::text[], ${col((u) => u.c.next.region_code)}::text[])
            as u(person_id, version, name, name_pinyin, name_initials, phone, address, region_code)
          where p.person_id = u.person_id and p.version = u.version`.execute(trx);
        // Someone changed one of these persons since we read them: start the chunk again.
        if (Number(result.numAffectedRows ?? 0) !== updates.length) throw new ChunkConflict('a person changed during the import');
        for (const u of updates) {
          const personId = u.c.current.person_id;
          counts.updated++;
          for (const f of u.apply) historyRows.push([personId, f, u.c.next[f], 'import', ctx.batchId, ctx.actorId]);
          outboxRows.push(event('person.updated', personId, { personId, fields: u.apply, source: 'import', batchId: ctx.batchId }));
        }
      }
    }

    // 5. Writes, set-based.
    lap('updates');
    await session.insertRows('persons', PERSON_COLUMNS, personRows);
    lap('copy-persons');
    await session.insertRows('person_field_history', HISTORY_COLUMNS, historyRows);
    lap('copy-history');
    await session.insertRows('outbox', OUTBOX_COLUMNS, outboxRows);
    lap('copy-outbox');
    if (queueRows.length > 0) counts.queuedNew = await queueLookalikes(trx, queueRows);
    lap('queue');
    await sql`
      update import_batches set
        rows_created = rows_created + ${counts.created}, rows_updated = rows_updated + ${counts.updated},
        rows_unchanged = rows_unchanged + ${counts.unchanged}, rows_queued = rows_queued + ${counts.queued}
      where batch_id = ${ctx.batchId}`.execute(trx);
    lap('batch-row');
    return { counts, rejections };
  });
  lap('commit');
  return result;
}

function pickFields(given: Partial<Record<ImportField, string | null>>, fields: ImportField[]): Partial<Record<ImportField, string | null>> {
  const out: Partial<Record<ImportField, string | null>> = {};
  for (const f of fields) out[f] = given[f] ?? null;
  return out;
}

function event(type: string, personId: string, payload: Record<string, unknown>): unknown[] {
  return [uuid7(), type, 'person', personId, personId, JSON.stringify(payload)];
}

/** Same rule as queueDuplicate: one entry per (person, candidate ID) pair, however often it is seen. Returns how many are new. */
async function queueLookalikes(trx: Db, rows: { person_id: string; candidate_resident_id: string; candidate: string; reason: string; source_ref: string }[]): Promise<number> {
  let added = 0;
  const newCandidates = new Set<string>();
  for (let i = 0; i < rows.length; i += 5000) {
    const inserted = await trx
      .insertInto('duplicate_candidates')
      .values(rows.slice(i, i + 5000))
      .onConflict((oc) => oc.columns(['person_id', 'candidate_resident_id']).doNothing())
      .returning('candidate_resident_id')
      .execute();
    for (const r of inserted) newCandidates.add(r.candidate_resident_id);
  }
  added = newCandidates.size;
  return added;
}
