import { useState, type ReactNode } from 'react';
import { Alert, Button, Flex, Form, Input, Segmented, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { useApi } from '../../useApi';
import { useSession } from '../../session';
import { loc, type Localised } from '../../types';
import { ErrorBox } from '../../components/ErrorBox';
import { FormDialog } from '../../components/FormDialog';
import type { CaseOverride } from '../task/overrides';
import { chinaTime, QueueEntry, QueueList } from './common';

/** An override in the queue: the case's override, with its case and whether I may decide it. */
export interface OverrideEntry extends CaseOverride {
  caseId: string;
  trackingNo: string;
  itemName: string;
  ruleName: Localised | null;
  canDecide: boolean;
}

type Decision = { entry: OverrideEntry; approve: boolean };

function DecideDialog({ decision, onClose, onDone }: { decision: Decision | null; onClose(): void; onDone(d: Decision): void }) {
  const { t, i18n } = useTranslation();
  const no = decision?.entry.trackingNo ?? '';
  return (
    <FormDialog<{ note: string }>
      open={decision !== null}
      onClose={onClose}
      title={decision?.approve ? t('overrides.confirmTitle', { no }) : t('overrides.refuseTitle', { no })}
      name="decide-override"
      testId="decide"
      cancelText={t('overrides.cancel')}
      okText={decision?.approve ? t('overrides.confirm') : t('overrides.refuse')}
      danger={decision ? !decision.approve : false}
      intro={
        decision && (
          <Typography.Paragraph>
            {loc(decision.entry.ruleName, i18n.language) || decision.entry.ruleId} · {decision.entry.reason}
          </Typography.Paragraph>
        )
      }
      onSubmit={async ({ note }, key) => {
        if (!decision) return;
        await api('POST', `/api/overrides/${decision.entry.id}/decide`, { approve: decision.approve, note: note.trim() }, { 'idempotency-key': key });
        onDone(decision);
      }}
    >
      <Form.Item label={t('overrides.noteLabel')} name="note" rules={[{ required: true, whitespace: true, message: t('overrides.noteRequired') }]}>
        <Input.TextArea rows={3} maxLength={1000} showCount data-testid="decide-note" />
      </Form.Item>
    </FormDialog>
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
      <QueueList items={res.data?.items ?? []} loading={res.loading} empty={status === 'pending' ? t('overrides.none') : t('overrides.noneDecided')} label={t('overrides.heading')} testId="override-list" emptyTestId="overrides-empty">
        {(o) => {
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
              of={o}
              tag={
                <Tag color={o.status === 'approved' ? 'green' : o.status === 'refused' ? 'red' : 'gold'} style={{ color: 'rgba(0,0,0,0.88)' }}>
                  {t(`overrides.status.${o.status}`)}
                </Tag>
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
        }}
      </QueueList>
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
