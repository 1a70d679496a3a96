import { makeCreditCode } from '../masterdata/identity/credit-code.js';
import { WORK_INJURY_BP } from './params.js';
import { Rng, Weighted } from './random.js';
import { DISTRICTS, type CityMap } from './regions.js';

/**
 * Employers of the demo city: enterprises (credit code 91…), individual businesses
 * (92…) and public institutions (12…), named the way Weihai's are, with sizes skewed
 * like a real labour market (many small firms, a few large ones).
 */

export interface Employer {
  orgId: string;
  creditCode: string;
  name: string;
  orgType: 'enterprise' | 'individual_business' | 'public_institution';
  industryCode: string;
  regionCode: string;
  districtIndex: number;
  /** Relative headcount: people pick employers in proportion. */
  size: number;
  workInjuryBp: number;
  /** The latest months this employer has not paid (arrears), 0 for most. */
  arrearsMonths: number;
}

interface Industry {
  code: string;
  words: string[];
  weight: number;
  /** Index into WORK_INJURY_BP. */
  risk: number;
}

// GB/T 4754-2017 sections, with the trades that make up Weihai's economy.
const INDUSTRIES: Industry[] = [
  { code: 'A', words: ['水产养殖', '海洋牧场', '果品', '海参养殖'], weight: 6, risk: 4 },
  { code: 'C', words: ['水产', '食品', '机械制造', '轮胎', '渔具', '医疗器械', '纺织服装', '船舶修造', '电子科技', '海洋生物', '印刷', '精密机械'], weight: 30, risk: 3 },
  { code: 'E', words: ['建筑工程', '建设', '装饰工程'], weight: 8, risk: 5 },
  { code: 'F', words: ['商贸', '超市', '医药连锁', '海产品贸易'], weight: 16, risk: 0 },
  { code: 'G', words: ['物流', '港务', '运输'], weight: 6, risk: 4 },
  { code: 'H', words: ['酒店管理', '餐饮管理'], weight: 7, risk: 1 },
  { code: 'I', words: ['信息技术', '软件', '网络科技'], weight: 4, risk: 0 },
  { code: 'K', words: ['房地产开发', '物业管理'], weight: 5, risk: 1 },
  { code: 'L', words: ['人力资源服务', '企业管理咨询'], weight: 4, risk: 0 },
  { code: 'M', words: ['检测技术', '工程设计'], weight: 3, risk: 0 },
  { code: 'N', words: ['环境工程', '园林绿化'], weight: 2, risk: 2 },
  { code: 'O', words: ['家政服务', '汽车维修'], weight: 3, risk: 2 },
];
const INDUSTRY = new Weighted(INDUSTRIES, INDUSTRIES.map((i) => i.weight));
const TRADE_CHARS = '海达通华泰盛兴远洋鑫源恒利丰瑞宏金正信安康荣昌威东方永益德嘉汇新明光宇博凯鼎旺顺';
const SHOP_KINDS = ['饭店', '超市', '汽修部', '水产店', '理发店', '便利店', '五金店', '海鲜酒家'];
const PUBLIC_KINDS: { suffix: string; industry: string }[] = [
  { suffix: '中心小学', industry: 'P' },
  { suffix: '初级中学', industry: 'P' },
  { suffix: '卫生院', industry: 'Q' },
  { suffix: '中心幼儿园', industry: 'P' },
];

/** Check character of a GB 11714 organisation code body (8 characters). */
export function orgCodeCheckChar(body8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = body8[i]!;
    const v = ch >= '0' && ch <= '9' ? Number(ch) : ch.charCodeAt(0) - 55;
    sum += v * weights[i]!;
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

export function creditCodeFor(kind: '91' | '92' | '12', area: string, body8: string): string {
  return makeCreditCode(kind + area + body8 + orgCodeCheckChar(body8));
}

/** How many employers a city of `persons` people has: about one per 40 working-age residents. */
export function employerCount(persons: number): number {
  return Math.max(3, Math.round((persons * 0.62) / 40));
}

/**
 * Generates the employers. Organisation code bodies come from a bijection of the
 * index (old 8-digit codes, or 'MA' + 6 digits for firms registered since 2015), so
 * they are unique without remembering them.
 */
export function generateEmployers(count: number, seed: number, map: CityMap): Employer[] {
  const rng = new Rng(seed, 11);
  const ids = new Rng(seed, 12);
  const offset8 = rng.int(0, 99_999_999);
  const offset6 = rng.int(0, 999_999);
  const districtWeights = new Weighted(
    DISTRICTS.map((_, i) => i),
    DISTRICTS.map((d) => d.population),
  );
  const townsByDistrict = DISTRICTS.map((d) => map.towns.filter((t) => t.district.code === d.code));
  const names = new Set<string>();
  const out: Employer[] = [];
  const publicSlots = map.towns.flatMap((town) => PUBLIC_KINDS.map((k) => ({ town, ...k })));
  const publicCount = Math.min(publicSlots.length, Math.round(count * 0.04));
  for (let i = 0; i < count; i++) {
    const isPublic = i % 25 === 24 && Math.floor(i / 25) < publicCount;
    const body = rng.chance(0.45) || isPublic ? String((i * 7_777_777 + offset8) % 100_000_000).padStart(8, '0') : 'MA' + String((i * 777_781 + offset6) % 1_000_000).padStart(6, '0');
    let e: Omit<Employer, 'orgId' | 'arrearsMonths'>;
    if (isPublic) {
      const slot = publicSlots[Math.floor(i / 25)]!;
      const d = DISTRICTS.indexOf(slot.town.district);
      e = {
        creditCode: creditCodeFor('12', slot.town.district.code, body),
        name: `${slot.town.district.name}${slot.town.name.replace(/(街道|镇)$/, '')}${slot.suffix}`,
        orgType: 'public_institution',
        industryCode: slot.industry,
        regionCode: slot.town.code,
        districtIndex: d,
        size: 1.5 + rng.next() * 2,
        workInjuryBp: WORK_INJURY_BP[0],
      };
    } else {
      const d = districtWeights.draw(rng);
      const district = DISTRICTS[d]!;
      const town = rng.pick(townsByDistrict[d]!);
      const industry = INDUSTRY.draw(rng);
      const trade = () => TRADE_CHARS[rng.int(0, TRADE_CHARS.length - 1)]! + TRADE_CHARS[rng.int(0, TRADE_CHARS.length - 1)]!;
      const shop = rng.chance(0.1);
      let name: string;
      do {
        name = shop
          ? `${district.name}${trade()}${rng.pick(SHOP_KINDS)}`
          : `${district.orgPrefix}${trade()}${rng.pick(industry.words)}${rng.chance(0.06) ? '集团' : ''}${rng.chance(0.08) ? '股份有限公司' : '有限公司'}`;
      } while (names.has(name));
      names.add(name);
      e = {
        creditCode: creditCodeFor(shop ? '92' : '91', district.code, body),
        name,
        orgType: shop ? 'individual_business' : 'enterprise',
        industryCode: shop ? (name.endsWith('汽修部') ? 'O' : name.endsWith('饭店') || name.endsWith('海鲜酒家') ? 'H' : 'F') : industry.code,
        regionCode: town.code,
        districtIndex: d,
        size: shop ? 0.1 : Math.min(60, Math.exp(1.3 * rng.normal())),
        workInjuryBp: WORK_INJURY_BP[industry.risk]!,
      };
    }
    const arrearsMonths = rng.chance(0.05) ? rng.int(1, 3) : 0;
    out.push({ ...e, orgId: ids.uuid(), arrearsMonths });
  }
  return out;
}
