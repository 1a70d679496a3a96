import { Card, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { SimpleTable } from '../components/SimpleTable';

interface UserInfo {
  userId: string;
  username: string;
  displayName: string;
  roles: string[];
  servicePointId: string | null;
  scopeRegion: string | null;
}

/** Users and roles: the staff list (when the IAM API offers it) and what each role may do. */
export default function AdminUsersPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const res = useApi<{ items: UserInfo[] }>('/api/users');
  const unavailable = res.error instanceof ApiError && res.error.status === 404;
  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.adminUsers')}
      </Typography.Title>
      {unavailable ? <Typography.Paragraph type="secondary">{t('users.noApi')}</Typography.Paragraph> : <ErrorBox error={res.error} />}
      {res.data && (
        <SimpleTable<UserInfo>
          rowKey={(u) => u.userId}
          rows={res.data.items}
          empty={t('users.none')}
          columns={[
            { key: 'u', title: t('login.username'), render: (u) => u.username },
            { key: 'n', title: t('users.name'), render: (u) => u.displayName },
            { key: 'r', title: t('header.roles'), render: (u) => u.roles.map((r) => <Tag key={r}>{t(`roles.${r}`, { defaultValue: r })}</Tag>) },
            { key: 's', title: t('users.scope'), render: (u) => u.scopeRegion ?? '—', wide: true },
          ]}
        />
      )}
      <h2 className="tb-h2" style={{ marginTop: 16 }}>
        {t('users.myPermissions')}
      </h2>
      <p>{me?.permissions.map((p) => <Tag key={p} className="tb-mono">{p}</Tag>)}</p>
    </Card>
  );
}
