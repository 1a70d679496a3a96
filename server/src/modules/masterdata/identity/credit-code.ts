/**
 * Unified social credit code per GB 32100-2015 (统一社会信用代码): 18 characters,
 * registration authority (1), organisation type (1), area code (6), organisation
 * code (9, GB 11714), check character (1).
 */
export const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type CreditCodeReason = 'empty' | 'bad_length' | 'bad_characters' | 'check_character';

export const CREDIT_CODE_REASONS: Record<CreditCodeReason, { zh: string; en: string }> = {
  empty: { zh: '统一社会信用代码为空', en: 'the credit code is empty' },
  bad_length: { zh: '统一社会信用代码应为18位', en: 'the credit code must have 18 characters' },
  bad_characters: { zh: '统一社会信用代码含有非法字符（不使用I、O、Z、S、V）', en: 'the credit code contains characters outside its set (I, O, Z, S, V are not used)' },
  check_character: { zh: '统一社会信用代码校验位不正确', en: 'the check character does not match' },
};

export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_CODE_CHARSET.indexOf(first17[i]!) * WEIGHTS[i]!;
  const c = 31 - (sum % 31);
  return CREDIT_CODE_CHARSET[c === 31 ? 0 : c]!;
}

export type CreditCodeResult = { ok: true; value: { code: string; area: string } } | { ok: false; reason: CreditCodeReason };

export function parseCreditCode(raw: string): CreditCodeResult {
  const s = (raw ?? '').normalize('NFKC').replace(/[\s\-]/g, '').toUpperCase();
  if (!s) return { ok: false, reason: 'empty' };
  if (s.length !== 18) return { ok: false, reason: 'bad_length' };
  for (const ch of s) if (!CREDIT_CODE_CHARSET.includes(ch)) return { ok: false, reason: 'bad_characters' };
  if (creditCodeCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, reason: 'check_character' };
  return { ok: true, value: { code: s, area: s.slice(2, 8) } };
}

export function makeCreditCode(first17: string): string {
  return first17 + creditCodeCheckChar(first17);
}
