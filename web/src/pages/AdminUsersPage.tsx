import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Checkbox, Drawer, Flex, Form, Grid, Input, Modal, Pagination, Popconfirm, Radio, Select, Switch, Tabs, Tag, Typography, Card } from 'antd';
import type { FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { useAction } from '../components/useAction';
import { Loading } from '../components/Loading';
import { SimpleTable } from '../components/SimpleTable';
import './AdminUsersPage.css';

interface Account {
  userId: string;
  username: string;
  displayName: string;
  roles: string[];
  servicePointId: string | null;
  servicePointName: string | null;
  scopeRegion: string | null;
  disabled: boolean;
  totpEnabled: boolean;
  createdAt: string;
  updatedAt: string | null;
  version: number;
}
interface ScopeOption {
  scope: string;
  regionCode: string;
  name: string;
  nameEn: string | null;
  level: number;
}
interface ServicePoint {
  id: string;
  name: string;
  kind: string;
  regionCode: string;
}
interface RoleInfo {
  role: string;
  staff: boolean;
  permissions: string[];
}

const PAGE_SIZE = 20;

/** Mirrors the server's password rules, so a refused password does not leave a half-made account. */
function passwordProblem(password: string, username: string): boolean {
  if (password.length < 10 || password.length > 128) return true;
  const kinds = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (kinds < 3) return true;
  const name = username.trim().toLowerCase();
  return name.length >= 3 && password.toLowerCase().includes(name);
}

/** Puts a problem's field errors ('/body/roles/1') on the form's fields ('roles'). */
function showFieldErrors(form: FormInstance, e: unknown): void {
  if (!(e instanceof ApiError) || !e.problem.errors) return;
  form.setFields(e.problem.errors.map((fe) => ({ name: fe.field.split('/')[2] ?? fe.field, errors: [fe.reason] })));
}

function useScopeLabels(scopes: ScopeOption[]) {
  const { i18n } = useTranslation();
  return useMemo(() => {
    const names = new Map(scopes.map((s) => [s.scope, i18n.language === 'en' && s.nameEn ? s.nameEn : s.name]));
    return {
      label: (scope: string | null) => (scope ? (names.get(scope) ?? scope) : '—'),
      options: scopes.map((s) => ({ value: s.scope, label: `${'　'.repeat(Math.max(0, s.level - 1))}${i18n.language === 'en' && s.nameEn ? s.nameEn : s.name} (${s.scope})` })),
    };
  }, [scopes, i18n.language]);
}

/** Service points inside a scope, for the home service point select. */
function useServicePoints(scope: string | undefined) {
  const res = useApi<{ items: ServicePoint[] }>(scope ? `/api/service-points?region=${encodeURIComponent(scope)}` : null);
  return (res.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.id})` }));
}

/** Scope, service point and roles: the fields the create drawer and the edit dialog share. */
function PlacementFields({ form, roles, scopeOptions, lockAdmin }: { form: FormInstance; roles: RoleInfo[]; scopeOptions: { value: string; label: string }[]; lockAdmin: boolean }) {
  const { t } = useTranslation();
  const scope = Form.useWatch('scopeRegion', form) as string | undefined;
  const points = useServicePoints(scope);
  return (
    <>
      {/* A validator, not `required`: antd would put aria-required on the checkbox group's div, which ARIA does not allow there. */}
      <Form.Item
        name="roles"
        label={t('users.roles')}
        rules={[{ validator: (_, v: string[] | undefined) => (v && v.length > 0 ? Promise.resolve() : Promise.reject(new Error(t('users.rolesRequired')))) }]}
        extra={lockAdmin ? t('users.selfHint') : undefined}
      >
        <Checkbox.Group options={roles.filter((r) => r.staff).map((r) => ({ value: r.role, label: t(`roles.${r.role}`, { defaultValue: r.role }), disabled: lockAdmin && r.role === 'administrator' }))} />
      </Form.Item>
      <Form.Item name="scopeRegion" label={t('users.scope')} rules={[{ required: true, message: t('users.scopeRequired') }]}>
        <Select options={scopeOptions} showSearch={{ optionFilterProp: 'label' }} onChange={() => form.setFieldValue('servicePointId', undefined)} />
      </Form.Item>
      <Form.Item name="servicePointId" label={t('users.servicePoint')} rules={[{ required: true, message: t('users.spRequired') }]} extra={t('users.spHint')}>
        <Select options={points} showSearch={{ optionFilterProp: 'label' }} disabled={!scope} />
      </Form.Item>
    </>
  );
}

function GeneratedPassword({ shown, onClose }: { shown: { name: string; password: string } | null; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Modal open={shown !== null} title={t('users.generatedTitle')} onCancel={onClose} destroyOnHidden footer={[<Button key="close" type="primary" onClick={onClose} data-testid="generated-close">{t('users.close')}</Button>]}>
      <Alert type="warning" showIcon title={t('users.generatedNotice', { name: shown?.name ?? '' })} style={{ marginBottom: 16 }} />
      <Typography.Text code copyable className="tb-mono" style={{ fontSize: 22 }} data-testid="generated-password">
        {shown?.password}
      </Typography.Text>
    </Modal>
  );
}

interface CreateValues {
  username: string;
  displayName: string;
  roles: string[];
  scopeRegion: string;
  servicePointId: string;
  passwordMode: 'generate' | 'set';
  password?: string;
}

/** New staff account: the account first (idempotent), then its password (never replayed or stored in clear). */
function CreateDrawer({ open, onClose, onCreated, roles, scopeOptions, defaultScope }: { open: boolean; onClose(): void; onCreated(a: Account, generated: string | null): void; roles: RoleInfo[]; scopeOptions: { value: string; label: string }[]; defaultScope: string | undefined }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<CreateValues>();
  const screens = Grid.useBreakpoint();
  const { busy, error, setError, run } = useAction();
  // Made, but its password not yet set (the second call failed): the next submit only sets it.
  const [made, setMade] = useState<Account | null>(null);
  const mode = Form.useWatch('passwordMode', form);

  useEffect(() => {
    if (!open) return;
    setError(null);
    setMade(null);
    form.resetFields();
    form.setFieldsValue({ passwordMode: 'generate', roles: [], scopeRegion: defaultScope });
  }, [open, form, defaultScope, setError]);

  async function submit(v: CreateValues) {
    await run(
      async () => {
        const account =
          made ??
          (await api<Account>('POST', '/api/users', { username: v.username.trim(), displayName: v.displayName.trim(), roles: v.roles, scopeRegion: v.scopeRegion, servicePointId: v.servicePointId }, { 'idempotency-key': crypto.randomUUID() }));
        setMade(account);
        const res = await api<{ generatedPassword?: string }>('POST', `/api/users/${account.userId}/password`, v.passwordMode === 'set' ? { password: v.password } : {});
        onCreated(account, res.generatedPassword ?? null);
      },
      (e) => showFieldErrors(form, e),
    );
  }

  return (
    <Drawer open={open} onClose={onClose} title={t('users.createTitle')} size={screens.md ? 520 : '100%'} destroyOnHidden data-testid="user-create">
      <ErrorBox error={error} />
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark name="user-create">
        <Form.Item name="username" label={t('login.username')} extra={t('users.usernameHint')} rules={[{ required: true, pattern: /^[A-Za-z][A-Za-z0-9._-]{2,31}$/, message: t('users.usernameRequired') }]}>
          <Input autoComplete="off" disabled={made !== null} className="tb-mono" />
        </Form.Item>
        <Form.Item name="displayName" label={t('users.name')} rules={[{ required: true, whitespace: true, max: 50, message: t('users.nameRequired') }]}>
          <Input autoComplete="off" disabled={made !== null} />
        </Form.Item>
        <PlacementFields form={form} roles={roles} scopeOptions={scopeOptions} lockAdmin={false} />
        <Form.Item name="passwordMode" label={t('users.passwordMode')}>
          <Radio.Group
            options={[
              { value: 'generate', label: t('users.passwordGenerate') },
              { value: 'set', label: t('users.passwordSet') },
            ]}
          />
        </Form.Item>
        {mode === 'set' && (
          <Form.Item
            name="password"
            label={t('users.password')}
            extra={t('users.passwordRules')}
            dependencies={['username']}
            rules={[
              { required: true, message: t('users.passwordRequired') },
              ({ getFieldValue }) => ({
                validator: (_, value: string | undefined) => (value && passwordProblem(value, String(getFieldValue('username') ?? '')) ? Promise.reject(new Error(t('users.passwordRules'))) : Promise.resolve()),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
        <Flex gap={8} wrap>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="user-create-submit">
            {t('users.createSubmit')}
          </Button>
          <Button onClick={onClose}>{t('users.cancel')}</Button>
        </Flex>
      </Form>
    </Drawer>
  );
}

interface EditValues {
  displayName: string;
  roles: string[];
  scopeRegion: string;
  servicePointId: string;
  enabled: boolean;
}

/** Roles, placement, status and password of one account. */
function EditDialog({ account, onClose, onSaved, onPassword, roles, scopeOptions }: { account: Account | null; onClose(): void; onSaved(a: Account): void; onPassword(a: Account, generated: string): void; roles: RoleInfo[]; scopeOptions: { value: string; label: string }[] }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const [form] = Form.useForm<EditValues>();
  const { busy, error, setError, run } = useAction();
  const self = account !== null && account.userId === me?.userId;

  useEffect(() => {
    setError(null);
    if (account) {
      form.resetFields();
      form.setFieldsValue({ displayName: account.displayName, roles: account.roles, scopeRegion: account.scopeRegion ?? undefined, servicePointId: account.servicePointId ?? undefined, enabled: !account.disabled });
    }
  }, [account, form, setError]);

  async function save(v: EditValues) {
    if (!account) return;
    const body: Record<string, unknown> = { version: account.version };
    if (v.displayName.trim() !== account.displayName) body['displayName'] = v.displayName.trim();
    if ([...v.roles].sort().join() !== [...account.roles].sort().join()) body['roles'] = v.roles;
    if (v.scopeRegion !== account.scopeRegion) body['scopeRegion'] = v.scopeRegion;
    if (v.servicePointId !== account.servicePointId) body['servicePointId'] = v.servicePointId;
    if (v.enabled === account.disabled) body['disabled'] = !v.enabled;
    await run(
      async () => onSaved(await api<Account>('PATCH', `/api/users/${account.userId}`, body, { 'idempotency-key': crypto.randomUUID() })),
      (e) => showFieldErrors(form, e),
    );
  }

  async function resetPassword() {
    if (!account) return;
    await run(async () => {
      const res = await api<{ generatedPassword?: string }>('POST', `/api/users/${account.userId}/password`, {});
      if (res.generatedPassword) onPassword(account, res.generatedPassword);
    });
  }

  return (
    <Modal
      open={account !== null}
      onCancel={onClose}
      title={account ? t('users.editTitle', { name: `${account.displayName} (${account.username})` }) : ''}
      destroyOnHidden
      width={640}
      data-testid="user-edit"
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t('users.cancel')}
        </Button>,
        <Button key="save" type="primary" loading={busy} onClick={() => form.submit()} data-testid="user-edit-save">
          {t('users.save')}
        </Button>,
      ]}
    >
      <ErrorBox error={error} />
      <Form form={form} layout="vertical" onFinish={(v) => void save(v)} name="user-edit">
        <Form.Item name="displayName" label={t('users.name')} rules={[{ required: true, whitespace: true, max: 50, message: t('users.nameRequired') }]}>
          <Input autoComplete="off" />
        </Form.Item>
        <PlacementFields form={form} roles={roles} scopeOptions={scopeOptions} lockAdmin={self && (account?.roles.includes('administrator') ?? false)} />
        <Form.Item name="enabled" label={t('users.accountEnabled')} valuePropName="checked" extra={self ? t('users.selfHint') : t('users.disableHint')}>
          <Switch disabled={self} data-testid="user-enabled" />
        </Form.Item>
      </Form>
      {!self && account && (
        <Popconfirm title={t('users.resetConfirm', { name: account.displayName })} okText={t('users.resetOk')} cancelText={t('users.cancel')} onConfirm={() => void resetPassword()}>
          <Button danger loading={busy} data-testid="user-reset-password">
            {t('users.resetPassword')}
          </Button>
        </Popconfirm>
      )}
    </Modal>
  );
}

function UsersTab({ roles }: { roles: RoleInfo[] }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const [q, setQ] = useState('');
  const [role, setRole] = useState<string | undefined>(undefined);
  const [region, setRegion] = useState<string | undefined>(undefined);
  const [page, setPage] = useState(1);
  const params = new URLSearchParams({ offset: String((page - 1) * PAGE_SIZE), limit: String(PAGE_SIZE) });
  if (q.trim()) params.set('q', q.trim());
  if (role) params.set('role', role);
  if (region) params.set('region', region);
  const list = useApi<{ items: Account[]; total: number }>(`/api/users?${params.toString()}`);
  const scopes = useApi<{ items: ScopeOption[] }>('/api/users/scopes');
  const scopeLabels = useScopeLabels(scopes.data?.items ?? []);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Account | null>(null);
  const [shown, setShown] = useState<{ name: string; password: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const nameOf = (u: Account) => (u.userId === me?.userId ? `${u.displayName}（${t('users.you')}）` : u.displayName);
  const statusOf = (u: Account) => (u.disabled ? <Tag color="#c41d1d">{t('users.disabled')}</Tag> : <Tag color="#2b7a0b">{t('users.enabled')}</Tag>);

  return (
    <>
      <Flex gap={8} wrap align="center" style={{ marginBottom: 12 }}>
        <Input.Search
          placeholder={t('users.search')}
          aria-label={t('users.search')}
          allowClear
          onSearch={(v) => {
            setQ(v);
            setPage(1);
          }}
          style={{ width: 260, maxWidth: '100%' }}
          data-testid="user-search"
        />
        <Select
          placeholder={t('users.roleFilter')}
          aria-label={t('users.roleFilter')}
          allowClear
          value={role}
          onChange={(v) => {
            setRole(v);
            setPage(1);
          }}
          options={roles.filter((r) => r.staff).map((r) => ({ value: r.role, label: t(`roles.${r.role}`, { defaultValue: r.role }) }))}
          style={{ width: 160 }}
        />
        <Select
          placeholder={t('users.regionFilter')}
          aria-label={t('users.regionFilter')}
          allowClear
          value={region}
          onChange={(v) => {
            setRegion(v);
            setPage(1);
          }}
          options={scopeLabels.options}
          showSearch={{ optionFilterProp: 'label' }}
          style={{ width: 200, maxWidth: '100%' }}
        />
        <Button type="primary" onClick={() => setCreating(true)} data-testid="user-create-open">
          {t('users.create')}
        </Button>
      </Flex>
      {notice && (
        <Alert type="success" showIcon role="status" title={notice} closable={{ onClose: () => setNotice(null) }} style={{ marginBottom: 12 }} data-testid="users-notice" />
      )}
      <ErrorBox error={list.error ?? scopes.error} onRetry={list.reload} />
      <SimpleTable<Account>
        rowKey={(u) => u.userId}
        rows={list.data?.items ?? []}
        empty={list.loading ? t('app.loading') : t('users.none')}
        testId="user-list"
        caption={t('users.tabUsers')}
        columns={[
          {
            key: 'u',
            title: t('login.username'),
            render: (u) => (
              <>
                <span className="tb-mono">{u.username}</span>
                {/* On a phone the name and status go under the username, so Edit stays in view. */}
                <div className="tb-narrow-only">
                  {nameOf(u)} {statusOf(u)}
                </div>
              </>
            ),
          },
          { key: 'n', title: t('users.name'), render: nameOf, wide: true },
          { key: 'r', title: t('users.roles'), render: (u) => u.roles.map((r) => <Tag key={r}>{t(`roles.${r}`, { defaultValue: r })}</Tag>) },
          { key: 'sp', title: t('users.servicePoint'), render: (u) => u.servicePointName ?? u.servicePointId ?? '—', wide: true },
          { key: 's', title: t('users.scope'), render: (u) => scopeLabels.label(u.scopeRegion), wide: true },
          { key: 'st', title: t('users.status'), render: statusOf, wide: true },
          {
            key: 'a',
            title: <span className="tb-visually-hidden">{t('users.actions')}</span>,
            render: (u) => (
              <Button size="small" onClick={() => setEditing(u)} data-testid={`user-edit-${u.username}`}>
                {t('users.edit')}
                <span className="tb-visually-hidden"> {u.username}</span>
              </Button>
            ),
          },
        ]}
      />
      {list.data && (
        <Flex justify="space-between" align="center" wrap gap={8} style={{ marginTop: 12 }}>
          <Typography.Text type="secondary">{t('users.total', { count: list.data.total })}</Typography.Text>
          {list.data.total > PAGE_SIZE && <Pagination simple current={page} pageSize={PAGE_SIZE} total={list.data.total} onChange={setPage} />}
        </Flex>
      )}
      <CreateDrawer
        open={creating}
        onClose={() => setCreating(false)}
        roles={roles}
        scopeOptions={scopeLabels.options}
        defaultScope={me?.scopeRegion ?? undefined}
        onCreated={(a, generated) => {
          setCreating(false);
          setNotice(t('users.created', { username: a.username }));
          if (generated) setShown({ name: a.displayName, password: generated });
          list.reload();
        }}
      />
      <EditDialog
        account={editing}
        onClose={() => setEditing(null)}
        roles={roles}
        scopeOptions={scopeLabels.options}
        onSaved={() => {
          setEditing(null);
          setNotice(t('users.saved'));
          list.reload();
        }}
        onPassword={(a, generated) => {
          setEditing(null);
          setNotice(t('users.passwordSaved', { name: a.displayName }));
          setShown({ name: a.displayName, password: generated });
          list.reload();
        }}
      />
      <GeneratedPassword shown={shown} onClose={() => setShown(null)} />
    </>
  );
}

/** Every role and what it may do; deny by default. */
function RolesTab({ roles }: { roles: RoleInfo[] }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      <Typography.Paragraph type="secondary">{t('users.denyByDefault')}</Typography.Paragraph>
      <ul className="tb-role-list" data-testid="role-list">
        {roles.map((r) => (
          <li key={r.role} className="tb-role" data-testid={`role-${r.role}`}>
            <h2 className="tb-h2">
              {t(`roles.${r.role}`, { defaultValue: r.role })} <span className="tb-mono tb-cite">{r.role}</span>
            </h2>
            <div className="tb-cite">{r.staff ? t('users.permissionCount', { count: r.permissions.length }) : `${t('users.permissionCount', { count: r.permissions.length })} · ${t('users.portalRole')}`}</div>
            <ul className="tb-perm-list">
              {r.permissions.map((p) => (
                <li key={p}>
                  {i18n.exists(`perms.${p}`) && `${t(`perms.${p}`)} `}
                  <span className="tb-mono tb-cite">{p}</span>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </>
  );
}

/** Users and roles: staff accounts in the administrator's scope, and what each role may do. */
export default function AdminUsersPage() {
  const { t } = useTranslation();
  const roles = useApi<{ items: RoleInfo[] }>('/api/roles');
  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.adminUsers')}
      </Typography.Title>
      <ErrorBox error={roles.error} onRetry={roles.reload} />
      {roles.data ? (
        <Tabs
          items={[
            { key: 'users', label: t('users.tabUsers'), children: <UsersTab roles={roles.data.items} /> },
            { key: 'roles', label: t('users.tabRoles'), children: <RolesTab roles={roles.data.items} /> },
          ]}
        />
      ) : (
        !roles.error && <Loading />
      )}
    </Card>
  );
}
