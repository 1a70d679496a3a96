import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { Alert, Button, Card, Flex, Form, Input, Segmented, Space, Tabs, Typography, type FormInstance } from 'antd';
import { IdcardOutlined, LockOutlined, MessageOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, ApiError, fieldNameOf, messageOf } from '../api';
import { homePathFor, useSession } from '../session';

/** Shows a server error in the current language; re-renders when the language changes. */
function ErrorAlert({ error }: { error: unknown }) {
  const { i18n } = useTranslation();
  if (!error) return null;
  return <Alert type="error" showIcon role="alert" data-testid="login-error" title={messageOf(error, i18n.language)} style={{ marginBottom: 16 }} />;
}

/** Puts the problem's field errors next to the fields of the form. */
function applyFieldErrors(form: FormInstance, err: unknown, t: (k: string, o?: Record<string, unknown>) => string, known: string[]): boolean {
  if (!(err instanceof ApiError) || !err.problem.errors?.length) return false;
  const fields = err.problem.errors
    .map((e) => ({ name: fieldNameOf(e.field), text: e.code ? t(`fieldErrors.${e.code}`, { defaultValue: e.reason }) : e.reason }))
    .filter((e) => known.includes(e.name));
  form.setFields(fields.map((f) => ({ name: f.name, errors: [f.text] })));
  return fields.length > 0;
}

function useAfterSignIn() {
  const { refresh } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  return async () => {
    const me = await refresh();
    if (!me) return;
    const from = (location.state as { from?: string } | null)?.from;
    const home = homePathFor(me);
    navigate(from && from.startsWith(home) ? from : home, { replace: true });
  };
}

interface StaffValues {
  username: string;
  password: string;
  totp?: string;
}

function StaffLogin() {
  const { t } = useTranslation();
  const [form] = Form.useForm<StaffValues>();
  const [error, setError] = useState<unknown>(null);
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const afterSignIn = useAfterSignIn();

  async function onFinish(values: StaffValues) {
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { username: values.username.trim(), password: values.password, channel: 'web' };
      if (needTotp && values.totp) body.totp = values.totp.trim();
      await api<void>('POST', '/api/auth/staff/login', body);
      await afterSignIn();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'TOTP_REQUIRED') {
        if (needTotp) setError(e);
        setNeedTotp(true);
        setTimeout(() => form.getFieldInstance('totp')?.focus?.(), 0);
      } else {
        applyFieldErrors(form, e, t, ['username', 'password', 'totp']);
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ErrorAlert error={error} />
      {needTotp && !error && <Alert type="info" showIcon title={t('login.totpHelp')} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} name="staff" autoComplete="on">
        <Form.Item label={t('login.username')} name="username" rules={[{ required: true, whitespace: true, message: t('login.required.username') }]}>
          <Input prefix={<UserOutlined aria-hidden />} autoComplete="username" size="large" />
        </Form.Item>
        <Form.Item label={t('login.password')} name="password" rules={[{ required: true, message: t('login.required.password') }]}>
          <Input.Password prefix={<LockOutlined aria-hidden />} autoComplete="current-password" size="large" />
        </Form.Item>
        {needTotp && (
          <Form.Item label={t('login.totp')} name="totp" rules={[{ required: true, message: t('login.required.totp') }]} extra={t('login.totpHelp')}>
            <Input prefix={<SafetyOutlined aria-hidden />} inputMode="numeric" autoComplete="one-time-code" maxLength={8} size="large" />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" block size="large" loading={busy}>
          {t('login.submit')}
        </Button>
      </Form>
    </>
  );
}

interface CitizenValues {
  residentId: string;
  password?: string;
  code?: string;
}

function CitizenLogin() {
  const { t, i18n } = useTranslation();
  const [form] = Form.useForm<CitizenValues>();
  const [method, setMethod] = useState<'password' | 'code'>('password');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sending, setSending] = useState(false);
  const [codeSent, setCodeSent] = useState(false);
  const [countdown, setCountdown] = useState(0);
  const afterSignIn = useAfterSignIn();

  useEffect(() => {
    if (countdown <= 0) return;
    const timer = setTimeout(() => setCountdown((c) => c - 1), 1000);
    return () => clearTimeout(timer);
  }, [countdown]);

  async function sendCode() {
    setError(null);
    try {
      await form.validateFields(['residentId']);
    } catch {
      return;
    }
    setSending(true);
    try {
      await api<{ sent: boolean }>('POST', '/api/auth/citizen/otp', { residentId: form.getFieldValue('residentId').trim() });
      setCodeSent(true);
      setCountdown(60);
    } catch (e) {
      applyFieldErrors(form, e, t, ['residentId']);
      setError(e);
    } finally {
      setSending(false);
    }
  }

  async function onFinish(values: CitizenValues) {
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { residentId: values.residentId.trim(), channel: 'web' };
      if (method === 'password') body.password = values.password ?? '';
      else body.code = (values.code ?? '').trim();
      await api<void>('POST', '/api/auth/citizen/login', body);
      await afterSignIn();
    } catch (e) {
      applyFieldErrors(form, e, t, ['residentId', 'password', 'code']);
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ErrorAlert error={error} />
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} name="citizen" autoComplete="on">
        <Form.Item label={t('login.method')}>
          <Segmented
            block
            value={method}
            onChange={(v) => {
              setMethod(v as 'password' | 'code');
              setError(null);
            }}
            options={[
              { label: t('login.byPassword'), value: 'password' },
              { label: t('login.byCode'), value: 'code' },
            ]}
            aria-label={t('login.method')}
          />
        </Form.Item>
        <Form.Item label={t('login.residentId')} name="residentId" rules={[{ required: true, whitespace: true, message: t('login.required.residentId') }]}>
          <Input prefix={<IdcardOutlined aria-hidden />} autoComplete="username" maxLength={40} size="large" />
        </Form.Item>
        {method === 'password' ? (
          <Form.Item label={t('login.password')} name="password" rules={[{ required: true, message: t('login.required.password') }]}>
            <Input.Password prefix={<LockOutlined aria-hidden />} autoComplete="current-password" size="large" />
          </Form.Item>
        ) : (
          <Form.Item label={t('login.code')} required>
            <Space.Compact style={{ width: '100%' }}>
              <Form.Item name="code" noStyle rules={[{ required: true, message: t('login.required.code') }]}>
                <Input
                  prefix={<MessageOutlined aria-hidden />}
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  maxLength={8}
                  size="large"
                  aria-label={t('login.code')}
                  id="citizen_code"
                />
              </Form.Item>
              <Button size="large" onClick={() => void sendCode()} loading={sending} disabled={countdown > 0} data-testid="send-code">
                {countdown > 0 ? t('login.resendIn', { s: countdown }) : t('login.getCode')}
              </Button>
            </Space.Compact>
            {codeSent && (
              <Typography.Text type="success" role="status" style={{ display: 'block', marginTop: 8 }}>
                {t('login.codeSent')}
              </Typography.Text>
            )}
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" block size="large" loading={busy} lang={i18n.language}>
          {t('login.submit')}
        </Button>
      </Form>
    </>
  );
}

export default function LoginPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const navigate = useNavigate();
  const [tab, setTab] = useState('staff');

  useEffect(() => {
    if (me) navigate(homePathFor(me), { replace: true });
  }, [me, navigate]);

  return (
    <Flex justify="center" style={{ padding: '16px 0' }}>
      <Card style={{ width: '100%', maxWidth: 440 }} styles={{ body: { padding: '24px 20px' } }}>
        <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
          {t('login.heading')}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('login.intro')}</Typography.Paragraph>
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            { key: 'staff', label: t('login.staffTab'), children: <StaffLogin /> },
            { key: 'citizen', label: t('login.citizenTab'), children: <CitizenLogin /> },
          ]}
        />
      </Card>
    </Flex>
  );
}
