import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { maskPhone, maskResidentId } from '../../lib/mask.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { parseResidentId, RESIDENT_ID_REASONS } from './identity/resident-id.js';
import { nameToPinyin, normaliseName } from './names.js';
import type { PersonTable, SourceKind } from './schema.js';
import type { Selectable } from 'kysely';

export type PersonRow = Selectable<PersonTable>;

/** Fields whose history and provenance are kept; identity fields derive from the resident ID. */
export const TRACKED_FIELDS = ['name', 'phone', 'address', 'region_code', 'household_id', 'household_relation'] as const;
export type TrackedField = (typeof TRACKED_FIELDS)[number];

/**
 * Provenance rank: a value from a stronger source is never overwritten by a weaker one.
 * system = an authoritative exchange (public security, civil affairs); channel = given
 * by the person or verified by staff at a counter (both current, so the later wins);
 * import = a legacy batch, which never overwrites what a person or an authority said.
 */
export const SOURCE_RANK: Record<SourceKind, number> = { system: 2, channel: 2, import: 1 };

export interface Source {
  kind: SourceKind;
  /** Channel name, system name or import batch id. */
  ref: string;
  actor: string | null;
}

export interface PersonInput {
  residentId: string;
  name: string;
  phone?: string | null;
  address?: string | null;
  regionCode: string;
  householdId?: string | null;
  householdRelation?: string | null;
}

export interface ValidPerson {
  resident_id: string;
  name: string;
  name_pinyin: string;
  name_initials: string;
  birth_date: string;
  sex: 'M' | 'F';
  id_area_code: string;
  region_code: string;
  phone: string | null;
  address: string | null;
  household_id: string | null;
  household_relation: string | null;
}

export interface PersonFieldError {
  field: string;
  reason: string;
  code: string;
}

const PHONE = /^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$/;

/** Validates and normalises one person; returns every problem at once. */
export function validatePerson(input: PersonInput, extra?: { birthDate?: string | undefined; sex?: string | undefined }): { ok: true; value: ValidPerson } | { ok: false; errors: PersonFieldError[] } {
  const errors: PersonFieldError[] = [];
  const id = parseResidentId(input.residentId ?? '');
  if (!id.ok) errors.push({ field: 'residentId', code: id.reason, reason: `${RESIDENT_ID_REASONS[id.reason].zh} / ${RESIDENT_ID_REASONS[id.reason].en}` });
  const name = normaliseName(input.name ?? '');
  if (!name) errors.push({ field: 'name', code: 'required', reason: '姓名不能为空 / name is required' });
  else if (name.length > 50) errors.push({ field: 'name', code: 'too_long', reason: '姓名过长 / name is too long' });
  else if (/[0-9<>{}$;]/.test(name)) errors.push({ field: 'name', code: 'bad_characters', reason: '姓名含有非法字符 / name contains invalid characters' });
  const phone = input.phone ? input.phone.normalize('NFKC').replace(/[\s]/g, '') : null;
  if (phone && !PHONE.test(phone)) errors.push({ field: 'phone', code: 'bad_phone', reason: '电话号码格式不正确 / phone number is not valid' });
  const region = (input.regionCode ?? '').normalize('NFKC').trim();
  if (!/^[0-9]{6}([0-9]{3}([0-9]{3})?)?$/.test(region)) errors.push({ field: 'regionCode', code: 'bad_region', reason: '行政区划代码格式不正确 / region code must have 6, 9 or 12 digits' });
  if (id.ok && extra?.birthDate && extra.birthDate !== id.value.birthDate) {
    errors.push({ field: 'birthDate', code: 'mismatch', reason: `出生日期与身份证号码不一致（号码为${id.value.birthDate}） / birth date does not match the ID (${id.value.birthDate})` });
  }
  if (id.ok && extra?.sex) {
    const sex = normaliseSex(extra.sex);
    if (sex !== id.value.sex) errors.push({ field: 'sex', code: 'mismatch', reason: `性别与身份证号码不一致 / sex does not match the ID (${id.value.sex})` });
  }
  if (errors.length > 0 || !id.ok) return { ok: false, errors };
  const py = nameToPinyin(name);
  return {
    ok: true,
    value: {
      resident_id: id.value.id,
      name,
      name_pinyin: py.full,
      name_initials: py.initials,
      birth_date: id.value.birthDate,
      sex: id.value.sex,
      id_area_code: id.value.area,
      region_code: region,
      phone,
      address: input.address?.trim() || null,
      household_id: input.householdId ?? null,
      household_relation: input.householdRelation ?? null,
    },
  };
}

export function normaliseSex(raw: string): 'M' | 'F' | null {
  const s = raw.normalize('NFKC').trim().toUpperCase();
  if (['M', '男', 'MALE', '1'].includes(s)) return 'M';
  if (['F', '女', 'FEMALE', '2'].includes(s)) return 'F';
  return null;
}

/** Masked view for lists and search results. */
export function presentPersonMasked(p: PersonRow) {
  return {
    personId: p.person_id,
    residentId: maskResidentId(p.resident_id)!,
    name: p.name,
    namePinyin: p.name_pinyin,
    birthDate: p.birth_date,
    sex: p.sex,
    regionCode: p.region_code,
    phone: maskPhone(p.phone),
    masked: true,
  };
}

export function presentPersonFull(p: PersonRow) {
  return {
    personId: p.person_id,
    residentId: p.resident_id,
    name: p.name,
    namePinyin: p.name_pinyin,
    birthDate: p.birth_date,
    sex: p.sex,
    regionCode: p.region_code,
    phone: p.phone,
    address: p.address,
    householdId: p.household_id,
    householdRelation: p.household_relation,
    idAreaCode: p.id_area_code,
    version: p.version,
    masked: false,
  };
}

/** The audit image of a person: identifiers masked, free text omitted. */
export function auditImage(p: Partial<ValidPerson>): Record<string, unknown> {
  return {
    resident_id: maskResidentId(p.resident_id ?? null),
    name: p.name,
    phone: maskPhone(p.phone ?? null),
    region_code: p.region_code,
    address: p.address ? '[set]' : null,
  };
}

async function writeHistory(trx: Db, personId: string, fields: Partial<Record<TrackedField, string | null>>, source: Source): Promise<void> {
  const rows = Object.entries(fields).map(([field, value]) => ({
    person_id: personId,
    field,
    value: value ?? null,
    source_kind: source.kind,
    source_ref: source.ref,
    actor: source.actor,
  }));
  if (rows.length) await trx.insertInto('person_field_history').values(rows).execute();
}

/** Registers a new person (one record per resident ID). */
export async function createPerson(db: Db, actor: Actor, source: Source, person: ValidPerson): Promise<PersonRow> {
  return db.transaction().execute(async (trx) => {
    const personId = uuid7();
    const inserted = await trx
      .insertInto('persons')
      .values({ person_id: personId, ...person })
      .onConflict((oc) => oc.column('resident_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) throw new AppError('PERSON_EXISTS');
    await writeHistory(trx, personId, pickTracked(person), source);
    await recordEvent(trx, { type: 'person.created', aggregateType: 'person', aggregateId: personId, payload: { personId, regionCode: person.region_code, source: source.kind } });
    await appendAudit(trx, actor, { action: 'person.create', objectType: 'person', objectId: personId, after: auditImage(person) });
    return inserted;
  });
}

export function pickTracked(p: Partial<ValidPerson>): Partial<Record<TrackedField, string | null>> {
  const out: Partial<Record<TrackedField, string | null>> = {};
  for (const f of TRACKED_FIELDS) if (f in p && p[f] !== undefined) out[f] = p[f] ?? null;
  return out;
}

/** Current provenance per tracked field of one person. */
export async function currentProvenance(db: Db, personId: string): Promise<Map<string, { kind: SourceKind; ref: string; at: Date }>> {
  const rows = await db
    .selectFrom('person_field_history')
    .select(['field', 'source_kind', 'source_ref', 'recorded_at', 'id'])
    .where('person_id', '=', personId)
    .orderBy('id', 'asc')
    .execute();
  const out = new Map<string, { kind: SourceKind; ref: string; at: Date }>();
  for (const r of rows) out.set(r.field, { kind: r.source_kind, ref: r.source_ref, at: new Date(r.recorded_at) });
  return out;
}

export interface UpdateOutcome {
  person: PersonRow;
  changed: TrackedField[];
  /** Fields left alone because a stronger source set them. */
  keptByProvenance: TrackedField[];
}

/**
 * Applies changed fields under the provenance rule. Nothing changes (no history row,
 * no event, no version bump) when every given value equals the current one.
 * `expectedVersion` gives optimistic locking for edits made in a form.
 */
export async function updatePerson(
  db: Db,
  actor: Actor,
  source: Source,
  personId: string,
  changes: Partial<Record<TrackedField, string | null>>,
  expectedVersion?: number,
): Promise<UpdateOutcome> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('persons').selectAll().where('person_id', '=', personId).forUpdate().executeTakeFirst();
    if (!current) throw new AppError('NOT_FOUND');
    if (expectedVersion !== undefined && current.version !== expectedVersion) throw new AppError('CONFLICT');
    const provenance = await currentProvenance(trx, personId);
    const apply: Partial<Record<TrackedField, string | null>> = {};
    const kept: TrackedField[] = [];
    for (const field of TRACKED_FIELDS) {
      if (!(field in changes)) continue;
      const next = changes[field] ?? null;
      if ((current[field] ?? null) === next) continue;
      const prov = provenance.get(field);
      if (prov && current[field] !== null && SOURCE_RANK[prov.kind] > SOURCE_RANK[source.kind]) {
        kept.push(field);
        continue;
      }
      apply[field] = next;
    }
    const changed = Object.keys(apply) as TrackedField[];
    if (changed.length === 0) return { person: current, changed, keptByProvenance: kept };
    const set: Record<string, unknown> = { ...apply, version: current.version + 1, updated_at: new Date() };
    if (apply.name) {
      const py = nameToPinyin(apply.name);
      set.name_pinyin = py.full;
      set.name_initials = py.initials;
    }
    const updated = await trx.updateTable('persons').set(set).where('person_id', '=', personId).returningAll().executeTakeFirstOrThrow();
    await writeHistory(trx, personId, apply, source);
    await recordEvent(trx, { type: 'person.updated', aggregateType: 'person', aggregateId: personId, payload: { personId, fields: changed, source: source.kind } });
    await appendAudit(trx, actor, { action: 'person.update', objectType: 'person', objectId: personId, before: auditImage(current as unknown as ValidPerson), after: auditImage(updated as unknown as ValidPerson) });
    return { person: updated, changed, keptByProvenance: kept };
  });
}

/** The person as recorded at the end of `date` (YYYY-MM-DD): tracked fields rebuilt from history. */
export async function personAsOf(db: Db, personId: string, date: string): Promise<(PersonRow & { provenance: Record<string, { source: SourceKind; ref: string; at: string }> }) | null> {
  const person = await db.selectFrom('persons').selectAll().where('person_id', '=', personId).executeTakeFirst();
  if (!person) return null;
  const end = new Date(`${date}T23:59:59.999+08:00`);
  // V8 rolls 2025-02-31 over to March; a date that does not round-trip is not a real date.
  const realDay = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(end.getTime()) || Number.isNaN(realDay.getTime()) || realDay.toISOString().slice(0, 10) !== date) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/querystring/asOf', reason: 'not a real date', code: 'date' }] });
  if (new Date(person.created_at) > end) return null;
  const rows = await db
    .selectFrom('person_field_history')
    .selectAll()
    .where('person_id', '=', personId)
    .where('recorded_at', '<=', end)
    .orderBy('id', 'asc')
    .execute();
  const out = { ...person, provenance: {} as Record<string, { source: SourceKind; ref: string; at: string }> };
  for (const r of rows) {
    (out as Record<string, unknown>)[r.field] = r.value;
    out.provenance[r.field] = { source: r.source_kind, ref: r.source_ref, at: new Date(r.recorded_at).toISOString() };
  }
  if (rows.some((r) => r.field === 'name')) {
    const py = nameToPinyin(out.name);
    out.name_pinyin = py.full;
    out.name_initials = py.initials;
  }
  return out;
}

export async function personHistory(db: Db, personId: string) {
  return db.selectFrom('person_field_history').selectAll().where('person_id', '=', personId).orderBy('id', 'asc').execute();
}

export async function findPersonByResidentId(db: Db, residentId: string): Promise<PersonRow | undefined> {
  return db.selectFrom('persons').selectAll().where('resident_id', '=', residentId).executeTakeFirst();
}

export async function getPerson(db: Db, personId: string): Promise<PersonRow | undefined> {
  return db.selectFrom('persons').selectAll().where('person_id', '=', personId).executeTakeFirst();
}

export async function countPersons(db: Db): Promise<number> {
  const r = await db.selectFrom('persons').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
