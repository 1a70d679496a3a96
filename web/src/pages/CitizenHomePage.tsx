import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Flex, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, messageOf, type PersonFull, type RightsSummary } from '../api';
import { useSession } from '../session';
import { PersonDetails } from '../components/PersonDetails';
import { Loading } from '../components/Loading';
import { useRegionNames } from '../components/regions';
import { SimpleTable, type SimpleColumn } from '../components/SimpleTable';

type Insurance = RightsSummary['insurances'][number];

// Solid tags with white text: antd's light preset tags fall below 4.5:1 contrast.
const STATUS_COLOURS: Record<string, string> = { active: '#2b7a0b', retired: '#0b57c5', suspended: '#a35200', stopped: '#595959' };

export default function CitizenHomePage() {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const regionName = useRegionNames(me?.permissions.includes('agency.read') ?? false);
  const [person, setPerson] = useState<PersonFull | null>(null);
  const [rights, setRights] = useState<RightsSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const personId = me?.personId ?? null;

  const load = useCallback(async () => {
    if (!personId) return;
    setError(null);
    try {
      const [p, r] = await Promise.all([api<PersonFull>('GET', `/api/persons/${personId}`), api<RightsSummary>('GET', `/api/persons/${personId}/rights`)]);
      setPerson(p);
      setRights(r);
    } catch (e) {
      setError(e);
    }
  }, [personId]);

  useEffect(() => {
    void load();
  }, [load]);

  if (!personId) return <Alert type="warning" showIcon title={t('me.noPerson')} />;
  if (error)
    return (
      <Alert
        type="error"
        showIcon
        role="alert"
        title={messageOf(error, i18n.language)}
        action={
          <Button size="small" onClick={() => void load()}>
            {t('app.retry')}
          </Button>
        }
      />
    );
  if (!person || !rights) return <Loading />;

  const columns: SimpleColumn<Insurance>[] = [
    { key: 'type', title: t('me.type'), render: (r) => t(`insurance.${r.insuranceType}`, { defaultValue: r.insuranceType }) },
    { key: 'status', title: t('me.status'), render: (r) => <Tag color={STATUS_COLOURS[r.status] ?? '#595959'}>{t(`insuredStatus.${r.status}`, { defaultValue: r.status })}</Tag> },
    { key: 'since', title: t('me.since'), render: (r) => r.since, wide: true },
    { key: 'total', title: t('me.totalMonths'), align: 'right', render: (r) => t('me.months', { count: r.totalMonths }) },
    { key: 'last', title: t('me.lastMonth'), render: (r) => r.lastMonth ?? t('person.none'), wide: true },
  ];

  return (
    <Flex vertical gap={16}>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }} data-testid="citizen-name">
        {t('me.heading')} · {person.name}
      </Typography.Title>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('me.record')}</h2>}>
        <PersonDetails person={person} regionName={regionName} testId="own-record" />
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('me.insurance')}</h2>}>
        <SimpleTable<Insurance> rowKey={(r) => r.insuranceType} columns={columns} rows={rights.insurances} empty={t('me.noInsurance')} testId="insurance-table" caption={t('me.insurance')} />
      </Card>
    </Flex>
  );
}
