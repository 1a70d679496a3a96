import { Button, Card, Flex, Typography } from 'antd';
import { SimpleTable, type SimpleColumn } from '../components/SimpleTable';
import { PrinterOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';

interface MonthEntry {
  month: string;
  insuranceType: string;
  orgId: string | null;
  baseFen: number;
  employerFen: number;
  employeeFen: number;
  paid: boolean;
}

/** Fen as yuan with two decimals (display only; amounts stay integers in fen). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100).toLocaleString('en-US')}.${String(a % 100).padStart(2, '0')}`;
}

/** My contribution record: the recent months from the rights record, printable. */
export default function ContributionsPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const res = useApi<{ insurances: { insuranceType: string; totalMonths: number; status: string }[]; recent: MonthEntry[] }>(me?.personId ? `/api/persons/${me.personId}/rights` : null);
  const columns: SimpleColumn<MonthEntry>[] = [
    { key: 'month', title: t('contrib.month'), render: (r) => r.month },
    { key: 'type', title: t('me.type'), render: (r) => t(`insurance.${r.insuranceType}`, { defaultValue: r.insuranceType }) },
    { key: 'base', title: t('contrib.base'), align: 'right', render: (r) => yuan(r.baseFen), wide: true },
    { key: 'employer', title: t('contrib.employer'), align: 'right', render: (r) => yuan(r.employerFen), wide: true },
    { key: 'employee', title: t('contrib.employee'), align: 'right', render: (r) => yuan(r.employeeFen) },
    { key: 'paid', title: t('contrib.paid'), render: (r) => (r.paid ? t('contrib.yes') : t('contrib.no')) },
  ];
  return (
    <Card>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={1} className="tb-page-title">
          {t('nav.contributions')}
        </Typography.Title>
        <Button icon={<PrinterOutlined aria-hidden />} onClick={() => window.print()} className="tb-no-print">
          {t('contrib.print')}
        </Button>
      </Flex>
      <ErrorBox error={res.error} onRetry={res.reload} />
      {!res.data ? (
        !res.error && <Loading />
      ) : (
        <>
          <ul data-testid="contrib-summary">
            {res.data.insurances.map((i) => (
              <li key={i.insuranceType}>
                {t(`insurance.${i.insuranceType}`, { defaultValue: i.insuranceType })}：{t('me.months', { count: i.totalMonths })}
              </li>
            ))}
          </ul>
          <SimpleTable<MonthEntry> rowKey={(r) => `${r.month}-${r.insuranceType}-${r.orgId ?? ''}`} columns={columns} rows={res.data.recent} empty={t('contrib.none')} testId="contrib-table" caption={t('nav.contributions')} />
        </>
      )}
    </Card>
  );
}
