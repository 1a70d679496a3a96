import { useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Flex, Form, Input, Modal, Segmented, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, messageOf } from '../../api';
import { useApi } from '../../useApi';
import { useSession } from '../../session';
import { loc, type Localised } from '../../types';
import { ErrorBox } from '../../components/ErrorBox';
import { chinaTime, QueueEntry } from './common';

export interface OverrideEntry {
  id: string;
  caseId: string;
  trackingNo: string;
  itemName: string;
  ruleId: string;
  ruleName: Localised | null;
  reason: string;
  status: 'requested' | 'approved' | 'refused';
  requestedBy: string;
  requestedByName: string | null;
  requestedAt: string;
  decidedByName: string | null;
  decidedAt: string | null;
  note: string | null;
  canDecide: boolean;
}

type Decision = { entry: OverrideEntry; approve: boolean };

function DecideDialog({ decision, onClose, onDone }: { decision: Decision | null; onClose(): void; onDone(d: Decision): void }) {
  const { t, i18n } = useTranslation();
  const [form] = Form.useForm<{ note: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // One key per dialog: a double click or a retry after a lost answer decides once.
  const [key, setKey] = useState(() => crypto.randomUUID());

  async function onFinish({ note }: { note: string }) {
    if (!decision) return;
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/overrides/${decision.entry.id}/decide`, { approve: decision.approve, note: note.trim() }, { 'idempotency-key': key });
      onDone(decision);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const no = decision?.entry.trackingNo ?? '';
  return (
    <Modal
      open={decision !== null}
      onCancel={onClose}
      afterOpenChange={(open) => {
        if (open) {
          form.resetFields();
          setError(null);
          setKey(crypto.randomUUID());
        }
      }}
      title={decision?.approve ? t('overrides.confirmTitle', { no }) : t('overrides.refuseTitle', { no })}
      destroyOnHidden
      footer={[
        <Button key="cancel" onClick={onClose}>
          {t('overrides.cancel')}
        </Button>,
        <Button key="ok" type="primary" danger={decision ? !decision.approve : false} loading={busy} onClick={() => form.submit()} data-testid="decide-submit">
          {decision?.approve ? t('overrides.confirm') : t('overrides.refuse')}
        </Button>,
      ]}
    >
      {decision && (
        <Typography.Paragraph>
          {loc(decision.entry.ruleName, i18n.language) || decision.entry.ruleId} · {decision.entry.reason}
        </Typography.Paragraph>
      )}
      {error ? <Alert type="error" showIcon role="alert" title={messageOf(error, i18n.language)} style={{ marginBottom: 16 }} data-testid="decide-error" /> : null}
      <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} name="decide-override">
        <Form.Item label={t('overrides.noteLabel')} name="note" rules={[{ required: true, whitespace: true, message: t('overrides.noteRequired') }]}>
          <Input.TextArea rows={3} maxLength={1000} showCount data-testid="decide-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** 待复核的例外: overrides of cases in my region waiting for a second person, and those decided. */
export function OverrideQueue({ onChanged }: { onChanged?: () => void }) {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const [status, setStatus] = useState<'pending' | 'decided'>('pending');
  const res = useApi<{ items: OverrideEntry[] }>(`/api/supervision/overrides?status=${status}`);
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [done, setDone] = useState<Decision | null>(null);
  const items = res.data?.items ?? [];

  return (
    <Flex vertical gap={12}>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('overrides.intro')}
      </Typography.Paragraph>
      <Segmented
        value={status}
        onChange={(v) => setStatus(v as 'pending' | 'decided')}
        options={[
          { value: 'pending', label: t('overrides.pending') },
          { value: 'decided', label: t('overrides.decided') },
        ]}
        aria-label={t('overrides.show')}
        style={{ alignSelf: 'flex-start' }}
        data-testid="override-status"
      />
      {done && (
        <Alert type="success" showIcon role="status" title={done.approve ? t('overrides.confirmed', { no: done.entry.trackingNo }) : t('overrides.refused', { no: done.entry.trackingNo })} data-testid="decide-done" closable={{ onClose: () => setDone(null) }} />
      )}
      <ErrorBox error={res.error} onRetry={res.reload} />
      {items.length === 0 ? (
        <Typography.Paragraph type="secondary" data-testid="overrides-empty">
          {res.loading ? t('app.loading') : status === 'pending' ? t('overrides.none') : t('overrides.noneDecided')}
        </Typography.Paragraph>
      ) : (
        <ul className="tb-queue" data-testid="override-list" aria-label={t('overrides.heading')}>
          {items.map((o) => {
            const mine = o.requestedBy === me?.userId;
            const facts: [string, ReactNode][] = [
              [t('overrides.rule'), loc(o.ruleName, i18n.language) || o.ruleId],
              [t('overrides.reason'), o.reason],
              [t('overrides.requestedBy'), o.requestedByName ?? o.requestedBy],
              [t('overrides.requestedAt'), chinaTime(o.requestedAt, i18n.language)],
            ];
            if (o.status !== 'requested') {
              facts.push([t('overrides.decidedBy'), o.decidedByName ?? '—'], [t('overrides.decidedAt'), o.decidedAt ? chinaTime(o.decidedAt, i18n.language) : '—'], [t('overrides.note'), o.note ?? '—']);
            }
            return (
              <QueueEntry
                key={o.id}
                testId="override-entry"
                head={
                  <>
                    <Link to={`/backoffice/cases/${o.caseId}`} className="tb-mono">
                      {o.trackingNo}
                    </Link>
                    <span>{o.itemName}</span>
                    <Tag color={o.status === 'approved' ? 'green' : o.status === 'refused' ? 'red' : 'gold'} style={{ color: 'rgba(0,0,0,0.88)' }}>
                      {t(`overrides.status.${o.status}`)}
                    </Tag>
                  </>
                }
                facts={facts}
              >
                {o.status === 'requested' && (o.canDecide || mine) && (
                  <Flex gap={8} wrap align="center">
                    <Button type="primary" disabled={!o.canDecide} onClick={() => setDeciding({ entry: o, approve: true })} data-testid="override-confirm">
                      {t('overrides.confirm')}
                    </Button>
                    <Button danger disabled={!o.canDecide} onClick={() => setDeciding({ entry: o, approve: false })} data-testid="override-refuse">
                      {t('overrides.refuse')}
                    </Button>
                    {mine && (
                      <Typography.Text type="secondary" data-testid="override-own">
                        {t('overrides.ownRequest')}
                      </Typography.Text>
                    )}
                  </Flex>
                )}
              </QueueEntry>
            );
          })}
        </ul>
      )}
      <DecideDialog
        decision={deciding}
        onClose={() => setDeciding(null)}
        onDone={(d) => {
          setDeciding(null);
          setDone(d);
          res.reload();
          onChanged?.();
        }}
      />
    </Flex>
  );
}
