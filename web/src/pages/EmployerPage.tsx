import { useRef, useState, type ReactNode } from 'react';
import { Button, Card, Flex, Form, Input, Select, Tag, Typography } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { SimpleTable } from '../components/SimpleTable';
import { yuan } from './ContributionsPage';

interface Employer {
  orgId: string;
  creditCode: string;
  name: string;
  regionCode: string;
  registeredOn: string;
  riskClass: number;
  status: string;
}
interface Employee {
  personId: string;
  name: string;
  residentIdMasked: string;
  startMonth: string;
  endMonth: string | null;
  /** The wage declared latest, and from which month. */
  wageFen: number | null;
  wageMonth: string | null;
}
interface Bill {
  billId: string;
  billNo: string;
  month: string;
  dueDate: string;
  principalFen: number;
  paidPrincipalFen: number;
  status: string;
}
interface RowError {
  row: number;
  code: string;
  reason: string;
  residentIdMasked: string | null;
  value?: string;
  month?: string;
  duplicateOf?: number;
}
interface XlsxResult {
  batchId: string;
  accepted: number;
  rejected: number;
  errors: RowError[];
}

/** Where an action's outcome is shown: next to the form or button that caused it, not at the top of a long phone page. */
type Section = 'employees' | 'declare' | 'xlsx';

const BILL_COLOURS: Record<string, string> = { open: '#a35200', partial: '#0b57c5', paid: '#2b7a0b' };
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const thisMonth = () => new Date().toISOString().slice(0, 7);
const fenOf = (yuanText: string) => Math.round(Number(yuanText) * 100);
// Yuan with at most two decimals, as the server takes wages.
const YUAN = /^\d{1,9}(\.\d{1,2})?$/;
// Form items side by side on a wide screen, one under another on a phone.
const FIELD = { flex: '1 1 160px', minWidth: 0, marginBottom: 8 };
// A second, smaller line in a table cell (keeps the phone's tables to three or four columns).
const SUB = { display: 'block', fontSize: 13, color: 'rgba(0, 0, 0, 0.7)' };
const H3 = { marginTop: 16, marginBottom: 8 };

/** The employer portal: employees (enrol / stop), contribution base declarations (form or xlsx), bills. */
export default function EmployerPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const orgId = me?.orgId ?? null;
  const employer = useApi<Employer>(orgId ? `/api/insurance/employers/${orgId}` : null);
  const employees = useApi<{ items: Employee[] }>(orgId ? `/api/insurance/employers/${orgId}/employees` : null);
  const [billStatus, setBillStatus] = useState('all');
  const bills = useApi<{ items: Bill[] }>(orgId ? `/api/insurance/employers/${orgId}/bills${billStatus === 'all' ? '' : `?status=${billStatus}`}` : null);
  const [outcome, setOutcome] = useState<{ section: Section; error?: unknown; notice?: string } | null>(null);
  const [xlsx, setXlsx] = useState<XlsxResult | null>(null);
  const [uploading, setUploading] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const [enrolForm] = Form.useForm();
  const [declareForm] = Form.useForm();

  if (!orgId)
    return (
      <Card>
        <Typography.Title level={1} className="tb-page-title">
          {t('nav.employer')}
        </Typography.Title>
        <Typography.Paragraph>{t('employer.noOrg')}</Typography.Paragraph>
      </Card>
    );

  async function run(section: Section, fn: () => Promise<unknown>, ok: string): Promise<boolean> {
    setOutcome(null);
    try {
      await fn();
      setOutcome({ section, notice: ok });
      employees.reload();
      bills.reload();
      return true;
    } catch (e) {
      setOutcome({ section, error: e });
      return false;
    }
  }

  async function uploadXlsx(input: HTMLInputElement) {
    const file = input.files?.[0];
    if (!file) return;
    setOutcome(null);
    setXlsx(null);
    setUploading(true);
    try {
      setXlsx(await api<XlsxResult>('POST', `/api/insurance/employers/${orgId}/declarations/xlsx`, file, { 'content-type': XLSX, 'idempotency-key': crypto.randomUUID() }));
      employees.reload();
    } catch (e) {
      setOutcome({ section: 'xlsx', error: e });
    } finally {
      setUploading(false);
      // The same file, corrected, can be chosen again.
      input.value = '';
    }
  }

  /** The outcome of the last action, if it was taken in this section. */
  function outcomeIn(section: Section): ReactNode {
    if (outcome?.section !== section) return null;
    if (outcome.error) {
      const fields = outcome.error instanceof ApiError ? (outcome.error.problem.errors ?? []) : [];
      return (
        <>
          <ErrorBox error={outcome.error} testId={`error-${section}`} />
          {fields.length > 0 && (
            <ul style={{ paddingInlineStart: 20 }}>
              {fields.map((f) => (
                <li key={f.field + f.reason}>{f.reason}</li>
              ))}
            </ul>
          )}
        </>
      );
    }
    return (
      <Typography.Paragraph type="success" role="status" data-testid={`notice-${section}`} style={{ marginBottom: 0 }}>
        {outcome.notice}
      </Typography.Paragraph>
    );
  }

  const rowReason = (r: RowError) => t(`employer.rowError.${r.code}`, { defaultValue: r.reason, value: r.value ?? '', month: r.month ?? '', row: r.duplicateOf ?? '' });
  const current = (employees.data?.items ?? []).filter((e) => !e.endMonth);
  const yuanRule = { pattern: YUAN, message: t('employer.yuanInvalid') };
  const required = { required: true, message: t('employer.required') };

  return (
    <Flex vertical gap={16}>
      <Card>
        <Typography.Title level={1} className="tb-page-title">
          {employer.data?.name ?? t('nav.employer')}
        </Typography.Title>
        {employer.data && (
          <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
            {t('employer.creditCodeLabel')}
            <span className="tb-mono" style={{ overflowWrap: 'anywhere' }}>
              {employer.data.creditCode}
            </span>{' '}
            · {t('employer.since', { date: employer.data.registeredOn })}
          </Typography.Paragraph>
        )}
        <ErrorBox error={employer.error} onRetry={employer.reload} />
      </Card>

      <Card title={<h2 className="tb-h2">{t('employer.employees')}</h2>}>
        {employees.data ? (
          <SimpleTable<Employee>
            testId="employees"
            caption={t('employer.employees')}
            rowKey={(e) => e.personId}
            rows={employees.data.items}
            empty={t('employer.noEmployees')}
            columns={[
              {
                key: 'name',
                title: t('person.name'),
                render: (e) => (
                  <>
                    {e.name}
                    <span style={SUB}>{t('employer.fromMonth', { month: e.startMonth })}</span>
                  </>
                ),
              },
              { key: 'rid', title: t('person.residentId'), render: (e) => <span className="tb-mono">{e.residentIdMasked}</span>, wide: true },
              {
                key: 'wage',
                title: t('employer.declaredWage'),
                align: 'right',
                render: (e) =>
                  e.wageFen === null ? (
                    '—'
                  ) : (
                    <>
                      {yuan(e.wageFen)}
                      {e.wageMonth && <span style={SUB}>{t('employer.fromMonth', { month: e.wageMonth })}</span>}
                    </>
                  ),
              },
              {
                key: 'stop',
                title: t('search.actions'),
                render: (e) =>
                  e.endMonth ? (
                    t('employer.stoppedAt', { month: e.endMonth })
                  ) : (
                    <Button size="small" onClick={() => void run('employees', () => api('POST', `/api/insurance/employers/${orgId}/employees/${e.personId}/stop`, { endMonth: thisMonth() }, { 'idempotency-key': crypto.randomUUID() }), t('employer.stopped'))}>
                      {t('employer.stop')}
                    </Button>
                  ),
              },
            ]}
          />
        ) : (
          <>{employees.error ? <ErrorBox error={employees.error} onRetry={employees.reload} /> : <Loading />}</>
        )}
        <h3 className="tb-h2" style={H3}>
          {t('employer.enrolHeading')}
        </h3>
        <Form
          form={enrolForm}
          name="enrol"
          layout="vertical"
          requiredMark={false}
          initialValues={{ startMonth: thisMonth() }}
          onFinish={(v: { residentId: string; startMonth: string; wageYuan?: string }) =>
            void run(
              'employees',
              () => api('POST', `/api/insurance/employers/${orgId}/employees`, { residentId: v.residentId.trim(), startMonth: v.startMonth, ...(v.wageYuan ? { wageFen: fenOf(v.wageYuan) } : {}) }, { 'idempotency-key': crypto.randomUUID() }),
              t('employer.enrolled'),
            ).then((ok) => ok && enrolForm.resetFields())
          }
        >
          <Flex wrap gap={12} align="flex-end">
            <Form.Item name="residentId" label={t('person.residentId')} rules={[required]} style={FIELD}>
              <Input className="tb-mono" maxLength={18} autoComplete="off" />
            </Form.Item>
            <Form.Item name="startMonth" label={t('employer.startMonth')} rules={[required]} style={FIELD}>
              <Input type="month" />
            </Form.Item>
            <Form.Item name="wageYuan" label={t('employer.wage')} rules={[yuanRule]} style={FIELD}>
              <Input inputMode="decimal" />
            </Form.Item>
            <Form.Item style={{ marginBottom: 8 }}>
              <Button type="primary" htmlType="submit" data-testid="enrol-submit">
                {t('employer.enrol')}
              </Button>
            </Form.Item>
          </Flex>
        </Form>
        {outcomeIn('employees')}
      </Card>

      <Card title={<h2 className="tb-h2">{t('employer.declare')}</h2>}>
        <h3 className="tb-h2" style={{ ...H3, marginTop: 0 }}>
          {t('employer.byForm')}
        </h3>
        <Form
          form={declareForm}
          name="declare"
          layout="vertical"
          requiredMark={false}
          initialValues={{ month: thisMonth() }}
          onFinish={(v: { personId: string; month: string; wageYuan: string }) =>
            void run(
              'declare',
              () => api('POST', `/api/insurance/employers/${orgId}/declarations`, { rows: [{ personId: v.personId, month: v.month, wageFen: fenOf(v.wageYuan) }] }, { 'idempotency-key': crypto.randomUUID() }),
              t('employer.declared'),
            ).then((ok) => ok && declareForm.resetFields(['wageYuan']))
          }
        >
          <Flex wrap gap={12} align="flex-end">
            <Form.Item name="personId" label={t('employer.employee')} rules={[required]} style={FIELD}>
              <Select data-testid="declare-employee" options={current.map((e) => ({ value: e.personId, label: `${e.name} ${e.residentIdMasked.slice(-4)}` }))} notFoundContent={t('employer.noEmployees')} />
            </Form.Item>
            <Form.Item name="month" label={t('contrib.month')} rules={[required]} style={FIELD}>
              <Input type="month" />
            </Form.Item>
            <Form.Item name="wageYuan" label={t('employer.wage')} rules={[required, yuanRule]} style={FIELD}>
              <Input inputMode="decimal" />
            </Form.Item>
            <Form.Item style={{ marginBottom: 8 }}>
              <Button type="primary" htmlType="submit" data-testid="declare-submit">
                {t('employer.declareSubmit')}
              </Button>
            </Form.Item>
          </Flex>
        </Form>
        {outcomeIn('declare')}

        <h3 className="tb-h2" style={H3}>
          {t('employer.byXlsx')}
        </h3>
        <Typography.Paragraph>{t('employer.xlsxHint')}</Typography.Paragraph>
        {/* The browser's own file button would speak the browser's language, not the page's. */}
        <input ref={fileRef} type="file" accept={`.xlsx,${XLSX}`} className="tb-visually-hidden" tabIndex={-1} aria-hidden onChange={(e) => void uploadXlsx(e.currentTarget)} data-testid="declaration-xlsx" />
        <Button icon={<UploadOutlined aria-hidden />} loading={uploading} onClick={() => fileRef.current?.click()}>
          {t('employer.xlsx')}
        </Button>
        {outcomeIn('xlsx')}
        {xlsx && (
          <div role="status" data-testid="xlsx-result" style={{ marginTop: 12 }}>
            <Typography.Paragraph strong style={{ marginBottom: 4 }}>
              {t('employer.xlsxResult', { accepted: xlsx.accepted, rejected: xlsx.rejected })}
            </Typography.Paragraph>
            {xlsx.errors.length > 0 && (
              <ul data-testid="xlsx-errors" style={{ paddingInlineStart: 20, marginBottom: 0 }}>
                {xlsx.errors.map((r) => (
                  <li key={r.row}>
                    {t('employer.badRow', { row: r.row, reason: rowReason(r) })}
                    {r.residentIdMasked && (
                      <>
                        {' '}
                        <span className="tb-mono" style={{ overflowWrap: 'anywhere' }}>
                          ({r.residentIdMasked})
                        </span>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </Card>

      <Card title={<h2 className="tb-h2">{t('employer.bills')}</h2>}>
        <Select aria-label={t('employer.billFilter')} style={{ width: 200, maxWidth: '100%', marginBottom: 12 }} value={billStatus} options={[{ value: 'all', label: t('employer.allBills') }, ...['open', 'partial', 'paid'].map((s) => ({ value: s, label: t(`employer.billStatus.${s}`) }))]} onChange={setBillStatus} />
        <ErrorBox error={bills.error} onRetry={bills.reload} />
        <SimpleTable<Bill>
          testId="bills"
          caption={t('employer.bills')}
          rowKey={(b) => b.billId}
          rows={bills.data?.items ?? []}
          empty={bills.loading ? t('app.loading') : t('employer.noBills')}
          columns={[
            { key: 'no', title: t('employer.billNo'), render: (b) => <span className="tb-mono">{b.billNo}</span>, wide: true },
            {
              key: 'month',
              title: t('contrib.month'),
              render: (b) => (
                <>
                  {b.month}
                  <span style={SUB}>{t('employer.dueBy', { date: b.dueDate })}</span>
                </>
              ),
            },
            { key: 'amount', title: t('employer.amount'), align: 'right', render: (b) => yuan(b.principalFen) },
            { key: 'paid', title: t('employer.paidAmount'), align: 'right', render: (b) => yuan(b.paidPrincipalFen), wide: true },
            { key: 'status', title: t('cases.status'), render: (b) => <Tag color={BILL_COLOURS[b.status] ?? '#595959'}>{t(`employer.billStatus.${b.status}`, { defaultValue: b.status })}</Tag> },
          ]}
        />
      </Card>
    </Flex>
  );
}
