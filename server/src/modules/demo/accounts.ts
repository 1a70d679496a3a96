import { createHash } from 'node:crypto';
import { makeResidentId } from '../masterdata/identity/resident-id.js';
import type { Role } from '../iam/roles.js';
import { creditCodeFor } from './employers.js';

/**
 * The demo accounts: staff of every staff role at several service points, and three
 * citizens who are the same in every demo city whatever the seed, so documentation,
 * the web login tests and a person trying the platform can rely on them.
 */

export const DEMO_PASSWORD = 'Tongban#2026';

export interface DemoStaff {
  username: string;
  displayName: string;
  role: Role;
  servicePointId: string;
  /** Region-code prefix the staff member may see. */
  scope: string;
}

export const DEMO_STAFF: readonly DemoStaff[] = [
  { username: 'teller.hc', displayName: '于海燕', role: 'teller', servicePointId: 'SP371002001', scope: '371002' },
  { username: 'teller.wd', displayName: '丛建伟', role: 'teller', servicePointId: 'SP371003001', scope: '371003' },
  { username: 'teller.rc', displayName: '毕晓东', role: 'teller', servicePointId: 'SP371082001', scope: '371082' },
  { username: 'teller.rs', displayName: '曲丽娜', role: 'teller', servicePointId: 'SP371083001', scope: '371083' },
  // A community station teller sees the street the station belongs to.
  { username: 'station.hc', displayName: '姜婷婷', role: 'teller', servicePointId: 'SP371002001001', scope: '371002001' },
  { username: 'reviewer', displayName: '孙立新', role: 'reviewer', servicePointId: 'SP371000', scope: '3710' },
  { username: 'approver', displayName: '林海峰', role: 'approver', servicePointId: 'SP371000', scope: '3710' },
  { username: 'supervisor', displayName: '鞠红梅', role: 'supervisor', servicePointId: 'SP371000', scope: '3710' },
  { username: 'supervisor.rc', displayName: '初永刚', role: 'supervisor', servicePointId: 'SP371082', scope: '371082' },
  { username: 'admin', displayName: '王志刚', role: 'administrator', servicePointId: 'SP371000', scope: '3710' },
  { username: 'auditor', displayName: '隋静', role: 'auditor', servicePointId: 'SP371000', scope: '3710' },
  { username: 'analyst', displayName: '宫晓燕', role: 'analyst', servicePointId: 'SP371000', scope: '3710' },
];

/** A fixed employer for the fixed citizens' histories. */
export interface FixedEmployer {
  orgId: string;
  creditCode: string;
  name: string;
  industryCode: string;
  regionCode: string;
}

export const FIXED_EMPLOYERS = {
  tongda: {
    orgId: '6f1d2c3b-4a59-4e68-8a77-000000371002',
    creditCode: creditCodeFor('91', '371002', 'MA3TB001'),
    name: '威海通达海洋食品有限公司',
    industryCode: 'C',
    regionCode: '371002001',
  },
  haizhiyuan: {
    orgId: '6f1d2c3b-4a59-4e68-8a77-000000371082',
    creditCode: creditCodeFor('91', '371082', 'MA3TB002'),
    name: '荣成海之源水产有限公司',
    industryCode: 'C',
    regionCode: '371082001',
  },
} satisfies Record<string, FixedEmployer>;

export interface FixedCitizen {
  personId: string;
  residentId: string;
  name: string;
  phone: string;
  /** A community code. */
  regionCode: string;
  address: string;
  story: 'working' | 'retired' | 'unemployed';
}

export const FIXED_CITIZENS: readonly FixedCitizen[] = [
  {
    personId: '0b6f5c1e-2d3a-4b5c-9d6e-000000000001',
    residentId: makeResidentId('371002', '1984-06-15', 137),
    name: '刘海涛',
    phone: '13963101984',
    regionCode: '371002001001',
    address: '山东省威海市环翠区新威路58号2号楼1单元402室',
    story: 'working',
  },
  {
    personId: '0b6f5c1e-2d3a-4b5c-9d6e-000000000002',
    residentId: makeResidentId('371003', '1962-03-08', 246),
    name: '王秀英',
    phone: '13706311962',
    regionCode: '371003001001',
    address: '山东省威海市文登区龙山路126号5号楼3单元201室',
    story: 'retired',
  },
  {
    personId: '0b6f5c1e-2d3a-4b5c-9d6e-000000000003',
    residentId: makeResidentId('371082', '2000-11-03', 362),
    name: '陈晓雨',
    phone: '15863112000',
    regionCode: '371082001001',
    address: '山东省荣成市成山大道88号1号楼2单元602室',
    story: 'unemployed',
  },
];

export const DEMO_ACCOUNTS = {
  password: DEMO_PASSWORD,
  staff: DEMO_STAFF.map((s) => ({ username: s.username, role: s.role as string, scope: s.scope })),
  citizens: FIXED_CITIZENS.map((c) => ({ residentId: c.residentId, name: c.name })),
};

/** Stable user ids for the demo accounts (the same in every demo city). */
export function demoUserId(key: string): string {
  const h = createHash('sha256').update(`tongban-demo-user:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
