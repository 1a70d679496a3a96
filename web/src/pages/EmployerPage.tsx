import { useState } from 'react';
import { Button, Card, Flex, Form, Input, Select, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
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
  name?: string;
  residentId?: string;
  startMonth?: string;
  endMonth?: string | null;
  wageFen?: number;
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
interface XlsxResult {
  accepted?: number;
  rejected?: { row: number; reason: string }[];
}

const BILL_COLOURS: Record<string, string> = { open: '#a35200', partial: '#0b57c5', paid: '#2b7a0b' };
const thisMonth = () => new Date().toISOString().slice(0, 7);

/** The employer portal: employees (enrol / stop), contribution base declarations (form or xlsx), bills. */
export default function EmployerPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const orgId = me?.orgId ?? null;
  const employer = useApi<Employer>(orgId ? `/api/insurance/employers/${orgId}` : null);
  const employees = useApi<{ items: Employee[] }>(orgId ? `/api/insurance/employers/${orgId}/employees` : null);
  const [billStatus, setBillStatus] = useState('all');
  const bills = useApi<{ items: Bill[] }>(orgId ? `/api/insurance/employers/${orgId}/bills${billStatus === 'all' ? '' : `?status=${billStatus}`}` : null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [xlsx, setXlsx] = useState<XlsxResult | null>(null);

  if (!orgId)
    return (
      <Card>
        <Typography.Title level={1} className="tb-page-title">
          {t('nav.employer')}
        </Typography.Title>
        <Typography.Paragraph>{t('employer.noOrg')}</Typography.Paragraph>
      </Card>
    );

  async function run(fn: () => Promise<unknown>, ok: string) {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(ok);
      employees.reload();
      bills.reload();
    } catch (e) {
      setError(e);
    }
  }

  async function uploadXlsx(file: File | undefined) {
    if (!file) return;
    setError(null);
    try {
      setXlsx(await api<XlsxResult>('POST', `/api/insurance/employers/${orgId}/declarations/xlsx`, file, { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'idempotency-key': crypto.randomUUID() }));
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Flex vertical gap={16}>
      <Card>
        <Typography.Title level={1} className="tb-page-title">
          {employer.data?.name ?? t('nav.employer')}
        </Typography.Title>
        {employer.data && (
          <Typography.Paragraph type="secondary">
            {t('employer.creditCode')}：<span className="tb-mono">{employer.data.creditCode}</span> · {t('employer.since', { date: employer.data.registeredOn })}
          </Typography.Paragraph>
        )}
        <ErrorBox error={error ?? employer.error} />
        {notice && (
          <Typography.Paragraph type="success" role="status">
            {notice}
          </Typography.Paragraph>
        )}
      </Card>
      <Card title={<h2 className="tb-h2">{t('employer.employees')}</h2>}>
        <Form
          layout="inline"
          onFinish={(v: { residentId: string; startMonth: string; wageYuan: string }) =>
            void run(
              () => api('POST', `/api/insurance/employers/${orgId}/employees`, { residentId: v.residentId.trim(), startMonth: v.startMonth, wageFen: Math.round(Number(v.wageYuan) * 100) }, { 'idempotency-key': crypto.randomUUID() }),
              t('employer.enrolled'),
            )
          }
          initialValues={{ startMonth: thisMonth() }}
          style={{ marginBottom: 12, rowGap: 8 }}
        >
          <Form.Item name="residentId" label={t('person.residentId')} rules={[{ required: true }]}>
            <Input className="tb-mono" maxLength={18} />
          </Form.Item>
          <Form.Item name="startMonth" label={t('employer.startMonth')} rules={[{ required: true }]}>
            <Input type="month" />
          </Form.Item>
          <Form.Item name="wageYuan" label={t('employer.wage')} rules={[{ required: true }]}>
            <Input type="number" inputMode="decimal" style={{ width: 140 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('employer.enrol')}
          </Button>
        </Form>
        {employees.data ? (
          <SimpleTable<Employee>
            rowKey={(e) => e.personId}
            rows={employees.data.items}
            empty={t('employer.noEmployees')}
            columns={[
              { key: 'name', title: t('person.name'), render: (e) => e.name ?? e.personId.slice(0, 8) },
              { key: 'rid', title: t('person.residentId'), render: (e) => <span className="tb-mono">{e.residentId ?? ''}</span>, wide: true },
              { key: 'from', title: t('employer.startMonth'), render: (e) => e.startMonth ?? '' },
              {
                key: 'stop',
                title: t('search.actions'),
                render: (e) =>
                  e.endMonth ? (
                    t('employer.stoppedAt', { month: e.endMonth })
                  ) : (
                    <Button size="small" onClick={() => void run(() => api('POST', `/api/insurance/employers/${orgId}/employees/${e.personId}/stop`, { endMonth: thisMonth() }, { 'idempotency-key': crypto.randomUUID() }), t('employer.stopped'))}>
                      {t('employer.stop')}
                    </Button>
                  ),
              },
            ]}
          />
        ) : (
          !employees.error && <Loading />
        )}
      </Card>
      <Card title={<h2 className="tb-h2">{t('employer.declare')}</h2>}>
        <Typography.Paragraph>{t('employer.xlsxHint')}</Typography.Paragraph>
        <input type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" aria-label={t('employer.xlsx')} onChange={(e) => void uploadXlsx(e.target.files?.[0])} data-testid="declaration-xlsx" />
        {xlsx && (
          <div role="status" style={{ marginTop: 8 }}>
            {t('employer.xlsxResult', { accepted: xlsx.accepted ?? 0, rejected: xlsx.rejected?.length ?? 0 })}
            {xlsx.rejected && xlsx.rejected.length > 0 && (
              <ul>
                {xlsx.rejected.map((r) => (
                  <li key={r.row}>{t('employer.badRow', { row: r.row, reason: r.reason })}</li>
                ))}
              </ul>
            )}
          </div>
        )}
      </Card>
      <Card title={<h2 className="tb-h2">{t('employer.bills')}</h2>}>
        <Select
          aria-label={t('employer.billFilter')}
          style={{ width: 200, marginBottom: 12 }}
          value={billStatus}
          options={[{ value: 'all', label: t('employer.allBills') }, ...['open', 'partial', 'paid'].map((s) => ({ value: s, label: t(`employer.billStatus.${s}`) }))]}
          onChange={setBillStatus}
        />
        <SimpleTable<Bill>
          rowKey={(b) => b.billId}
          rows={bills.data?.items ?? []}
          empty={bills.loading ? t('app.loading') : t('employer.noBills')}
          columns={[
            { key: 'no', title: t('employer.billNo'), render: (b) => <span className="tb-mono">{b.billNo}</span> },
            { key: 'month', title: t('contrib.month'), render: (b) => b.month },
            { key: 'amount', title: t('employer.amount'), align: 'right', render: (b) => yuan(b.principalFen) },
            { key: 'due', title: t('employer.due'), render: (b) => b.dueDate, wide: true },
            { key: 'status', title: t('cases.status'), render: (b) => <Tag color={BILL_COLOURS[b.status] ?? '#595959'}>{t(`employer.billStatus.${b.status}`, { defaultValue: b.status })}</Tag> },
          ]}
        />
      </Card>
    </Flex>
  );
}
