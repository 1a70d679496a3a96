import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { maskResidentId } from '../../lib/mask.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { parseCreditCode } from '../masterdata/identity/credit-code.js';
import { parseResidentId, RESIDENT_ID_REASONS } from '../masterdata/identity/resident-id.js';
import { createOrganisation, validateOrganisation } from '../masterdata/organisations.js';
import { findPersonByResidentId, getPerson } from '../masterdata/persons.js';
import { isMonth, addMonths, parseYuan } from './money.js';

/** The insurance types an employee is enrolled in by an employer. */
export const EMPLOYEE_INSURANCE_TYPES = ['pension_employee', 'unemployment', 'work_injury', 'medical_employee'] as const;

// ---- employers (参保单位登记) ----

export interface RegisterEmployerInput {
  creditCode: string;
  /** Needed only when the organisation is not yet in master data. */
  name?: string | undefined;
  orgType?: string | undefined;
  regionCode?: string | undefined;
  industryCode?: string | undefined;
  /** Work-injury industry risk class 1–8. */
  riskClass: number;
  registeredOn: string;
}

/**
 * Registers an employer for social insurance, tied to its unified social credit code:
 * the organisation comes from master data (created there first when new).
 */
export async function registerEmployer(db: Db, input: RegisterEmployerInput, actor: Actor) {
  const code = parseCreditCode(input.creditCode);
  if (!code.ok) throw new AppError('INVALID_CREDIT_CODE', { errors: [{ field: '/body/creditCode', code: code.reason, reason: code.reason }] });
  if (!Number.isInteger(input.riskClass) || input.riskClass < 1 || input.riskClass > 8) {
    throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/riskClass', reason: '行业风险类别为1–8 / risk class is 1–8' }] });
  }
  let org = await db.selectFrom('organisations').selectAll().where('credit_code', '=', code.value.code).executeTakeFirst();
  if (!org) {
    const v = validateOrganisation({ creditCode: code.value.code, name: input.name ?? '', orgType: input.orgType ?? 'enterprise', industryCode: input.industryCode, regionCode: input.regionCode ?? '' });
    if (!v.ok) throw new AppError('VALIDATION_FAILED', { detail: 'The organisation is not in master data: name and regionCode are needed', errors: v.errors });
    await createOrganisation(db, actor, v.value);
    org = await db.selectFrom('organisations').selectAll().where('credit_code', '=', code.value.code).executeTakeFirstOrThrow();
  }
  const orgRow = org;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('insurance_employers')
      .values({ org_id: orgRow.org_id, credit_code: orgRow.credit_code, registered_on: input.registeredOn, risk_class: input.riskClass, status: 'active' })
      .onConflict((oc) => oc.column('org_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError('EMPLOYER_EXISTS');
    await recordEvent(trx, { type: 'insurance.employer_registered', aggregateType: 'organisation', aggregateId: orgRow.org_id, payload: { orgId: orgRow.org_id, creditCode: orgRow.credit_code, riskClass: input.riskClass } });
    await appendAudit(trx, actor, { action: 'insurance.employer.register', objectType: 'organisation', objectId: orgRow.org_id, after: { credit_code: orgRow.credit_code, risk_class: input.riskClass, registered_on: input.registeredOn } });
    return presentEmployer({ ...row, name: orgRow.name, region_code: orgRow.region_code });
  });
}

export function presentEmployer(r: { org_id: string; credit_code: string; name: string; region_code: string; registered_on: string; risk_class: number; status: string }) {
  return { orgId: r.org_id, creditCode: r.credit_code, name: r.name, regionCode: r.region_code, registeredOn: r.registered_on, riskClass: r.risk_class, status: r.status };
}

export async function getEmployer(db: Db, orgId: string) {
  const r = await db
    .selectFrom('insurance_employers as e')
    .innerJoin('organisations as o', 'o.org_id', 'e.org_id')
    .select(['e.org_id', 'e.credit_code', 'o.name', 'o.region_code', 'e.registered_on', 'e.risk_class', 'e.status'])
    .where('e.org_id', '=', orgId)
    .executeTakeFirst();
  return r ? presentEmployer(r) : undefined;
}

export async function listEmployers(db: Db, opts: { regionPrefix?: string | null; orgId?: string; limit?: number; offset?: number }) {
  let q = db
    .selectFrom('insurance_employers as e')
    .innerJoin('organisations as o', 'o.org_id', 'e.org_id')
    .select(['e.org_id', 'e.credit_code', 'o.name', 'o.region_code', 'e.registered_on', 'e.risk_class', 'e.status'])
    .orderBy('o.name')
    .limit(opts.limit ?? 50)
    .offset(opts.offset ?? 0);
  if (opts.regionPrefix) q = q.where('o.region_code', 'like', `${opts.regionPrefix}%`);
  if (opts.orgId) q = q.where('e.org_id', '=', opts.orgId);
  return (await q.execute()).map(presentEmployer);
}

async function activeEmployer(db: Db, orgId: string) {
  const e = await db.selectFrom('insurance_employers').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (!e) throw new AppError('NOT_FOUND', { detail: 'No such insured employer' });
  if (e.status !== 'active') throw new AppError('EMPLOYER_CLOSED');
  return e;
}

// ---- enrolment (增员/减员) ----

/** The person's employment covering `month` (with any employer), if there is one. */
export async function employmentAt(db: Db, personId: string, month: string) {
  return db
    .selectFrom('employments')
    .selectAll()
    .where('person_id', '=', personId)
    .where('start_month', '<=', month)
    .where((eb) => eb.or([eb('end_month', 'is', null), eb('end_month', '>=', month)]))
    .executeTakeFirst();
}

/**
 * Enrols an employee from `startMonth` (增员). A person is insured by one employer at a
 * time: a spell overlapping another open one is refused (the other employer must stop
 * them first).
 */
export async function enrolEmployee(db: Db, input: { orgId: string; personId: string; startMonth: string; wageFen?: number | undefined }, actor: Actor) {
  if (!isMonth(input.startMonth)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/startMonth', reason: 'YYYY-MM' }] });
  await activeEmployer(db, input.orgId);
  const person = await getPerson(db, input.personId);
  if (!person) throw new AppError('NOT_FOUND', { detail: 'No such person' });
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`employment:${input.personId}`}))`.execute(trx);
    const overlap = await trx
      .selectFrom('employments')
      .select(['employment_id', 'org_id', 'start_month', 'end_month'])
      .where('person_id', '=', input.personId)
      .where((eb) => eb.or([eb('end_month', 'is', null), eb('end_month', '>=', input.startMonth)]))
      .executeTakeFirst();
    if (overlap) throw new AppError('EMPLOYMENT_OVERLAP', { detail: `Already enrolled from ${overlap.start_month}${overlap.end_month ? ` to ${overlap.end_month}` : ''}` });
    const employmentId = uuid7();
    await trx.insertInto('employments').values({ employment_id: employmentId, org_id: input.orgId, person_id: input.personId, start_month: input.startMonth, end_month: null }).execute();
    for (const t of EMPLOYEE_INSURANCE_TYPES) {
      await trx
        .insertInto('insured_status')
        .values({ person_id: input.personId, insurance_type: t, status: 'active', since: `${input.startMonth}-01`, prior_months: 0 })
        .onConflict((oc) => oc.columns(['person_id', 'insurance_type']).doUpdateSet({ status: 'active', since: `${input.startMonth}-01` }))
        .execute();
    }
    if (input.wageFen !== undefined) {
      await trx.insertInto('contribution_declarations').values({ org_id: input.orgId, person_id: input.personId, month: input.startMonth, wage_fen: input.wageFen, source: 'form', batch_id: null }).execute();
    }
    await recordEvent(trx, { type: 'insurance.employee_enrolled', aggregateType: 'person', aggregateId: input.personId, payload: { orgId: input.orgId, personId: input.personId, startMonth: input.startMonth } });
    await appendAudit(trx, actor, { action: 'insurance.employee.enrol', objectType: 'person', objectId: input.personId, after: { org_id: input.orgId, start_month: input.startMonth, wage_fen: input.wageFen ?? null } });
    return { employmentId, orgId: input.orgId, personId: input.personId, startMonth: input.startMonth, endMonth: null as string | null };
  });
}

/** Stops an employee after `endMonth` (减员): the last month they are insured by this employer. */
export async function stopEmployee(db: Db, input: { orgId: string; personId: string; endMonth: string }, actor: Actor) {
  if (!isMonth(input.endMonth)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/endMonth', reason: 'YYYY-MM' }] });
  return db.transaction().execute(async (trx) => {
    const open = await trx.selectFrom('employments').selectAll().where('org_id', '=', input.orgId).where('person_id', '=', input.personId).where('end_month', 'is', null).executeTakeFirst();
    if (!open) throw new AppError('NOT_FOUND', { detail: 'No open employment of this person with this employer' });
    if (input.endMonth < open.start_month) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/endMonth', reason: `不早于增员月份 ${open.start_month} / not before the start month` }] });
    await trx.updateTable('employments').set({ end_month: input.endMonth }).where('employment_id', '=', open.employment_id).execute();
    await trx
      .updateTable('insured_status')
      .set({ status: 'stopped', since: `${addMonths(input.endMonth, 1)}-01` })
      .where('person_id', '=', input.personId)
      .where('insurance_type', 'in', [...EMPLOYEE_INSURANCE_TYPES])
      .where('status', '=', 'active')
      .execute();
    await recordEvent(trx, { type: 'insurance.employee_stopped', aggregateType: 'person', aggregateId: input.personId, payload: { orgId: input.orgId, personId: input.personId, endMonth: input.endMonth } });
    await appendAudit(trx, actor, { action: 'insurance.employee.stop', objectType: 'person', objectId: input.personId, before: { end_month: null }, after: { org_id: input.orgId, end_month: input.endMonth } });
    return { employmentId: open.employment_id, orgId: input.orgId, personId: input.personId, startMonth: open.start_month, endMonth: input.endMonth };
  });
}

export async function listEmployees(db: Db, orgId: string, month?: string) {
  let q = db
    .selectFrom('employments as e')
    .innerJoin('persons as p', 'p.person_id', 'e.person_id')
    .select(['e.employment_id', 'e.person_id', 'p.name', 'p.resident_id', 'e.start_month', 'e.end_month'])
    .where('e.org_id', '=', orgId)
    .orderBy('p.name')
    .limit(1000);
  if (month) q = q.where('e.start_month', '<=', month).where((eb) => eb.or([eb('e.end_month', 'is', null), eb('e.end_month', '>=', month)]));
  const rows = await q.execute();
  // The wage in force (the month given, or the latest declared): what the agent checks a declaration against.
  let dq = db.selectFrom('contribution_declarations').select(['person_id', 'month', 'wage_fen']).distinctOn('person_id').where('org_id', '=', orgId).orderBy('person_id').orderBy('month', 'desc');
  if (month) dq = dq.where('month', '<=', month);
  const wages = new Map((await dq.execute()).map((d) => [d.person_id, d]));
  return rows.map((r) => {
    const w = wages.get(r.person_id);
    return { employmentId: r.employment_id, personId: r.person_id, name: r.name, residentIdMasked: maskResidentId(r.resident_id), startMonth: r.start_month, endMonth: r.end_month, wageFen: w?.wage_fen ?? null, wageMonth: w?.month ?? null };
  });
}

// ---- declarations (缴费基数申报) ----

export interface DeclarationInput {
  personId: string;
  month: string;
  wageFen: number;
}

/** Declares one employee's wage from `month` on (the base is clamped at assessment, not here). */
export async function declareBases(db: Db, orgId: string, rows: DeclarationInput[], actor: Actor, source: 'form' | 'xlsx' = 'form', batchId: string | null = null) {
  await activeEmployer(db, orgId);
  return db.transaction().execute(async (trx) => {
    for (const r of rows) {
      if (!isMonth(r.month)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/month', reason: 'YYYY-MM' }] });
      if (!Number.isInteger(r.wageFen) || r.wageFen < 0) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/wageFen', reason: '非负整数（分） / a non-negative integer of fen' }] });
      const emp = await employmentAt(trx, r.personId, r.month);
      if (!emp || emp.org_id !== orgId) throw new AppError('NOT_ENROLLED', { detail: `Person is not enrolled with this employer in ${r.month}` });
    }
    for (const r of rows) {
      await trx
        .insertInto('contribution_declarations')
        .values({ org_id: orgId, person_id: r.personId, month: r.month, wage_fen: r.wageFen, source, batch_id: batchId })
        .onConflict((oc) => oc.columns(['org_id', 'person_id', 'month']).doUpdateSet({ wage_fen: r.wageFen, source, batch_id: batchId, declared_at: new Date() }))
        .execute();
    }
    await recordEvent(trx, { type: 'insurance.bases_declared', aggregateType: 'organisation', aggregateId: orgId, payload: { orgId, rows: rows.length, source, batchId } });
    await appendAudit(trx, actor, { action: 'insurance.declaration', objectType: 'organisation', objectId: orgId, after: { rows: rows.length, source, batch_id: batchId, months: [...new Set(rows.map((r) => r.month))].sort() } });
    return { accepted: rows.length };
  });
}

export interface DeclarationRowError {
  /** Spreadsheet row number (the header is row 1). */
  row: number;
  residentIdMasked: string | null;
  code: 'resident_id_invalid' | 'person_unknown' | 'name_mismatch' | 'month_invalid' | 'wage_invalid' | 'not_enrolled' | 'duplicate_row' | 'missing';
  /** Bilingual (zh / en); `code` and the details below let a client word it in its own language. */
  reason: string;
  /** The cell as written (month_invalid, wage_invalid), the month (not_enrolled), the earlier row (duplicate_row). */
  value?: string;
  month?: string;
  duplicateOf?: number;
}

const HEADERS = {
  residentId: ['身份证号', '公民身份号码', '身份证号码', 'residentid', 'resident id'],
  name: ['姓名', 'name'],
  month: ['月份', '申报月份', '所属期', 'month'],
  wage: ['缴费工资', '申报工资', '缴费基数', '工资', 'wage', 'wage (yuan)'],
} as const;

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 7);
  if (typeof v === 'object') {
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('text' in v) return String(v.text);
  }
  return String(v).trim();
}

/**
 * A declaration spreadsheet (columns 身份证号, 姓名, 月份 YYYY-MM, 缴费工资 in yuan): the good
 * rows are declared, each bad row is named with its row number and reason; nothing is
 * lost silently. Wages are yuan with at most two decimals, converted to fen exactly.
 */
export async function declareFromXlsx(db: Db, orgId: string, file: Buffer, actor: Actor) {
  await activeEmployer(db, orgId);
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(file as unknown as ArrayBuffer);
  } catch (e) {
    throw new AppError('MALFORMED_REQUEST', { detail: `Not a readable xlsx file: ${(e as Error).message}` });
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new AppError('MALFORMED_REQUEST', { detail: 'The workbook has no sheet' });
  const header = ws.getRow(1);
  const col: Partial<Record<keyof typeof HEADERS, number>> = {};
  header.eachCell((cell, n) => {
    const t = cellText(cell.value).toLowerCase();
    for (const [k, names] of Object.entries(HEADERS) as [keyof typeof HEADERS, readonly string[]][]) if (names.includes(t)) col[k] ??= n;
  });
  const missing = (['residentId', 'name', 'month', 'wage'] as const).filter((k) => !col[k]);
  if (missing.length) throw new AppError('VALIDATION_FAILED', { detail: 'Header row must name 身份证号, 姓名, 月份, 缴费工资', errors: missing.map((m) => ({ field: `/file/header/${m}`, reason: `缺少列 / missing column ${HEADERS[m][0]}` })) });

  const errors: DeclarationRowError[] = [];
  const good: (DeclarationInput & { row: number })[] = [];
  const seen = new Map<string, number>();
  const last = ws.actualRowCount > 0 ? ws.rowCount : 1;
  for (let n = 2; n <= last; n++) {
    const row = ws.getRow(n);
    const rawId = cellText(row.getCell(col.residentId!).value);
    const name = cellText(row.getCell(col.name!).value).normalize('NFKC').trim();
    const month = cellText(row.getCell(col.month!).value).replace(/[/.年]/g, '-').replace(/月$/, '');
    const wageText = cellText(row.getCell(col.wage!).value);
    if (!rawId && !name && !month && !wageText) continue; // blank line
    const fail = (code: DeclarationRowError['code'], reason: string, masked: string | null = null, detail: Pick<DeclarationRowError, 'value' | 'month' | 'duplicateOf'> = {}) => errors.push({ row: n, residentIdMasked: masked, code, reason, ...detail });
    const id = parseResidentId(rawId);
    if (!id.ok) {
      fail('resident_id_invalid', `身份证号无效：${RESIDENT_ID_REASONS[id.reason].zh} / invalid resident ID: ${RESIDENT_ID_REASONS[id.reason].en}`, maskResidentId(rawId));
      continue;
    }
    const masked = maskResidentId(id.value.id);
    const normalMonth = /^\d{4}-\d{1,2}$/.test(month) ? `${month.slice(0, 4)}-${month.slice(5).padStart(2, '0')}` : month;
    if (!isMonth(normalMonth)) {
      fail('month_invalid', `月份应为YYYY-MM / month must be YYYY-MM (got "${month}")`, masked, { value: month });
      continue;
    }
    const wageFen = parseYuan(wageText);
    if (wageFen === null) {
      fail('wage_invalid', `缴费工资应为金额（元，至多两位小数） / wage must be an amount in yuan (got "${wageText}")`, masked, { value: wageText });
      continue;
    }
    const person = await findPersonByResidentId(db, id.value.id);
    if (!person) {
      fail('person_unknown', '查无此人 / no person with this resident ID', masked);
      continue;
    }
    if (name && person.name !== name) {
      fail('name_mismatch', '姓名与身份证号不符 / name does not match the resident ID', masked);
      continue;
    }
    const emp = await employmentAt(db, person.person_id, normalMonth);
    if (!emp || emp.org_id !== orgId) {
      fail('not_enrolled', `该职工${normalMonth}未在本单位参保 / not enrolled with this employer in ${normalMonth}`, masked, { month: normalMonth });
      continue;
    }
    const key = `${person.person_id}|${normalMonth}`;
    if (seen.has(key)) {
      fail('duplicate_row', `与第${seen.get(key)}行重复 / duplicates row ${seen.get(key)}`, masked, { duplicateOf: seen.get(key)! });
      continue;
    }
    seen.set(key, n);
    good.push({ row: n, personId: person.person_id, month: normalMonth, wageFen });
  }
  const batchId = uuid7();
  if (good.length) await declareBases(db, orgId, good.map(({ personId, month, wageFen }) => ({ personId, month, wageFen })), actor, 'xlsx', batchId);
  return { batchId, accepted: good.length, rejected: errors.length, errors };
}

/** The wage declared for a person with an employer, in force in `month` (the latest declaration at or before it). */
export async function declaredWage(db: Db, orgId: string, personId: string, month: string): Promise<number | null> {
  const r = await db.selectFrom('contribution_declarations').select('wage_fen').where('org_id', '=', orgId).where('person_id', '=', personId).where('month', '<=', month).orderBy('month', 'desc').limit(1).executeTakeFirst();
  return r?.wage_fen ?? null;
}

