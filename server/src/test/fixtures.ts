import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../config.js';
import type { Db, DbHandle } from '../db/connect.js';
import { buildApp, type App } from '../http/app.js';
import { syncParameterCatalog } from '../modules/policy/parameters.js';
import { SYSTEM_ACTOR } from '../modules/audit/service.js';
import { createCitizenUser, createStaffUser } from '../modules/iam/service.js';
import type { Role } from '../modules/iam/roles.js';
import { makeResidentId } from '../modules/masterdata/identity/resident-id.js';
import { createPerson, validatePerson } from '../modules/masterdata/persons.js';
import { syncCatalogue } from '../modules/catalogue/service.js';
import { freshDatabase } from './db.js';

export const PASSWORD = 'Tongban#2026';

/** A small city: two districts, a town office in each, staff of several roles, three residents. */
export async function seedSmallCity(db: Db) {
  await db
    .insertInto('regions')
    .values([
      { code: '371000', name: '威海市', name_en: 'Weihai', level: 1, parent_code: null },
      { code: '371002', name: '环翠区', name_en: 'Huancui', level: 2, parent_code: '371000' },
      { code: '371003', name: '文登区', name_en: 'Wendeng', level: 2, parent_code: '371000' },
      { code: '371002001', name: '环翠楼街道', name_en: null, level: 3, parent_code: '371002' },
      { code: '371003001', name: '龙山街道', name_en: null, level: 3, parent_code: '371003' },
    ])
    .execute();
  await db
    .insertInto('service_points')
    .values([
      { id: 'SP371002001', name: '环翠楼街道便民服务中心', kind: 'town_office', region_code: '371002001', address: null },
      { id: 'SP371003001', name: '龙山街道便民服务中心', kind: 'town_office', region_code: '371003001', address: null },
      { id: 'SP371000', name: '威海市人社局', kind: 'bureau', region_code: '371000', address: null },
    ])
    .execute();
  const staff: { username: string; roles: Role[]; sp: string; scope: string }[] = [
    { username: 'teller.hc', roles: ['teller'], sp: 'SP371002001', scope: '371002' },
    { username: 'teller.wd', roles: ['teller'], sp: 'SP371003001', scope: '371003' },
    { username: 'admin', roles: ['administrator'], sp: 'SP371000', scope: '3710' },
    { username: 'auditor', roles: ['auditor'], sp: 'SP371000', scope: '3710' },
    { username: 'analyst', roles: ['analyst'], sp: 'SP371000', scope: '3710' },
  ];
  const userIds: Record<string, string> = {};
  for (const s of staff) {
    userIds[s.username] = await createStaffUser(db, { username: s.username, displayName: s.username, password: PASSWORD, roles: s.roles, servicePointId: s.sp, scopeRegion: s.scope });
  }
  const people = [
    { key: 'zhang', residentId: makeResidentId('371002', '1985-03-12', 123), name: '张伟', phone: '13806301234', regionCode: '371002001' },
    { key: 'li', residentId: makeResidentId('371002', '1990-07-01', 246), name: '李娜', phone: '13906305678', regionCode: '371002001' },
    { key: 'wang', residentId: makeResidentId('371003', '1962-11-30', 111), name: '王建国', phone: '13706309999', regionCode: '371003001' },
  ];
  const persons: Record<string, { personId: string; residentId: string; userId: string }> = {};
  for (const p of people) {
    const v = validatePerson(p);
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    const row = await createPerson(db, SYSTEM_ACTOR, { kind: 'system', ref: 'fixture', actor: null }, v.value);
    const userId = await createCitizenUser(db, row.person_id, p.name, PASSWORD);
    persons[p.key] = { personId: row.person_id, residentId: row.resident_id, userId };
  }
  return { userIds, persons };
}

export interface TestContext {
  app: App;
  db: Db;
  handle: DbHandle;
  city: Awaited<ReturnType<typeof seedSmallCity>>;
  close(): Promise<void>;
  /** Signs in and returns the Cookie header value. */
  staffCookie(username: string): Promise<string>;
  citizenCookie(residentId: string): Promise<string>;
}

export function cookieFrom(res: LightMyRequestResponse): string {
  const raw = res.headers['set-cookie'];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (!first) throw new Error(`no cookie set (status ${res.statusCode}: ${res.body})`);
  return first.split(';')[0]!;
}

export async function setupTestApp(opts: { seed?: boolean } = {}): Promise<TestContext> {
  const handle = await freshDatabase();
  let city: TestContext['city'];
  let app: App;
  try {
    city = opts.seed === false ? { userIds: {}, persons: {} } : await seedSmallCity(handle.db);
    const config = { ...loadConfig({}), dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-test-')), logLevel: 'silent', cookieSecure: true };
    await syncParameterCatalog(handle.db, config.catalogDir);
    await syncCatalogue(handle.db, config.catalogDir);
    app = await buildApp({ db: handle.db, config, logger: false, webDist: '/nonexistent' });
    await app.ready();
  } catch (e) {
    await handle.close();
    throw e;
  }
  return {
    app,
    db: handle.db,
    handle,
    city,
    close: async () => {
      await app.close();
      await handle.close();
    },
    staffCookie: async (username) => cookieFrom(await app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username, password: PASSWORD } })),
    citizenCookie: async (residentId) => cookieFrom(await app.inject({ method: 'POST', url: '/api/auth/citizen/login', payload: { residentId, password: PASSWORD } })),
  };
}
