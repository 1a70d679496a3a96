import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Card, Segmented, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi';
import { ErrorBox } from '../components/ErrorBox';
import { SimpleTable } from '../components/SimpleTable';

export interface TaskInfo {
  id: string;
  caseId: string;
  trackingNo?: string;
  itemCode?: string;
  itemName?: string;
  step: string;
  role: string;
  scope: string;
  regionCode: string;
  status: string;
  claimedBy: string | null;
  dueDate: string;
  statutoryDue: string;
  flag: 'green' | 'yellow' | 'red' | null;
  escalatedAt: string | null;
}

/** Yellow at ≤ 1 working day left, red when overdue: colour and words, never colour alone. */
export function DueFlag({ flag, due }: { flag: TaskInfo['flag']; due: string }) {
  const { t } = useTranslation();
  if (flag === 'red') return <span className="tb-due-red" data-flag="red">{t('tasks.overdue', { due })}</span>;
  if (flag === 'yellow') return <span className="tb-due-yellow" data-flag="yellow">{t('tasks.dueSoon', { due })}</span>;
  return <span className="tb-due-ok" data-flag="green">{t('tasks.due', { due })}</span>;
}

/** The back office: my role's queue (available) and what I claimed (mine), with due flags. */
export default function BackOfficePage() {
  const { t } = useTranslation();
  const [queue, setQueue] = useState<'available' | 'mine'>('available');
  const res = useApi<{ items: TaskInfo[] }>(`/api/tasks?queue=${queue}`);
  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.backoffice')}
      </Typography.Title>
      <Segmented
        value={queue}
        onChange={(v) => setQueue(v as 'available' | 'mine')}
        options={[
          { value: 'available', label: t('tasks.available') },
          { value: 'mine', label: t('tasks.mine') },
        ]}
        aria-label={t('tasks.queue')}
        style={{ marginBottom: 12 }}
        data-testid="queue-switch"
      />
      <ErrorBox error={res.error} onRetry={res.reload} />
      <SimpleTable<TaskInfo>
        rowKey={(x) => x.id}
        rows={res.data?.items ?? []}
        empty={res.loading ? t('app.loading') : t('tasks.none')}
        testId="task-list"
        caption={t('tasks.queue')}
        columns={[
          { key: 'no', title: t('cases.trackingNo'), render: (x) => <Link to={`/backoffice/cases/${x.caseId}`} className="tb-mono" data-testid="open-task">{x.trackingNo ?? x.caseId.slice(0, 8)}</Link> },
          { key: 'item', title: t('cases.item'), render: (x) => x.itemName ?? x.itemCode },
          { key: 'step', title: t('tasks.step'), render: (x) => t(`steps.${x.step}`, { defaultValue: x.step }) },
          { key: 'due', title: t('tasks.dueCol'), render: (x) => <DueFlag flag={x.flag} due={x.dueDate} /> },
          { key: 'status', title: t('cases.status'), render: (x) => t(`taskStatus.${x.status}`, { defaultValue: x.status }), wide: true },
        ]}
      />
    </Card>
  );
}
