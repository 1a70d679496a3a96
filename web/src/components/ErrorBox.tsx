import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { messageOf } from '../api';

/** A server error in the current language, with an optional retry. */
export function ErrorBox({ error, onRetry, testId }: { error: unknown; onRetry?: () => void; testId?: string }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-testid={testId ?? 'error'}
      title={messageOf(error, i18n.language)}
      style={{ marginBottom: 16 }}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('app.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}
