import { Flex, Spin } from 'antd';
import { useTranslation } from 'react-i18next';

export function Loading() {
  const { t } = useTranslation();
  return (
    <Flex justify="center" align="center" style={{ padding: 48 }} role="status" aria-live="polite">
      <Spin />
      <span className="tb-visually-hidden">{t('app.loading')}</span>
    </Flex>
  );
}
