/**
 * Resident identity number per GB 11643-1999 (公民身份号码):
 * 6-digit area code, 8-digit birth date, 3-digit order (odd = male), check character.
 */

export type ResidentIdReason =
  | 'empty'
  | 'bad_characters'
  | 'bad_length'
  | 'bad_province'
  | 'bad_birth_date'
  | 'future_birth_date'
  | 'too_old'
  | 'check_digit';

export const RESIDENT_ID_REASONS: Record<ResidentIdReason, { zh: string; en: string }> = {
  empty: { zh: '身份证号码为空', en: 'the ID is empty' },
  bad_characters: { zh: '身份证号码含有非法字符（只能是数字，最后一位可以是X）', en: 'the ID may only contain digits, with X allowed as the last character' },
  bad_length: { zh: '身份证号码应为18位（或旧版15位）', en: 'the ID must have 18 characters (or 15 for the old format)' },
  bad_province: { zh: '身份证号码前两位不是有效的省级行政区划代码', en: 'the first two digits are not a valid province code' },
  bad_birth_date: { zh: '身份证号码中的出生日期不存在', en: 'the birth date in the ID is not a real date' },
  future_birth_date: { zh: '身份证号码中的出生日期晚于今天', en: 'the birth date in the ID is in the future' },
  too_old: { zh: '身份证号码中的出生日期早于1900年', en: 'the birth date in the ID is before 1900' },
  check_digit: { zh: '身份证号码校验位不正确，可能有输错的数字', en: 'the check digit does not match (a digit is probably mistyped)' },
};

/** Province-level codes of GB/T 2260, plus 71/81/82 (Taiwan, Hong Kong, Macao) and 83 (residence permits). */
export const PROVINCE_CODES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]);

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** Check character for the first 17 digits (ISO 7064 MOD 11-2). */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

export interface ResidentId {
  id: string;
  birthDate: string;
  sex: 'M' | 'F';
  area: string;
  /** True when a 15-digit ID was upgraded. */
  upgraded: boolean;
}

export type ResidentIdResult = { ok: true; value: ResidentId } | { ok: false; reason: ResidentIdReason; input: string };

/**
 * What people really type: full-width digits and letters (NFKC), lower-case x,
 * spaces, hyphens and other separators inside the number.
 */
export function cleanResidentIdInput(raw: string): string {
  return raw.normalize('NFKC').replace(/[\s\-_.·]/g, '').toUpperCase();
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export function parseResidentId(raw: string, today: Date = new Date()): ResidentIdResult {
  const input = raw;
  const s = cleanResidentIdInput(raw ?? '');
  if (s.length === 0) return { ok: false, reason: 'empty', input };
  if (!/^[0-9]+X?$/.test(s)) return { ok: false, reason: 'bad_characters', input };
  let id: string;
  let upgraded = false;
  if (s.length === 15) {
    if (s.endsWith('X')) return { ok: false, reason: 'bad_characters', input };
    // Old 15-digit IDs: two-digit year of the 1900s; insert "19" and compute the check character.
    const first17 = s.slice(0, 6) + '19' + s.slice(6);
    id = first17 + residentIdCheckChar(first17);
    upgraded = true;
  } else if (s.length === 18) {
    id = s;
  } else {
    return { ok: false, reason: 'bad_length', input };
  }
  if (id.slice(0, 17).includes('X')) return { ok: false, reason: 'bad_characters', input };
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return { ok: false, reason: 'bad_province', input };
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  if (!isRealDate(y, m, d)) return { ok: false, reason: 'bad_birth_date', input };
  if (y < 1900) return { ok: false, reason: 'too_old', input };
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const todayIso = today.toISOString().slice(0, 10);
  if (birthDate > todayIso) return { ok: false, reason: 'future_birth_date', input };
  if (!upgraded && residentIdCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, reason: 'check_digit', input };
  return {
    ok: true,
    value: { id, birthDate, sex: Number(id[16]) % 2 === 1 ? 'M' : 'F', area: id.slice(0, 6), upgraded },
  };
}

/** Builds a valid ID from its parts (demo data and tests). */
export function makeResidentId(area: string, birthDate: string, order: number): string {
  const first17 = area + birthDate.replaceAll('-', '') + String(order).padStart(3, '0');
  return first17 + residentIdCheckChar(first17);
}
