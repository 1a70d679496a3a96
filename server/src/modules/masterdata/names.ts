import { pinyin } from 'pinyin-pro';

/** Chinese name normalised: NFKC (full-width → half-width), inner spaces removed, middle dots unified. */
export function normaliseName(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, '').replace(/[·•‧・]/g, '·');
}

/** Toneless pinyin without spaces (张三 → zhangsan) and initials (zs). Surnames use surname readings (单 → shan). */
export function nameToPinyin(name: string): { full: string; initials: string } {
  const syllables = pinyin(name, { toneType: 'none', type: 'array', surname: 'head', v: true, nonZh: 'consecutive' })
    .map((s) => s.toLowerCase().replace(/[^a-z0-9]/g, ''))
    .filter(Boolean);
  return { full: syllables.join(''), initials: syllables.map((s) => s[0]).join('') };
}

/** Search input: full-width letters/digits to half-width, lower case, no spaces or apostrophes (zhang'san). */
export function normaliseQuery(raw: string): string {
  return raw.normalize('NFKC').trim().replace(/[\s']+/g, '');
}
