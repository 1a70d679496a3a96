import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Button, Form, Input, Typography } from 'antd';
import { IdcardOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { ErrorBox } from './ErrorBox';

export interface Identified {
  personId: string;
  name: string;
  residentId: string;
  regionCode: string;
  outOfRegion: boolean;
  expiresAt: string;
}

/** The grant this tab received for a person, while it lasts (the server enforces it either way). */
export function storedGrant(personId: string): Identified | undefined {
  try {
    const raw = sessionStorage.getItem(`tongban.grant.${personId}`);
    const g = raw ? (JSON.parse(raw) as Identified) : undefined;
    return g && new Date(g.expiresAt).getTime() > Date.now() ? g : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 通办 at the counter: the teller reads the person's ID card (or types its number) and states
 * why; the server grants this teller access to that person for a few hours, whatever their
 * district, and audits it.
 */
export function CounterIdentify() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ residentId: string; reason: string }>();

  async function onFinish(v: { residentId: string; reason: string }) {
    setBusy(true);
    setError(null);
    try {
      const r = await api<Identified>('POST', '/api/counter/identify', { residentId: v.residentId.trim(), reason: v.reason.trim() }, { 'idempotency-key': crypto.randomUUID() });
      // The grant opens the wizard and the person's cases only: the person view shows what identify returned.
      try {
        sessionStorage.setItem(`tongban.grant.${r.personId}`, JSON.stringify(r));
      } catch {
        // Storage unavailable: the state below still carries it for this visit.
      }
      navigate(`/staff/persons/${r.personId}`, { state: { identified: r } });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="counter-identify" style={{ marginTop: 16 }}>
      <h2 id="counter-identify" className="tb-h2" style={{ marginBottom: 4 }}>
        <IdcardOutlined aria-hidden /> {t('counter.title')}
      </h2>
      <Typography.Paragraph type="secondary">{t('counter.hint')}</Typography.Paragraph>
      <ErrorBox error={error} />
      <Form form={form} layout="vertical" onFinish={(v) => void onFinish(v)} requiredMark={false} initialValues={{ reason: t('counter.defaultReason') }} style={{ maxWidth: 560 }}>
        <Form.Item name="residentId" label={t('counter.residentId')} rules={[{ required: true, min: 15, message: t('counter.residentIdRequired') }]}>
          <Input className="tb-mono" maxLength={40} autoComplete="off" data-testid="counter-resident-id" />
        </Form.Item>
        <Form.Item name="reason" label={t('counter.reason')} rules={[{ required: true, min: 2, message: t('unmask.reasonRequired') }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Button htmlType="submit" type="primary" loading={busy} data-testid="counter-identify">
          {t('counter.submit')}
        </Button>
      </Form>
    </section>
  );
}
