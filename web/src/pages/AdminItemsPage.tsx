import { Card, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi';
import { loc } from '../types';
import type { ItemSummary } from '../components/ServiceList';
import { ErrorBox } from '../components/ErrorBox';

type Item = ItemSummary & { version: number; effectiveFrom: string; timeLimit: { statutoryDays: number; promisedDays: number } };

/** Administration: the catalogue's items in force, each leading to its versions and process. */
export default function AdminItemsPage() {
  const { t, i18n } = useTranslation();
  const res = useApi<{ items: Item[] }>('/api/items');
  const columns: TableColumnsType<Item> = [
    { key: 'code', title: t('admin.code'), dataIndex: 'code', render: (v: string) => <Link to={`/admin/items/${encodeURIComponent(v)}`} className="tb-mono">{v}</Link> },
    { key: 'name', title: t('admin.name'), dataIndex: 'name', render: (v: Item['name']) => loc(v, i18n.language) },
    { key: 'domain', title: t('admin.domain'), dataIndex: 'domain', render: (v: string) => t(`domains.${v}`, { defaultValue: v }), responsive: ['md'] },
    { key: 'version', title: t('admin.version'), dataIndex: 'version', render: (v: number, r) => `v${v} · ${r.effectiveFrom}` },
    { key: 'limit', title: t('admin.timeLimit'), render: (_: unknown, r) => (r.instant ? <Tag>{t('services.instant')}</Tag> : t('admin.days', { promised: r.timeLimit.promisedDays, statutory: r.timeLimit.statutoryDays })), responsive: ['md'] },
  ];
  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.adminItems')}
      </Typography.Title>
      <ErrorBox error={res.error} onRetry={res.reload} />
      <Table<Item> rowKey="code" columns={columns} dataSource={res.data?.items ?? []} loading={res.loading} size="small" pagination={{ pageSize: 30, hideOnSinglePage: true }} scroll={{ x: 'max-content' }} data-testid="admin-items" />
    </Card>
  );
}
