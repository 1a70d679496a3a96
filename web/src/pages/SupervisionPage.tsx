import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Card, Flex, Statistic, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { SimpleTable } from '../components/SimpleTable';
import { DueFlag } from './BackOfficePage';
import { OverrideQueue } from './supervision/OverrideQueue';
import { RatingsPanel, type RatingCounts } from './supervision/RatingsPanel';

const TABS = ['overdue', 'overrides', 'ratings'] as const;
type Tab = (typeof TABS)[number];

const EChart = lazy(() => import('../components/EChart'));

interface OverdueItem {
  taskId: string;
  caseId: string;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  step: string;
  role: string;
  status: string;
  claimedBy: string | null;
  dueDate: string;
  statutoryDue: string;
  flag: string;
  escalatedAt: string | null;
}
interface Escalation {
  id: string;
  taskId: string;
  caseId: string;
  trackingNo: string;
  scope: string;
  dueDate: string;
  escalatedAt: string;
}

/**
 * Supervision, in three tabs: the overdue (red) and near-due (yellow) board with escalations and
 * a chart by item; overrides awaiting a second person; ratings with the follow-up of poor ones.
 */
export default function SupervisionPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const can = me?.permissions.includes('supervision.read') ?? false;
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'overdue';
  // The tab labels count what waits: pending overrides and poor ratings not yet followed up.
  const pending = useApi<{ items: unknown[] }>(can ? '/api/supervision/overrides?status=pending' : null);
  const ratings = useApi<{ counts: RatingCounts }>(can ? '/api/supervision/ratings?bad=true&status=open' : null);
  const res = useApi<{ items: OverdueItem[]; escalations: Escalation[] }>(can ? '/api/supervision/overdue' : null);
  const items = res.data?.items ?? [];
  const red = items.filter((i) => i.flag === 'red').length;
  const yellow = items.filter((i) => i.flag === 'yellow').length;
  const option = useMemo(() => {
    const byItem = new Map<string, { red: number; yellow: number }>();
    for (const i of items) {
      const e = byItem.get(i.itemName) ?? { red: 0, yellow: 0 };
      if (i.flag === 'red') e.red++;
      else if (i.flag === 'yellow') e.yellow++;
      byItem.set(i.itemName, e);
    }
    const names = [...byItem.keys()];
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: [t('supervision.red'), t('supervision.yellow')] },
      grid: { left: 8, right: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, overflow: 'truncate', width: 90 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('supervision.red'), type: 'bar', stack: 'n', data: names.map((n) => byItem.get(n)!.red), itemStyle: { color: '#c41d1d' } },
        { name: t('supervision.yellow'), type: 'bar', stack: 'n', data: names.map((n) => byItem.get(n)!.yellow), itemStyle: { color: '#d4a000' } },
      ],
    };
  }, [items, t]);

  if (!can)
    return (
      <Card>
        <Typography.Title level={1} className="tb-page-title">
          {t('nav.supervision')}
        </Typography.Title>
        <Typography.Paragraph>{t('supervision.noPermission')}</Typography.Paragraph>
      </Card>
    );

  const overdue = (
    <Flex vertical gap={16}>
      <ErrorBox error={res.error} onRetry={res.reload} />
      <Flex gap={32} wrap>
        <Statistic title={t('supervision.red')} value={red} valueStyle={{ color: '#c41d1d' }} />
        <Statistic title={t('supervision.yellow')} value={yellow} valueStyle={{ color: '#8a5a00' }} />
        <Statistic title={t('supervision.escalations')} value={res.data?.escalations.length ?? 0} />
      </Flex>
      {items.length > 0 && (
        <Suspense fallback={<Loading />}>
          <EChart option={option} label={t('supervision.chartLabel', { red, yellow })} />
        </Suspense>
      )}
      <h2 className="tb-h2">{t('supervision.board')}</h2>
      <SimpleTable<OverdueItem>
        rowKey={(i) => i.taskId}
        rows={items}
        empty={res.loading ? t('app.loading') : t('supervision.noneOverdue')}
        testId="overdue-board"
        columns={[
          { key: 'no', title: t('cases.trackingNo'), render: (i) => <Link to={`/backoffice/cases/${i.caseId}`} className="tb-mono">{i.trackingNo}</Link> },
          { key: 'item', title: t('cases.item'), render: (i) => i.itemName },
          { key: 'step', title: t('tasks.step'), render: (i) => `${t(`steps.${i.step}`, { defaultValue: i.step })} · ${t(`roles.${i.role}`, { defaultValue: i.role })}`, wide: true },
          { key: 'due', title: t('tasks.dueCol'), render: (i) => <DueFlag flag={i.flag as 'red'} due={i.dueDate} /> },
          { key: 'claimed', title: t('supervision.claimed'), render: (i) => (i.claimedBy ? t('supervision.yes') : t('supervision.no')), wide: true },
        ]}
      />
      <h2 className="tb-h2">{t('supervision.escalations')}</h2>
      <SimpleTable<Escalation>
        rowKey={(e) => e.id}
        rows={res.data?.escalations ?? []}
        empty={t('supervision.noEscalations')}
        columns={[
          { key: 'no', title: t('cases.trackingNo'), render: (e) => <Link to={`/backoffice/cases/${e.caseId}`} className="tb-mono">{e.trackingNo}</Link> },
          { key: 'due', title: t('tasks.dueCol'), render: (e) => e.dueDate },
          { key: 'at', title: t('supervision.escalatedAt'), render: (e) => e.escalatedAt.slice(0, 16).replace('T', ' ') },
        ]}
      />
    </Flex>
  );
  const count = (n: number | undefined) => (n ? t('supervision.tabCount', { count: n }) : '');
  const queueTab = (key: string, label: string, heading: string, queue: ReactNode) => ({
    key,
    label: <span data-testid={`tab-${key}`}>{label}</span>,
    children: (
      <section aria-labelledby={`${key}-heading`}>
        <h2 id={`${key}-heading`} className="tb-h2" style={{ marginBottom: 8 }}>
          {heading}
        </h2>
        {queue}
      </section>
    ),
  });

  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.supervision')}
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams(key === 'overdue' ? {} : { tab: key }, { replace: true })}
        data-testid="supervision-tabs"
        items={[
          { key: 'overdue', label: t('supervision.tabOverdue'), children: overdue },
          queueTab('overrides', t('supervision.tabOverrides') + count(pending.data?.items.length), t('overrides.heading'), <OverrideQueue onChanged={pending.reload} />),
          queueTab('ratings', t('supervision.tabRatings') + count(ratings.data?.counts.open), t('ratings.heading'), <RatingsPanel onChanged={ratings.reload} />),
        ]}
      />
    </Card>
  );
}
