import { Card, Grid, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi';
import { CaseList, type CaseSummary } from '../components/CaseList';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';

/** My applications, newest first, with their status. */
export default function MyCasesPage() {
  const { t } = useTranslation();
  const screens = Grid.useBreakpoint();
  const cases = useApi<{ items: CaseSummary[] }>('/api/cases');
  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.myCases')}
      </Typography.Title>
      <ErrorBox error={cases.error} onRetry={cases.reload} />
      {cases.data ? <CaseList cases={cases.data.items} hrefFor={(c) => `/me/cases/${c.id}`} phone={screens.md === false} /> : !cases.error && <Loading />}
    </Card>
  );
}
