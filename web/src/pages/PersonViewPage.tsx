import { Link, useLocation, useParams } from 'react-router-dom';
import { Card, Descriptions, Flex, Grid, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, type PersonMasked, type RightsSummary } from '../api';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { useRegionNames } from '../components/regions';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { CaseList, type CaseSummary } from '../components/CaseList';
import { ServiceList } from '../components/ServiceList';
import { storedGrant, type Identified } from '../components/CounterIdentify';

type Insurance = RightsSummary['insurances'][number];
const STATUS_COLOURS: Record<string, string> = { active: '#2b7a0b', retired: '#0b57c5', suspended: '#a35200', stopped: '#595959' };

export interface ArchiveRecord {
  id: string;
  category?: string;
  title?: string;
  filename?: string;
  mediaType?: string;
  size?: number;
  createdAt?: string;
  sm3?: string;
}

/** A section whose API may not be there yet (404 on the route): says so instead of failing the page. */
function Pending({ error, children }: { error: unknown; children: React.ReactNode }) {
  const { t } = useTranslation();
  if (error instanceof ApiError && error.status === 404) return <Typography.Paragraph type="secondary">{t('personView.notAvailable')}</Typography.Paragraph>;
  if (error) return <ErrorBox error={error} />;
  return <>{children}</>;
}

/** The universal teller's one-page view of a person: master data, insured status, open cases, archived materials, start any item. */
export default function PersonViewPage() {
  const { personId = '' } = useParams();
  const { t } = useTranslation();
  const { me } = useSession();
  const screens = Grid.useBreakpoint();
  const phone = screens.md === false;
  const regionName = useRegionNames(true);
  const identified = (useLocation().state as { identified?: Identified } | null)?.identified ?? storedGrant(personId);
  const granted = identified?.personId === personId && identified.outOfRegion;
  // A person of another district, identified from the ID card: the grant covers the wizard and their cases, not the record.
  const person = useApi<PersonMasked>(granted ? null : `/api/persons/${personId}`);
  const rights = useApi<RightsSummary>(granted ? null : `/api/persons/${personId}/rights`);
  const cases = useApi<{ items: CaseSummary[] }>(`/api/cases?personId=${encodeURIComponent(personId)}`);
  const archive = useApi<{ items: ArchiveRecord[] }>(granted ? null : `/api/archive/records?personId=${encodeURIComponent(personId)}`);

  if (person.error) return <ErrorBox error={person.error} onRetry={person.reload} />;
  const p: PersonMasked | undefined = granted
    ? { personId, residentId: identified.residentId, name: identified.name, namePinyin: '', birthDate: '', sex: '', regionCode: identified.regionCode, phone: null, masked: true }
    : person.data;
  if (!p) return <Loading />;

  const columns: TableColumnsType<Insurance> = [
    { key: 'type', title: t('me.type'), dataIndex: 'insuranceType', render: (v: string) => t(`insurance.${v}`, { defaultValue: v }) },
    { key: 'status', title: t('me.status'), dataIndex: 'status', render: (v: string) => <Tag color={STATUS_COLOURS[v] ?? '#595959'}>{t(`insuredStatus.${v}`, { defaultValue: v })}</Tag> },
    { key: 'total', title: t('me.totalMonths'), dataIndex: 'totalMonths', align: 'right', render: (v: number) => t('me.months', { count: v }) },
    { key: 'last', title: t('me.lastMonth'), dataIndex: 'lastMonth', render: (v: string | null) => v ?? t('person.none') },
  ];
  const open = (cases.data?.items ?? []).filter((c) => !['completed', 'delivered', 'rejected', 'not_accepted', 'withdrawn'].includes(c.status));

  return (
    <Flex vertical gap={16}>
      <Typography.Title level={1} className="tb-page-title" data-testid="person-view-name">
        {p.name}
        <Typography.Text type="secondary" style={{ fontSize: 14, marginInlineStart: 12 }} className="tb-mono">
          {p.residentId}
        </Typography.Text>
      </Typography.Title>
      <div className="tb-grid-2">
        <Card title={<h2 className="tb-h2">{t('personView.master')}</h2>}>
          <Descriptions
            column={1}
            size="small"
            bordered
            data-testid="person-master"
            items={[
              { key: 'rid', label: t('person.residentId'), children: <span className="tb-mono">{p.residentId}</span> },
              ...(granted
                ? []
                : [
                    { key: 'sex', label: t('person.sex'), children: t(`person.sexes.${p.sex}`, { defaultValue: p.sex }) },
                    { key: 'birth', label: t('person.birthDate'), children: p.birthDate },
                  ]),
              { key: 'region', label: t('person.region'), children: `${regionName(p.regionCode)} (${p.regionCode})` },
              { key: 'phone', label: t('person.phone'), children: <span className="tb-mono">{p.phone ?? t('person.none')}</span> },
              ...(granted || (me?.scopeRegion && !p.regionCode.startsWith(me.scopeRegion)) ? [{ key: 'other', label: t('personView.otherDistrict'), children: t('personView.otherDistrictNote') }] : []),
            ]}
          />
        </Card>
        <Card title={<h2 className="tb-h2">{t('me.insurance')}</h2>}>
          {granted ? (
            <Typography.Paragraph type="secondary">{t('personView.grantOnly', { until: new Date(identified.expiresAt).toTimeString().slice(0, 5) })}</Typography.Paragraph>
          ) : rights.error ? (
            <ErrorBox error={rights.error} />
          ) : !rights.data ? (
            <Loading />
          ) : (
            <Table<Insurance> rowKey="insuranceType" columns={columns} dataSource={rights.data.insurances} pagination={false} size="small" scroll={{ x: 'max-content' }} locale={{ emptyText: t('me.noInsurance') }} data-testid="person-insurance" />
          )}
        </Card>
      </div>
      <Card title={<h2 className="tb-h2">{t('personView.openCases')}</h2>}>
        <Pending error={cases.error}>{cases.data ? <CaseList cases={open} hrefFor={(c) => `/staff/cases/${c.id}`} phone={phone} /> : <Loading />}</Pending>
      </Card>
      <Card title={<h2 className="tb-h2">{t('personView.archive')}</h2>}>
        <Pending error={archive.error}>
          {granted ? (
            <Typography.Paragraph type="secondary">{t('personView.grantOnly', { until: new Date(identified.expiresAt).toTimeString().slice(0, 5) })}</Typography.Paragraph>
          ) : archive.data ? (
            archive.data.items.length === 0 ? (
              <Typography.Paragraph>{t('personView.noArchive')}</Typography.Paragraph>
            ) : (
              <ul data-testid="person-archive">
                {archive.data.items.map((r) => (
                  <li key={r.id}>
                    {r.title ?? r.filename ?? r.id} {r.category ? <Tag>{t(`materials.${r.category}`, { defaultValue: r.category })}</Tag> : null}
                    {r.createdAt ? <Typography.Text type="secondary"> {r.createdAt.slice(0, 10)}</Typography.Text> : null}
                  </li>
                ))}
              </ul>
            )
          ) : (
            <Loading />
          )}
        </Pending>
      </Card>
      <Card title={<h2 className="tb-h2">{t('personView.startItem')}</h2>}>
        <ServiceList hrefFor={(code) => `/staff/persons/${personId}/apply/${encodeURIComponent(code)}`} channel="counter" />
      </Card>
      <Link to="/staff/search">{t('personView.back')}</Link>
    </Flex>
  );
}
