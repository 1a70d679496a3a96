import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { DATE_PATTERN, MONTH_PATTERN } from '../../lib/dates.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { getPerson } from '../masterdata/persons.js';
import { assertCanSeePerson, regionPrefixFor } from '../masterdata/visibility.js';
import { parseResidentId } from '../masterdata/identity/resident-id.js';
import { findPersonByResidentId } from '../masterdata/persons.js';
import { accountStatement, contributionCertificate } from './account.js';
import { assessEmployerMonth, assessFlexibleMonth, billLines, enrolFlexible, getBill, listBills } from './assessment.js';
import { bankSecret, SIGNATURE_HEADER, verifyCallback, type PaymentCallback } from './bank.js';
import { benefitsOf, reinstatePension, suspendPension } from './benefits.js';
import { declareBases, declareFromXlsx, enrolEmployee, getEmployer, listEmployees, listEmployers, registerEmployer, stopEmployee } from './employers.js';
import { arrears, listPayments, postBankPayment } from './payments.js';
import { getPayrollRun, listPayrollRuns, releasePayroll, runPayroll } from './payroll.js';
import { assertCanActForEmployer } from './policies.js';
import { getReconciliation, reconcile } from './reconciliation.js';
import { listTransfers, transferIn, transferOut } from './transfers.js';

const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const UPLOAD_LIMIT = 20 * 1024 * 1024;

// Response objects declare their main fields and let nested detail through.
const Obj = (props: Record<string, TSchema>) => Type.Object(props, { additionalProperties: true });
const Month = Type.String({ pattern: MONTH_PATTERN });
const Day = Type.String({ pattern: DATE_PATTERN });
const Fen = Type.Integer({ minimum: 0, maximum: 1e13 });
const Uuid = Type.String({ format: 'uuid' });
const Nullable = (t: TSchema) => Type.Union([t, Type.Null()]);

const Employer = Obj({ orgId: Type.String(), creditCode: Type.String(), name: Type.String(), regionCode: Type.String(), registeredOn: Type.String(), riskClass: Type.Integer(), status: Type.String() });
const Bill = Obj({ billId: Type.String(), billNo: Type.String(), payerKind: Type.String(), orgId: Nullable(Type.String()), personId: Nullable(Type.String()), month: Type.String(), dueDate: Type.String(), principalFen: Type.Integer(), paidPrincipalFen: Type.Integer(), lateFeePaidFen: Type.Integer(), settledOn: Nullable(Type.String()), status: Type.String(), parameters: Type.Array(Obj({ key: Type.String(), versionId: Type.String() })) });
const Payroll = Obj({ runId: Type.String(), month: Type.String(), status: Type.String(), chunksTotal: Type.Integer(), chunksDone: Type.Integer(), payments: Type.Integer(), totalFen: Type.Integer(), files: Type.Array(Obj({ bank: Type.String(), file: Type.String(), rows: Type.Integer(), totalFen: Type.Integer(), sha256: Type.String() })), runBy: Nullable(Type.String()), releasedBy: Nullable(Type.String()) });
const Recon = Obj({ reconId: Type.String(), bankCode: Type.String(), statementDate: Type.String(), matched: Type.Integer(), missingInLedger: Type.Integer(), missingInBank: Type.Integer(), amountMismatch: Type.Integer(), exceptions: Type.Array(Obj({ kind: Type.String(), txRef: Type.String(), ledgerFen: Nullable(Type.Integer()), bankFen: Nullable(Type.Integer()) })) });
const Any = Obj({});

const OrgParams = Type.Object({ orgId: Uuid });
const PersonParams = Type.Object({ personId: Uuid });

export async function insuranceRoutes(app: FastifyInstance): Promise<void> {
  app.addContentTypeParser(CSV, { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(XLSX, { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, (_req, body, done) => done(null, body));

  /** Loads the organisation and applies the employer policy. */
  async function employerFor(request: FastifyRequest, orgId: string, intent: 'read' | 'write') {
    const org = await app.db.selectFrom('organisations').select(['org_id', 'region_code']).where('org_id', '=', orgId).executeTakeFirst();
    if (!org) throw new AppError('NOT_FOUND');
    assertCanActForEmployer(request.principal!, org, intent);
    return org;
  }
  async function personFor(request: FastifyRequest, personId: string) {
    const person = await getPerson(app.db, personId);
    if (!person) throw new AppError('NOT_FOUND');
    assertCanSeePerson(request.principal!, person);
    return person;
  }
  async function personIdOf(body: { personId?: string | undefined; residentId?: string | undefined }): Promise<string> {
    if (body.personId) return body.personId;
    const id = parseResidentId(body.residentId ?? '');
    if (!id.ok) throw new AppError('INVALID_RESIDENT_ID');
    const p = await findPersonByResidentId(app.db, id.value.id);
    if (!p) throw new AppError('NOT_FOUND', { detail: 'No person with this resident ID' });
    return p.person_id;
  }

  // ---- employers ----
  app.post(
    '/api/insurance/employers',
    {
      config: { access: 'insurance.write' },
      schema: {
        tags: ['social insurance'],
        summary: 'Register an employer for social insurance (参保单位登记), tied to its credit code',
        body: Type.Object({ creditCode: Type.String({ maxLength: 30 }), name: Type.Optional(Type.String({ maxLength: 100 })), orgType: Type.Optional(Type.String({ maxLength: 40 })), regionCode: Type.Optional(Type.String({ maxLength: 12 })), industryCode: Type.Optional(Type.String({ maxLength: 10 })), riskClass: Type.Integer({ minimum: 1, maximum: 8 }), registeredOn: Day }, { additionalProperties: false }),
        response: responses({ 201: Employer }),
      },
    },
    async (request, reply) => {
      const body = request.body as Parameters<typeof registerEmployer>[1];
      const existing = await app.db.selectFrom('organisations').select(['org_id', 'region_code']).where('credit_code', '=', body.creditCode.trim().toUpperCase()).executeTakeFirst();
      const region = existing?.region_code ?? body.regionCode ?? '';
      const scope = request.principal!.scopeRegion;
      if (!scope || !region.startsWith(scope)) throw new AppError('OUT_OF_SCOPE');
      reply.status(201);
      return registerEmployer(app.db, body, request.actor);
    },
  );

  app.get(
    '/api/insurance/employers',
    {
      config: { access: 'insurance.read' },
      schema: { tags: ['social insurance'], summary: 'Insured employers in the caller’s region', querystring: Type.Object({ offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e6 })) }), response: responses({ 200: Type.Object({ items: Type.Array(Employer) }) }) },
    },
    async (request) => {
      const prefix = regionPrefixFor(request.principal!);
      if (!prefix) return { items: [] };
      return { items: await listEmployers(app.db, { regionPrefix: prefix, offset: (request.query as { offset?: number }).offset ?? 0 }) };
    },
  );

  app.get(
    '/api/insurance/employers/:orgId',
    { config: { access: 'authenticated' }, schema: { tags: ['social insurance'], summary: 'One insured employer (staff in scope, or the employer’s own agent)', params: OrgParams, response: responses({ 200: Employer }) } },
    async (request) => {
      const { orgId } = request.params as { orgId: string };
      await employerFor(request, orgId, 'read');
      const e = await getEmployer(app.db, orgId);
      if (!e) throw new AppError('NOT_FOUND');
      return e;
    },
  );

  app.get(
    '/api/insurance/employers/:orgId/employees',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['social insurance'], summary: 'Employees enrolled (in a month, or ever)', params: OrgParams, querystring: Type.Object({ month: Type.Optional(Month) }), response: responses({ 200: Type.Object({ items: Type.Array(Any) }) }) },
    },
    async (request) => {
      const { orgId } = request.params as { orgId: string };
      await employerFor(request, orgId, 'read');
      return { items: await listEmployees(app.db, orgId, (request.query as { month?: string }).month) };
    },
  );

  app.post(
    '/api/insurance/employers/:orgId/employees',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['social insurance'],
        summary: 'Enrol an employee from a month (增员)',
        params: OrgParams,
        body: Type.Object({ personId: Type.Optional(Uuid), residentId: Type.Optional(Type.String({ maxLength: 40 })), startMonth: Month, wageFen: Type.Optional(Fen) }, { additionalProperties: false }),
        response: responses({ 201: Any }),
      },
    },
    async (request, reply) => {
      const { orgId } = request.params as { orgId: string };
      await employerFor(request, orgId, 'write');
      const body = request.body as { personId?: string; residentId?: string; startMonth: string; wageFen?: number };
      const personId = await personIdOf(body);
      reply.status(201);
      return enrolEmployee(app.db, { orgId, personId, startMonth: body.startMonth, wageFen: body.wageFen }, request.actor);
    },
  );

  app.post(
    '/api/insurance/employers/:orgId/employees/:personId/stop',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['social insurance'], summary: 'Stop an employee after a month (减员)', params: Type.Object({ orgId: Uuid, personId: Uuid }), body: Type.Object({ endMonth: Month }, { additionalProperties: false }), response: responses({ 200: Any }) },
    },
    async (request) => {
      const { orgId, personId } = request.params as { orgId: string; personId: string };
      await employerFor(request, orgId, 'write');
      return stopEmployee(app.db, { orgId, personId, endMonth: (request.body as { endMonth: string }).endMonth }, request.actor);
    },
  );

  app.post(
    '/api/insurance/employers/:orgId/declarations',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['social insurance'],
        summary: 'Declare contribution bases (缴费基数申报) by form: wages in fen per employee and month',
        params: OrgParams,
        body: Type.Object({ rows: Type.Array(Type.Object({ personId: Uuid, month: Month, wageFen: Fen }, { additionalProperties: false }), { minItems: 1, maxItems: 2000 }) }, { additionalProperties: false }),
        response: responses({ 200: Any }),
      },
    },
    async (request) => {
      const { orgId } = request.params as { orgId: string };
      await employerFor(request, orgId, 'write');
      return declareBases(app.db, orgId, (request.body as { rows: { personId: string; month: string; wageFen: number }[] }).rows, request.actor);
    },
  );

  app.post(
    '/api/insurance/employers/:orgId/declarations/xlsx',
    {
      config: { access: 'authenticated' },
      bodyLimit: UPLOAD_LIMIT,
      schema: {
        tags: ['social insurance'],
        summary: 'Declare contribution bases by XLSX upload (columns 身份证号, 姓名, 月份, 缴费工资 in yuan): good rows are kept, each bad row is named with its row number and reason',
        params: OrgParams,
        response: responses({ 200: Obj({ batchId: Type.String(), accepted: Type.Integer(), rejected: Type.Integer(), errors: Type.Array(Obj({ row: Type.Integer(), code: Type.String(), reason: Type.String(), residentIdMasked: Nullable(Type.String()), value: Type.Optional(Type.String()), month: Type.Optional(Type.String()), duplicateOf: Type.Optional(Type.Integer()) })) }) }),
      },
    },
    async (request) => {
      const { orgId } = request.params as { orgId: string };
      await employerFor(request, orgId, 'write');
      const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== XLSX) throw new AppError('UNSUPPORTED_MEDIA_TYPE', { detail: `send ${XLSX}` });
      const body = request.body as Buffer;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body', reason: 'the file is empty / 文件为空', code: 'empty' }] });
      return declareFromXlsx(app.db, orgId, body, request.actor);
    },
  );

  app.post(
    '/api/insurance/employers/:orgId/assessments',
    {
      config: { access: 'insurance.write' },
      schema: { tags: ['social insurance'], summary: 'Assess an employer’s month (缴费核定): entries and one bill; idempotent', params: OrgParams, body: Type.Object({ month: Month }, { additionalProperties: false }), response: responses({ 200: Obj({ bill: Bill, created: Type.Boolean(), lines: Type.Integer() }) }) },
    },
    async (request) => {
      const { orgId } = request.params as { orgId: string };
      await employerFor(request, orgId, 'write');
      return assessEmployerMonth(app.db, { orgId, month: (request.body as { month: string }).month }, request.actor);
    },
  );

  // ---- bills, payments, arrears ----
  app.get(
    '/api/insurance/employers/:orgId/bills',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['social insurance'], summary: 'An employer’s bills', params: OrgParams, querystring: Type.Object({ month: Type.Optional(Month), status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('partial'), Type.Literal('paid')])), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e6 })) }), response: responses({ 200: Type.Object({ items: Type.Array(Bill) }) }) },
    },
    async (request) => {
      const { orgId } = request.params as { orgId: string };
      await employerFor(request, orgId, 'read');
      const q = request.query as { month?: string; status?: string; offset?: number };
      return { items: await listBills(app.db, { orgId, month: q.month, status: q.status, offset: q.offset ?? 0 }) };
    },
  );

  app.get(
    '/api/insurance/bills/:billId',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['social insurance'], summary: 'A bill with its lines (the employer’s agent, the flexible worker, or staff in scope)', params: Type.Object({ billId: Uuid }), response: responses({ 200: Obj({ bill: Bill, lines: Type.Array(Any) }) }) },
    },
    async (request) => {
      const { billId } = request.params as { billId: string };
      const bill = await getBill(app.db, billId);
      if (!bill) throw new AppError('NOT_FOUND');
      if (bill.orgId) await employerFor(request, bill.orgId, 'read');
      else {
        const person = await personFor(request, bill.personId!);
        if (request.principal!.kind === 'staff' && !request.principal!.permissions.has('insurance.read')) throw new AppError('FORBIDDEN');
        void person;
      }
      return { bill, lines: await billLines(app.db, billId) };
    },
  );

  app.get(
    '/api/insurance/arrears',
    {
      config: { access: 'insurance.read' },
      schema: { tags: ['social insurance'], summary: 'Unpaid bills past due with the late fee owed on a day (0.05 %/day, 社会保险法第八十六条)', querystring: Type.Object({ asOf: Day, orgId: Type.Optional(Uuid) }), response: responses({ 200: Type.Object({ items: Type.Array(Any) }) }) },
    },
    async (request) => {
      const q = request.query as { asOf: string; orgId?: string };
      if (q.orgId) await employerFor(request, q.orgId, 'read');
      const prefix = regionPrefixFor(request.principal!);
      if (!prefix) return { items: [] };
      return { items: await arrears(app.db, { asOf: q.asOf, orgId: q.orgId, regionPrefix: prefix }) };
    },
  );

  app.get(
    '/api/insurance/payments',
    {
      config: { access: 'insurance.read' },
      schema: { tags: ['social insurance'], summary: 'Payments of a bill or an employer', querystring: Type.Object({ billId: Type.Optional(Uuid), orgId: Type.Optional(Uuid) }), response: responses({ 200: Type.Object({ items: Type.Array(Any) }) }) },
    },
    async (request) => {
      const q = request.query as { billId?: string; orgId?: string };
      if (!q.billId && !q.orgId) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/querystring', reason: 'billId or orgId' }] });
      if (q.orgId) await employerFor(request, q.orgId, 'read');
      if (q.billId) {
        const bill = await getBill(app.db, q.billId);
        if (!bill) throw new AppError('NOT_FOUND');
        if (bill.orgId) await employerFor(request, bill.orgId, 'read');
        else await personFor(request, bill.personId!);
      }
      return { items: await listPayments(app.db, q) };
    },
  );

  // The bank calls this without a session: it proves itself with an HMAC of the body
  // under the shared secret of that bank. Posting is idempotent on the bank's reference.
  app.post(
    '/api/insurance/bank/:bankCode/callback',
    {
      config: { access: 'public' },
      schema: {
        tags: ['social insurance'],
        summary: 'Payment callback from a bank (HMAC-SHA256 signature in X-Bank-Signature); a repeated callback posts once',
        params: Type.Object({ bankCode: Type.String({ pattern: '^[A-Z0-9]{2,16}$' }) }),
        body: Type.Object({ bankCode: Type.String({ maxLength: 16 }), txRef: Type.String({ minLength: 1, maxLength: 64 }), billNo: Type.String({ minLength: 1, maxLength: 64 }), amountFen: Type.Integer({ minimum: 1, maximum: 1e13 }), paidOn: Day }, { additionalProperties: false }),
        response: responses({ 200: Any }),
      },
    },
    async (request) => {
      const { bankCode } = request.params as { bankCode: string };
      const body = request.body as PaymentCallback;
      const secret = bankSecret(bankCode);
      if (!secret || body.bankCode !== bankCode || !verifyCallback(secret, body, request.headers[SIGNATURE_HEADER] as string | undefined)) throw new AppError('BANK_SIGNATURE_INVALID');
      return postBankPayment(app.db, body, { ...SYSTEM_ACTOR, userId: `bank:${bankCode}`, role: 'bank', channel: 'bank', ip: request.ip ?? null });
    },
  );

  app.post(
    '/api/insurance/reconciliations',
    {
      config: { access: 'payment.reconcile' },
      bodyLimit: UPLOAD_LIMIT,
      schema: { tags: ['social insurance'], summary: 'Reconcile a bank’s statement of a day (text/csv: tx_ref, bill_no, amount, paid_on) with the payments posted', querystring: Type.Object({ bankCode: Type.String({ pattern: '^[A-Z0-9]{2,16}$' }), statementDate: Day }), response: responses({ 200: Recon }) },
    },
    async (request) => {
      const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== CSV) throw new AppError('UNSUPPORTED_MEDIA_TYPE', { detail: `send ${CSV}` });
      const q = request.query as { bankCode: string; statementDate: string };
      return reconcile(app.db, { bankCode: q.bankCode, statementDate: q.statementDate, csv: (request.body as Buffer).toString('utf8') }, request.actor);
    },
  );

  app.get(
    '/api/insurance/reconciliations/:reconId',
    { config: { access: 'payment.reconcile' }, schema: { tags: ['social insurance'], summary: 'A reconciliation and its exceptions', params: Type.Object({ reconId: Uuid }), response: responses({ 200: Recon }) } },
    async (request) => {
      const r = await getReconciliation(app.db, (request.params as { reconId: string }).reconId);
      if (!r) throw new AppError('NOT_FOUND');
      return r;
    },
  );

  // ---- flexible employment ----
  app.post(
    '/api/insurance/flexible',
    {
      config: { access: 'insurance.write' },
      schema: { tags: ['social insurance'], summary: 'Enrol a flexible worker (灵活就业参保) at a base they choose within the limits', body: Type.Object({ personId: Uuid, startMonth: Month, baseFen: Fen }, { additionalProperties: false }), response: responses({ 201: Any }) },
    },
    async (request, reply) => {
      const body = request.body as { personId: string; startMonth: string; baseFen: number };
      await personFor(request, body.personId);
      reply.status(201);
      return enrolFlexible(app.db, body, request.actor);
    },
  );

  app.post(
    '/api/insurance/flexible/:personId/assessments',
    {
      config: { access: 'insurance.write' },
      schema: { tags: ['social insurance'], summary: 'Assess a flexible worker’s month: one bill they pay themselves', params: PersonParams, body: Type.Object({ month: Month }, { additionalProperties: false }), response: responses({ 200: Obj({ bill: Bill, created: Type.Boolean() }) }) },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      return assessFlexibleMonth(app.db, { personId, month: (request.body as { month: string }).month }, request.actor);
    },
  );

  // ---- a person's record ----
  app.get(
    '/api/persons/:personId/contribution-certificate',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['social insurance'], summary: 'Contribution certificate data (参保缴费证明): months per insurance type, year by year, account balance', params: PersonParams, querystring: Type.Object({ asOf: Type.Optional(Day) }), response: responses({ 200: Obj({ personId: Type.String(), asOf: Type.String(), insurances: Type.Array(Any), years: Type.Array(Any), account: Any }) }) },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      return contributionCertificate(app.db, personId, (request.query as { asOf?: string }).asOf ?? new Date().toISOString().slice(0, 10));
    },
  );

  app.get(
    '/api/persons/:personId/pension-account',
    { config: { access: 'authenticated' }, schema: { tags: ['social insurance'], summary: 'Personal pension account: balance and year-by-year contributions and interest', params: PersonParams, response: responses({ 200: Obj({ personId: Type.String(), balanceFen: Type.Integer(), years: Type.Array(Any) }) }) } },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      return accountStatement(app.db, personId);
    },
  );

  app.get(
    '/api/persons/:personId/benefits',
    { config: { access: 'authenticated' }, schema: { tags: ['social insurance'], summary: 'Running and past benefits (pension, unemployment)', params: PersonParams, response: responses({ 200: Type.Object({ items: Type.Array(Any) }) }) } },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      return { items: await benefitsOf(app.db, personId) };
    },
  );

  app.get(
    '/api/persons/:personId/transfers',
    { config: { access: 'insurance.read' }, schema: { tags: ['social insurance'], summary: 'Transfers of the pension relationship in and out', params: PersonParams, response: responses({ 200: Type.Object({ items: Type.Array(Any) }) }) } },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      return { items: await listTransfers(app.db, personId) };
    },
  );

  app.post(
    '/api/persons/:personId/transfers/out',
    {
      config: { access: 'insurance.write' },
      schema: { tags: ['social insurance'], summary: 'Transfer the pension out to another pooling area (关系转出): months, bases, account balance, pooled fund due', params: PersonParams, body: Type.Object({ toArea: Type.String({ minLength: 2, maxLength: 60 }), date: Day }, { additionalProperties: false }), response: responses({ 200: Any }) },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      const body = request.body as { toArea: string; date: string };
      return transferOut(app.db, { personId, toArea: body.toArea, date: body.date }, request.actor);
    },
  );

  app.post(
    '/api/persons/:personId/transfers/in',
    {
      config: { access: 'insurance.write' },
      schema: {
        tags: ['social insurance'],
        summary: 'Import an incoming transfer record (关系转入): every month counted once',
        params: PersonParams,
        body: Type.Object(
          { fromArea: Type.String({ minLength: 2, maxLength: 60 }), reference: Type.String({ minLength: 1, maxLength: 80 }), date: Day, months: Type.Array(Type.Object({ month: Month, baseFen: Fen }, { additionalProperties: false }), { maxItems: 1000 }), priorMonths: Type.Integer({ minimum: 0, maximum: 900 }), accountBalanceFen: Fen, pooledFundFen: Fen },
          { additionalProperties: false },
        ),
        response: responses({ 200: Any }),
      },
    },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      return transferIn(app.db, { personId, ...(request.body as Omit<Parameters<typeof transferIn>[1], 'personId'>) }, request.actor);
    },
  );

  app.post(
    '/api/persons/:personId/pension/suspend',
    { config: { access: 'benefit.manage' }, schema: { tags: ['social insurance'], summary: 'Suspend a pension from a month (暂停发放)', params: PersonParams, body: Type.Object({ fromMonth: Month, reason: Type.String({ minLength: 2, maxLength: 200 }) }, { additionalProperties: false }), response: responses({ 200: Any }) } },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      return suspendPension(app.db, { personId, ...(request.body as { fromMonth: string; reason: string }) }, request.actor);
    },
  );

  app.post(
    '/api/persons/:personId/pension/reinstate',
    { config: { access: 'benefit.manage' }, schema: { tags: ['social insurance'], summary: 'Reinstate a suspended pension (恢复发放), by default paying the missed months as arrears', params: PersonParams, body: Type.Object({ fromMonth: Month, payArrears: Type.Optional(Type.Boolean()), reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }), response: responses({ 200: Any }) } },
    async (request) => {
      const { personId } = request.params as { personId: string };
      await personFor(request, personId);
      return reinstatePension(app.db, { personId, ...(request.body as { fromMonth: string; payArrears?: boolean }) }, request.actor);
    },
  );

  // ---- payroll ----
  app.post(
    '/api/insurance/payroll/runs',
    { config: { access: 'payroll.run' }, schema: { tags: ['social insurance'], summary: 'Compute (or resume) a month’s benefit payroll and its bank files; release needs a second person', body: Type.Object({ month: Month }, { additionalProperties: false }), response: responses({ 200: Payroll }) } },
    async (request) => runPayroll(app.db, { month: (request.body as { month: string }).month, dataDir: app.config.dataDir }, request.actor),
  );

  app.get(
    '/api/insurance/payroll/runs',
    { config: { access: 'insurance.read' }, schema: { tags: ['social insurance'], summary: 'Payroll runs by month', response: responses({ 200: Type.Object({ items: Type.Array(Payroll) }) }) } },
    async () => ({ items: await listPayrollRuns(app.db) }),
  );

  app.get(
    '/api/insurance/payroll/runs/:month',
    { config: { access: 'insurance.read' }, schema: { tags: ['social insurance'], summary: 'One month’s payroll run with its totals per bank', params: Type.Object({ month: Month }), response: responses({ 200: Payroll }) } },
    async (request) => {
      const r = await getPayrollRun(app.db, (request.params as { month: string }).month);
      if (!r) throw new AppError('NOT_FOUND');
      return r;
    },
  );

  app.post(
    '/api/insurance/payroll/runs/:month/release',
    {
      config: { access: 'payroll.release' },
      schema: { tags: ['social insurance'], summary: 'Sign off a computed payroll (two-person rule): state the total you checked', params: Type.Object({ month: Month }), body: Type.Object({ expectedTotalFen: Fen }, { additionalProperties: false }), response: responses({ 200: Payroll }) },
    },
    async (request) => releasePayroll(app.db, { month: (request.params as { month: string }).month, dataDir: app.config.dataDir, expectedTotalFen: (request.body as { expectedTotalFen: number }).expectedTotalFen }, request.actor),
  );
}
