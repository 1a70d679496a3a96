import { Card, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi';
import { ErrorBox } from '../components/ErrorBox';
import { SimpleTable } from '../components/SimpleTable';
import { useRegionNames } from '../components/regions';

interface ServicePoint {
  id: string;
  name: string;
  kind: string;
  regionCode: string;
  address: string | null;
}

/** Service points (agency master data). */
export default function AdminServicePointsPage() {
  const { t } = useTranslation();
  const res = useApi<{ items: ServicePoint[] }>('/api/service-points');
  const regionName = useRegionNames(true);
  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.adminServicePoints')}
      </Typography.Title>
      <ErrorBox error={res.error} onRetry={res.reload} />
      <SimpleTable<ServicePoint>
        rowKey={(s) => s.id}
        rows={res.data?.items ?? []}
        empty={res.loading ? t('app.loading') : t('sp.none')}
        testId="service-points"
        columns={[
          { key: 'id', title: t('sp.id'), render: (s) => <span className="tb-mono">{s.id}</span>, wide: true },
          { key: 'name', title: t('sp.name'), render: (s) => s.name },
          { key: 'kind', title: t('sp.kind'), render: (s) => t(`sp.kinds.${s.kind}`, { defaultValue: s.kind }) },
          { key: 'region', title: t('person.region'), render: (s) => regionName(s.regionCode) },
          { key: 'address', title: t('person.address'), render: (s) => s.address ?? '—', wide: true },
        ]}
      />
    </Card>
  );
}
