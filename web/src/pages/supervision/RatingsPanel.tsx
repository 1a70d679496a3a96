import { useState, type ReactNode } from 'react';
import { Alert, Button, Flex, Form, Input, Radio, Segmented, Statistic, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { useApi } from '../../useApi';
import { useSession } from '../../session';
import { useRegionNames } from '../../components/regions';
import { ErrorBox } from '../../components/ErrorBox';
import { FormDialog } from '../../components/FormDialog';
import { chinaTime, QueueEntry, QueueList } from './common';

const OUTCOMES = ['contacted', 'rectified', 'explained'] as const;
type Outcome = (typeof OUTCOMES)[number];

export interface RatingEntry {
  id: string;
  caseId: string;
  trackingNo: string;
  itemName: string;
  score: number;
  comment: string | null;
  poor: boolean;
  status: 'open' | 'followed_up' | null;
  channel: string;
  servicePointName: string | null;
  regionCode: string;
  ratedAt: string;
  followUp: { outcome: Outcome; note: string; byName: string | null; at: string } | null;
}

export interface RatingCounts {
  total: number;
  byScore: number[];
  poor: number;
  open: number;
  satisfactionRate: number | null;
}

type View = 'open' | 'followed_up' | 'all';

function FollowUpDialog({ rating, onClose, onDone }: { rating: RatingEntry | null; onClose(): void; onDone(r: RatingEntry): void }) {
  const { t } = useTranslation();
  return (
    <FormDialog<{ outcome: Outcome; note: string }>
      open={rating !== null}
      onClose={onClose}
      title={t('ratings.followUpTitle', { no: rating?.trackingNo ?? '' })}
      name="follow-up"
      testId="follow-up"
      cancelText={t('ratings.cancel')}
      okText={t('ratings.save')}
      initialValues={{ outcome: 'contacted' }}
      intro={rating?.comment && <Typography.Paragraph>“{rating.comment}”</Typography.Paragraph>}
      onSubmit={async (v, key) => {
        if (!rating) return;
        onDone(await api<RatingEntry>('POST', `/api/ratings/${rating.id}/follow-up`, { outcome: v.outcome, note: v.note.trim() }, { 'idempotency-key': key }));
      }}
    >
      <Form.Item label={t('ratings.outcome')} name="outcome" rules={[{ required: true }]}>
        <Radio.Group aria-label={t('ratings.outcome')} data-testid="follow-up-outcome">
          <Flex vertical gap={4}>
            {OUTCOMES.map((o) => (
              <Radio key={o} value={o}>
                {t(`ratings.outcomes.${o}`)}
              </Radio>
            ))}
          </Flex>
        </Radio.Group>
      </Form.Item>
      <Form.Item label={t('ratings.note')} name="note" rules={[{ required: true, whitespace: true, message: t('ratings.noteRequired') }]}>
        <Input.TextArea rows={3} maxLength={1000} showCount placeholder={t('ratings.notePlaceholder')} data-testid="follow-up-note" />
      </Form.Item>
    </FormDialog>
  );
}

function Stars({ score }: { score: number }) {
  const { t } = useTranslation();
  return (
    <span>
      <span aria-hidden="true" style={{ color: '#ad5b00', letterSpacing: 1 }}>
        {'★'.repeat(score)}
        {'☆'.repeat(5 - score)}
      </span>{' '}
      {t('ratings.stars', { score, label: t(`rating.s${score}`) })}
    </span>
  );
}

/** 评价: the counts of my region's ratings, the list, and the follow-up of poor ones (差评回访). */
export function RatingsPanel({ onChanged }: { onChanged?: () => void }) {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const mayFollowUp = me?.permissions.includes('rating.follow_up') ?? false;
  const [view, setView] = useState<View>('open');
  const res = useApi<{ items: RatingEntry[]; counts: RatingCounts }>(view === 'all' ? '/api/supervision/ratings' : `/api/supervision/ratings?bad=true&status=${view}`);
  const regionName = useRegionNames(true);
  const [following, setFollowing] = useState<RatingEntry | null>(null);
  const [saved, setSaved] = useState<RatingEntry | null>(null);
  const counts = res.data?.counts;
  const rate = counts?.satisfactionRate;

  return (
    <Flex vertical gap={12}>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('ratings.intro')}
      </Typography.Paragraph>
      <Flex gap={32} wrap data-testid="rating-counts">
        <Statistic title={t('ratings.total')} value={counts?.total ?? 0} />
        <Statistic title={t('ratings.satisfaction')} value={rate == null ? '—' : (rate * 100).toFixed(1)} suffix={rate == null ? undefined : '%'} />
        <Statistic title={t('ratings.poor')} value={counts?.poor ?? 0} />
        <Statistic title={t('ratings.open')} value={counts?.open ?? 0} valueStyle={counts?.open ? { color: '#c41d1d' } : undefined} />
      </Flex>
      {counts && counts.total > 0 && (
        <Typography.Paragraph type="secondary" style={{ margin: 0 }} data-testid="rating-by-score">
          {t('ratings.byScore', { list: [5, 4, 3, 2, 1].map((s) => `${t(`rating.s${s}`)} ${counts.byScore[s - 1] ?? 0}`).join(' · ') })}
        </Typography.Paragraph>
      )}
      <Segmented
        value={view}
        onChange={(v) => setView(v as View)}
        options={[
          { value: 'open', label: t('ratings.poorOpen') },
          { value: 'followed_up', label: t('ratings.poorDone') },
          { value: 'all', label: t('ratings.all') },
        ]}
        aria-label={t('ratings.filter')}
        style={{ alignSelf: 'flex-start', maxWidth: '100%' }}
        data-testid="rating-filter"
      />
      {saved && <Alert type="success" showIcon role="status" title={t('ratings.saved', { no: saved.trackingNo })} data-testid="follow-up-done" closable={{ onClose: () => setSaved(null) }} />}
      <ErrorBox error={res.error} onRetry={res.reload} />
      <QueueList
        items={res.data?.items ?? []}
        loading={res.loading}
        empty={view === 'open' ? t('ratings.noneOpen') : view === 'followed_up' ? t('ratings.noneDone') : t('ratings.none')}
        label={t('ratings.heading')}
        testId="rating-list"
        emptyTestId="ratings-empty"
      >
        {(r) => {
          const where = r.servicePointName ?? t(`channels.${r.channel}`, { defaultValue: r.channel });
          const facts: [string, ReactNode][] = [
            [t('ratings.score'), <Stars score={r.score} />],
            [t('ratings.comment'), r.comment ?? <Typography.Text type="secondary">{t('ratings.noComment')}</Typography.Text>],
            [t('ratings.where'), `${where} · ${regionName(r.regionCode)}`],
            [t('ratings.ratedAt'), chinaTime(r.ratedAt, i18n.language)],
          ];
          if (r.followUp) {
            facts.push(
              [t('ratings.outcome'), t(`ratings.outcomes.${r.followUp.outcome}`)],
              [t('ratings.note'), r.followUp.note],
              [t('ratings.followedBy'), `${r.followUp.byName ?? '—'} · ${chinaTime(r.followUp.at, i18n.language)}`],
            );
          }
          return (
            <QueueEntry
              key={r.id}
              testId="rating-entry"
              of={r}
              tag={
                r.poor && (
                  <Tag color={r.status === 'open' ? 'red' : 'green'} style={{ color: 'rgba(0,0,0,0.88)' }}>
                    {r.status === 'open' ? t('ratings.statusOpen') : t('ratings.statusDone')}
                  </Tag>
                )
              }
              facts={facts}
            >
              {r.status === 'open' && mayFollowUp && (
                <Button type="primary" onClick={() => setFollowing(r)} data-testid="follow-up">
                  {t('ratings.followUp')}
                </Button>
              )}
            </QueueEntry>
          );
        }}
      </QueueList>
      <FollowUpDialog
        rating={following}
        onClose={() => setFollowing(null)}
        onDone={(r) => {
          setFollowing(null);
          setSaved(r);
          res.reload();
          onChanged?.();
        }}
      />
    </Flex>
  );
}
