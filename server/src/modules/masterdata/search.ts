import type { Db } from '../../db/connect.js';
import { compiledTemplate } from '../../db/template.js';
import { parseResidentId } from './identity/resident-id.js';
import { normaliseQuery } from './names.js';
import type { PersonRow } from './persons.js';

// The lookup by resident ID runs on every search at every counter (P2): compiled once and run
// with the ID as its only parameter, not built anew each time.
const byResidentId = compiledTemplate((db: Db, id: string) => db.selectFrom('persons').selectAll().where('resident_id', '=', id));

export type SearchKind = 'resident_id' | 'phone' | 'card' | 'name' | 'pinyin';

/** Which field a query is for, decided from its shape; the caller may force one. */
export function classifyQuery(q: string): SearchKind {
  if (/^[0-9]{15}$|^[0-9]{17}[0-9X]$/i.test(q)) return 'resident_id';
  if (/^1[3-9][0-9]{9}$/.test(q)) return 'phone';
  if (/^[A-Z][0-9]{8}$/i.test(q)) return 'card';
  if (/\p{Script=Han}/u.test(q)) return 'name';
  return 'pinyin';
}

const LIKE_ESCAPE = /[\\%_]/g;
const escapeLike = (s: string) => s.replace(LIKE_ESCAPE, (c) => `\\${c}`);

/**
 * Person search for staff: by ID, Chinese name (prefix), full pinyin or initials
 * (prefix), phone or social security card number. `regionPrefix` limits results to
 * the staff member's scope. Full-width input and spaces are normalised first.
 */
export async function searchPersons(db: Db, rawQuery: string, regionPrefix: string, limit = 20, forced?: SearchKind): Promise<{ kind: SearchKind; rows: PersonRow[] }> {
  const q = normaliseQuery(rawQuery);
  const kind = forced ?? classifyQuery(q);
  if (kind === 'resident_id') {
    // The hot path of every counter (P2): one unique-index probe, the scope checked on the row.
    const parsed = parseResidentId(q);
    if (!parsed.ok) return { kind, rows: [] };
    const row = (await db.executeQuery(byResidentId(db, parsed.value.id))).rows[0];
    return { kind, rows: row && row.region_code.startsWith(regionPrefix) ? [row] : [] };
  }
  let query = db.selectFrom('persons').selectAll('persons').where('persons.region_code', 'like', `${escapeLike(regionPrefix)}%`);
  switch (kind) {
    case 'phone':
      query = query.where('persons.phone', '=', q);
      break;
    case 'card':
      query = query.innerJoin('ss_cards', 'ss_cards.person_id', 'persons.person_id').where('ss_cards.card_no', '=', q.toUpperCase());
      break;
    case 'name':
      query = query.where('persons.name', 'like', `${escapeLike(q)}%`);
      break;
    case 'pinyin': {
      const p = q.toLowerCase().replace(/[^a-zü]/g, '').replaceAll('ü', 'v');
      if (!p) return { kind, rows: [] };
      query = query.where((eb) => eb.or([eb('persons.name_pinyin', 'like', `${p}%`), eb('persons.name_initials', 'like', `${p}%`)]));
      break;
    }
  }
  const rows = await query.orderBy('persons.name_pinyin').orderBy('persons.person_id').limit(limit).execute();
  return { kind, rows };
}
