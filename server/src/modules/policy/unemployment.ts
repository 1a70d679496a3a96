import type { MaxMonthsBandsValue } from './values.js';

export interface UnemploymentEntitlement {
  eligible: boolean;
  /** 0 when not eligible. */
  maxMonths: number;
}

/**
 * 社会保险法 第四十五条, 第四十六条: eligible after at least `minMonths` (12) months of
 * contributions; the longest period follows the bands, each band from its `fromMonths`
 * inclusive: 满一年不足五年 (12–59 months) → 12; 满五年不足十年 (60–119) → 18; 十年以上 (≥ 120) → 24.
 * So 11 → not eligible, 12 → 12, 59 → 12, 60 → 18, 119 → 18, 120 → 24.
 */
export function unemploymentEntitlement(contributionMonths: number, minMonths: number, bands: MaxMonthsBandsValue): UnemploymentEntitlement {
  if (!Number.isInteger(contributionMonths) || contributionMonths < 0) throw new RangeError(`contribution months must be a non-negative integer, got ${contributionMonths}`);
  if (contributionMonths < minMonths) return { eligible: false, maxMonths: 0 };
  let maxMonths = 0;
  for (const band of bands) if (contributionMonths >= band.fromMonths) maxMonths = band.maxMonths;
  return { eligible: maxMonths > 0, maxMonths };
}

/** The monthly benefit: the minimum wage × the share, rounded to the fen half-up. */
export function unemploymentBenefitMonthlyFen(minimumWageFen: number, share: number): number {
  // share has at most 4 decimals in practice (0.9, 0.85): scale to basis points exactly.
  const bp = Math.round(share * 10_000);
  return Math.floor((minimumWageFen * bp * 2 + 10_000) / 20_000);
}
