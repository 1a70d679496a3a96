import type { ServicePointKind } from '../masterdata/schema.js';
import { CITY, DISTRICTS, type CityMap } from './regions.js';

/**
 * Service points of the demo city: the bureau, a service centre per district, the 73
 * town offices, the 1,058 community stations, and a few self-service kiosks and
 * partner bank outlets (the same process at every one of them).
 */
export interface ServicePointRow {
  id: string;
  name: string;
  kind: ServicePointKind;
  region_code: string;
  address: string | null;
}

const BANK_OUTLETS = [
  { district: '371002', name: '威海市商业银行环翠支行人社服务网点' },
  { district: '371002', name: '中国工商银行威海分行营业部社保卡服务网点' },
  { district: '371003', name: '文登农商银行营业部社保卡服务网点' },
  { district: '371082', name: '中国建设银行荣成支行社保卡服务网点' },
  { district: '371083', name: '乳山农商银行营业部社保卡服务网点' },
];

export function buildServicePoints(map: CityMap): ServicePointRow[] {
  const out: ServicePointRow[] = [
    { id: `SP${CITY.code}`, name: '威海市人力资源和社会保障局', kind: 'bureau', region_code: CITY.code, address: '山东省威海市环翠区青岛中路166号' },
  ];
  for (const d of DISTRICTS) {
    out.push({ id: `SP${d.code}`, name: `${d.name}人力资源和社会保障服务中心`, kind: 'district_centre', region_code: d.code, address: `${d.addressPrefix}${d.roads[0]}1号` });
  }
  for (const t of map.towns) {
    out.push({ id: `SP${t.code}`, name: `${t.name}便民服务中心`, kind: 'town_office', region_code: t.code, address: `${t.district.addressPrefix}${t.name}` });
  }
  for (const c of map.communities) {
    out.push({ id: `SP${c.code}`, name: `${c.name}便民服务站`, kind: 'community_station', region_code: c.code, address: `${c.town.district.addressPrefix}${c.town.name}${c.name}` });
  }
  // Kiosks in the two busiest streets of each district.
  for (const d of DISTRICTS) {
    for (const t of map.towns.filter((x) => x.district.code === d.code && x.urban).slice(0, 2)) {
      out.push({ id: `SPK${t.code}`, name: `${t.name}人社自助服务终端`, kind: 'kiosk', region_code: t.code, address: `${d.addressPrefix}${t.name}便民服务中心大厅` });
    }
  }
  BANK_OUTLETS.forEach((b, i) => {
    const town = map.towns.find((t) => t.district.code === b.district && t.urban)!;
    out.push({ id: `SPB${b.district}${String(i + 1).padStart(2, '0')}`, name: b.name, kind: 'bank_outlet', region_code: town.code, address: null });
  });
  return out;
}
