import { useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { ErrorBox } from '../components/ErrorBox';

/** Working-day calendars: the due date N working days after a day, holidays and make-up days (调休) included. */
export default function AdminCalendarsPage() {
  const { t } = useTranslation();
  const [out, setOut] = useState<{ due: string; assumedWeekdaysFor: number[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function calc(v: { from: string; days: number }) {
    setError(null);
    try {
      setOut(await api('GET', `/api/calendar/due?from=${v.from}&days=${v.days}`));
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.adminCalendars')}
      </Typography.Title>
      <Typography.Paragraph>{t('calendar.intro')}</Typography.Paragraph>
      <ErrorBox error={error} />
      <Form layout="inline" onFinish={(v) => void calc(v)} initialValues={{ from: '2026-09-30', days: 3 }}>
        <Form.Item name="from" label={t('calendar.from')} rules={[{ required: true }]}>
          <Input type="date" />
        </Form.Item>
        <Form.Item name="days" label={t('calendar.days')} rules={[{ required: true }]}>
          <InputNumber min={0} max={3660} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="calendar-calc">
          {t('calendar.calc')}
        </Button>
      </Form>
      {out && (
        <Typography.Paragraph role="status" style={{ marginTop: 16, fontSize: 18 }} data-testid="calendar-due">
          {t('calendar.due', { due: out.due })}
          {out.assumedWeekdaysFor.length > 0 && <span className="tb-cite"> {t('calendar.assumed', { years: out.assumedWeekdaysFor.join('、') })}</span>}
        </Typography.Paragraph>
      )}
    </Card>
  );
}
