import type { Db } from '../../db/connect.js';
import { uuid7 } from '../../lib/uuid7.js';
import { AppError, type FieldError } from '../../http/errors.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { CREDIT_CODE_REASONS, parseCreditCode } from './identity/credit-code.js';
import type { OrganisationTable } from './schema.js';
import type { Selectable } from 'kysely';

export interface OrganisationInput {
  creditCode: string;
  name: string;
  orgType: string;
  industryCode?: string | undefined;
  regionCode: string;
}

export interface ValidOrganisation {
  credit_code: string;
  name: string;
  org_type: string;
  industry_code: string | null;
  region_code: string;
}

export function validateOrganisation(input: OrganisationInput): { ok: true; value: ValidOrganisation } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const code = parseCreditCode(input.creditCode);
  if (!code.ok) errors.push({ field: '/body/creditCode', code: code.reason, reason: `${CREDIT_CODE_REASONS[code.reason].zh} / ${CREDIT_CODE_REASONS[code.reason].en}` });
  const name = input.name.normalize('NFKC').trim();
  if (!name) errors.push({ field: '/body/name', code: 'required', reason: '名称不能为空 / name is required' });
  const region = input.regionCode.normalize('NFKC').trim();
  if (!/^[0-9]{6}([0-9]{3}([0-9]{3})?)?$/.test(region)) errors.push({ field: '/body/regionCode', code: 'bad_region', reason: '行政区划代码格式不正确 / region code must have 6, 9 or 12 digits' });
  if (errors.length || !code.ok) return { ok: false, errors };
  return { ok: true, value: { credit_code: code.value.code, name, org_type: input.orgType.trim(), industry_code: input.industryCode?.trim() || null, region_code: region } };
}

export function presentOrganisation(o: Selectable<OrganisationTable>) {
  return { orgId: o.org_id, creditCode: o.credit_code, name: o.name, orgType: o.org_type, industryCode: o.industry_code, regionCode: o.region_code };
}

export async function createOrganisation(db: Db, actor: Actor, org: ValidOrganisation) {
  return db.transaction().execute(async (trx) => {
    const orgId = uuid7();
    const row = await trx.insertInto('organisations').values({ org_id: orgId, ...org }).onConflict((oc) => oc.column('credit_code').doNothing()).returningAll().executeTakeFirst();
    if (!row) throw new AppError('ORGANISATION_EXISTS');
    await recordEvent(trx, { type: 'organisation.created', aggregateType: 'organisation', aggregateId: orgId, payload: { orgId, creditCode: org.credit_code, regionCode: org.region_code } });
    await appendAudit(trx, actor, { action: 'organisation.create', objectType: 'organisation', objectId: orgId, after: { credit_code: org.credit_code, name: org.name } });
    return presentOrganisation(row);
  });
}

export async function getOrganisation(db: Db, orgId: string) {
  const row = await db.selectFrom('organisations').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return row ? presentOrganisation(row) : undefined;
}

export async function searchOrganisations(db: Db, raw: string) {
  const q = raw.normalize('NFKC').trim();
  const code = parseCreditCode(q);
  let query = db.selectFrom('organisations').selectAll().limit(20).orderBy('name');
  query = code.ok ? query.where('credit_code', '=', code.value.code) : query.where('name', 'like', `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return (await query.execute()).map(presentOrganisation);
}
