import { Rng } from './random.js';

/**
 * The synthetic Weihai (威海市, 371000): four districts and county-level cities, their
 * 73 towns and streets (real names), and 1,058 communities and villages (plausible
 * names, spread deterministically). The geography never depends on the seed: every
 * demo city has the same map, only the people differ.
 */

export const CITY = { code: '371000', name: '威海市', nameEn: 'Weihai' } as const;

export interface DistrictDef {
  code: string;
  name: string;
  nameEn: string;
  /** How addresses start (county-level cities are not written under 威海市 in practice). */
  addressPrefix: string;
  /** Prefix of employer names registered there. */
  orgPrefix: string;
  /** Letter of social security cards issued there. */
  cardLetter: string;
  /** Share of the city's residents. */
  population: number;
  roads: readonly string[];
  streets: readonly string[];
  towns: readonly string[];
}

export const DISTRICTS: readonly DistrictDef[] = [
  {
    code: '371002',
    name: '环翠区',
    nameEn: 'Huancui',
    addressPrefix: '山东省威海市环翠区',
    orgPrefix: '威海',
    cardLetter: 'H',
    population: 0.38,
    roads: ['新威路', '青岛北路', '青岛中路', '文化西路', '文化东路', '统一路', '昆明路', '海滨北路', '世昌大道', '东城路', '古寨东路', '高山街', '戚家庄路', '和平路', '青岛南路', '塔山中路', '花园北路', '光明路', '沈阳路', '上海路'],
    streets: ['环翠楼街道', '鲸园街道', '竹岛街道', '孙家疃街道', '田和街道', '怡园街道', '皇冠街道', '凤林街道', '西苑街道', '嵩山街道', '双岛街道'],
    towns: ['张村镇', '羊亭镇', '温泉镇', '初村镇', '草庙子镇', '桥头镇', '泊于镇', '崮山镇', '汪疃镇', '苘山镇'],
  },
  {
    code: '371003',
    name: '文登区',
    nameEn: 'Wendeng',
    addressPrefix: '山东省威海市文登区',
    orgPrefix: '威海市文登区',
    cardLetter: 'W',
    population: 0.22,
    roads: ['龙山路', '文山路', '峰山路', '米山路', '昆嵛路', '世纪大道', '天润路', '抱龙河路', '开发区大道', '柳林路', '香山路', '青岛路'],
    streets: ['龙山街道', '天福街道', '环山街道'],
    towns: ['文登营镇', '大水泊镇', '张家产镇', '高村镇', '泽库镇', '侯家镇', '宋村镇', '泽头镇', '小观镇', '葛家镇', '米山镇', '界石镇'],
  },
  {
    code: '371082',
    name: '荣成市',
    nameEn: 'Rongcheng',
    addressPrefix: '山东省荣成市',
    orgPrefix: '荣成',
    cardLetter: 'R',
    population: 0.26,
    roads: ['成山大道', '黄海路', '青山路', '观海路', '龙云路', '府新路', '石岛大道', '环海路', '蓝湾路', '沿海路', '崖头路', '城中路'],
    streets: ['崖头街道', '城西街道', '寻山街道', '崂山街道', '宁津街道', '港湾街道', '桃园街道', '王连街道', '东山街道', '斥山街道'],
    towns: ['俚岛镇', '成山镇', '埠柳镇', '港西镇', '夏庄镇', '崖西镇', '荫子镇', '滕家镇', '大疃镇', '上庄镇', '虎山镇', '人和镇'],
  },
  {
    code: '371083',
    name: '乳山市',
    nameEn: 'Rushan',
    addressPrefix: '山东省乳山市',
    orgPrefix: '乳山',
    cardLetter: 'S',
    population: 0.14,
    roads: ['胜利街', '府前路', '商业街', '青山路', '怡园路', '深圳路', '黄山路', '泰山路', '育黎路', '金岭路'],
    streets: ['城区街道'],
    towns: ['夏村镇', '乳山口镇', '海阳所镇', '白沙滩镇', '大孤山镇', '南黄镇', '冯家镇', '下初镇', '午极镇', '育黎镇', '崖子镇', '诸往镇', '乳山寨镇', '徐家镇'],
  },
];

export const TOWN_TOTAL = 73;
export const COMMUNITY_TOTAL = 1058;

export interface Town {
  code: string;
  name: string;
  district: DistrictDef;
  /** 街道 (urban street, with 社区) or 镇 (town, with 村). */
  urban: boolean;
}

export interface Community {
  code: string;
  name: string;
  town: Town;
}

export interface RegionRow {
  code: string;
  name: string;
  name_en: string | null;
  level: number;
  parent_code: string | null;
}

export interface CityMap {
  towns: Town[];
  communities: Community[];
  /** Communities of each town, by town code. */
  communitiesOf: Map<string, Community[]>;
  rows: RegionRow[];
}

// GB/T 2260 practice: streets are numbered 001…, towns from 100; residents' committees
// (社区) 001…199 and villagers' committees (村) from 200 inside a town.
function townsOf(d: DistrictDef): Town[] {
  return [
    ...d.streets.map((name, i) => ({ code: `${d.code}${String(i + 1).padStart(3, '0')}`, name, district: d, urban: true })),
    ...d.towns.map((name, i) => ({ code: `${d.code}${String(100 + i).padStart(3, '0')}`, name, district: d, urban: false })),
  ];
}

const COMMUNITY_FIRST = ['海', '望', '翠', '竹', '鲸', '塔', '福', '青', '华', '新', '东', '西', '南', '北', '惠', '怡', '锦', '阳', '光', '泰', '和', '康', '安', '宁', '兴', '文', '昌', '盛', '丰', '明', '金', '玉', '凤', '龙', '松', '柏'];
const COMMUNITY_SECOND = ['园', '苑', '山', '城', '港', '湾', '岛', '河', '泉', '林', '桥', '庄', '景', '湖', '里', '坊', '亭', '岭', '滨', '海'];
const VILLAGE_SURNAMES = ['王', '于', '孙', '张', '刘', '林', '姜', '丛', '毕', '曲', '鞠', '初', '宋', '梁', '谷', '戚', '邹', '隋', '宫', '董', '李', '赵', '徐', '郭', '高'];
const VILLAGE_SUFFIX = ['家庄', '家疃', '家泊', '家夼', '家洼', '家埠', '家岭', '家沟', '家寨', '家口', '家河', '家屯', '家店', '格庄', '家台', '家圈'];
const VILLAGE_DIRECTION = ['东', '西', '南', '北', '前', '后', '上', '下', '大', '小'];
const VILLAGE_PLACE = ['山', '河', '庄', '疃', '泊', '夼', '岛', '口', '岚', '寨', '埠', '滩'];

function communityName(rng: Rng, urban: boolean): string {
  if (urban) return `${rng.pick(COMMUNITY_FIRST)}${rng.pick(COMMUNITY_SECOND)}社区`;
  if (rng.chance(0.7)) return `${rng.pick(VILLAGE_SURNAMES)}${rng.pick(VILLAGE_SUFFIX)}村`;
  return `${rng.pick(VILLAGE_DIRECTION)}${rng.pick(VILLAGE_PLACE)}${rng.pick(['村', '头村', '后村', '子村'])}`;
}

/** Splits `total` over weights by largest remainder, every share at least `min`. */
export function apportion(total: number, weights: readonly number[], min = 1): number[] {
  const rest = total - min * weights.length;
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * rest);
  const out = exact.map((x) => min + Math.floor(x));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k++, left--) out[order[k % order.length]!.i]! += 1;
  return out;
}

export function buildCityMap(): CityMap {
  const rng = new Rng(371000, 1);
  const towns = DISTRICTS.flatMap(townsOf);
  if (towns.length !== TOWN_TOTAL) throw new Error(`expected ${TOWN_TOTAL} towns, have ${towns.length}`);
  // Villages outnumber urban communities, and towns vary in size.
  const counts = apportion(
    COMMUNITY_TOTAL,
    towns.map((t) => (t.urban ? 11 : 16) * (0.6 + rng.next() * 0.8)),
    5,
  );
  const communities: Community[] = [];
  const communitiesOf = new Map<string, Community[]>();
  towns.forEach((town, i) => {
    const names = new Set<string>();
    const list: Community[] = [];
    for (let k = 0; k < counts[i]!; k++) {
      let name = communityName(rng, town.urban);
      while (names.has(name)) name = communityName(rng, town.urban);
      names.add(name);
      const serial = town.urban ? 1 + k : 200 + k;
      list.push({ code: `${town.code}${String(serial).padStart(3, '0')}`, name, town });
    }
    communities.push(...list);
    communitiesOf.set(town.code, list);
  });
  const rows: RegionRow[] = [
    { code: CITY.code, name: CITY.name, name_en: CITY.nameEn, level: 1, parent_code: null },
    ...DISTRICTS.map((d) => ({ code: d.code, name: d.name, name_en: d.nameEn, level: 2, parent_code: CITY.code })),
    ...towns.map((t) => ({ code: t.code, name: t.name, name_en: null, level: 3, parent_code: t.district.code })),
    ...communities.map((c) => ({ code: c.code, name: c.name, name_en: null, level: 4, parent_code: c.town.code })),
  ];
  return { towns, communities, communitiesOf, rows };
}
