import { Card, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ServiceList } from '../components/ServiceList';

/** The portal's list of services: search in Chinese (or pinyin), then the wizard. */
export default function ServicesPage() {
  const { t } = useTranslation();
  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('services.heading')}
      </Typography.Title>
      <ServiceList hrefFor={(code) => `/me/apply/${encodeURIComponent(code)}`} channel="web" />
    </Card>
  );
}
