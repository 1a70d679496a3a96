import { pinyin } from 'pinyin-pro';

/** Chinese name normalised: NFKC (full-width → half-width), inner spaces removed, middle dots unified. */
export function normaliseName(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, '').replace(/[·•‧・]/g, '·');
}

// Names repeat a lot (王伟, 张敏 …) and pinyin conversion is the costliest step of a bulk
// import, so recent results are kept; the cache is emptied when it grows past its bound.
const PINYIN_CACHE_MAX = 100_000;
const pinyinCache = new Map<string, { full: string; initials: string }>();

/** Toneless pinyin without spaces (张三 → zhangsan) and initials (zs). Surnames use surname readings (单 → shan). */
export function nameToPinyin(name: string): { full: string; initials: string } {
  const hit = pinyinCache.get(name);
  if (hit) return hit;
  const value = convertToPinyin(name);
  if (pinyinCache.size >= PINYIN_CACHE_MAX) pinyinCache.clear();
  pinyinCache.set(name, value);
  return value;
}

function convertToPinyin(name: string): { full: string; initials: string } {
  const syllables = pinyin(name, { toneType: 'none', type: 'array', surname: 'head', v: true, nonZh: 'consecutive' })
    .map((s) => s.toLowerCase().replace(/[^a-z0-9]/g, ''))
    .filter(Boolean);
  return { full: syllables.join(''), initials: syllables.map((s) => s[0]).join('') };
}

/** Search input: full-width letters/digits to half-width, lower case, no spaces or apostrophes (zhang'san). */
export function normaliseQuery(raw: string): string {
  return raw.normalize('NFKC').trim().replace(/[\s']+/g, '');
}
