import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';

export default function NoAccessPage() {
  const { t } = useTranslation();
  return (
    <Result
      status="403"
      title="403"
      subTitle={t('app.noAccess')}
      data-testid="no-access"
      extra={
        <Button type="primary" href="/">
          {t('app.backHome')}
        </Button>
      }
    />
  );
}
