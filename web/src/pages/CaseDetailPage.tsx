import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, Button, Card, Descriptions, Flex, Form, Input, Rate, Steps, Tag, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { loc, type Localised } from '../types';
import { CaseStatusTag } from '../components/CaseList';
import { ErrorBox } from '../components/ErrorBox';
import { MaterialUpload } from '../components/MaterialUpload';
import { Loading } from '../components/Loading';

export interface CaseEvent {
  at: string;
  kind: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  detail?: Record<string, unknown>;
}

export interface CaseDetail {
  id: string;
  trackingNo: string;
  itemCode: string;
  itemName: Localised | string;
  status: string;
  currentStep?: string | null;
  promisedDate?: string;
  statutoryDate?: string;
  channel?: string;
  createdAt?: string;
  completedAt?: string | null;
  outcomeReason?: string | null;
  answers?: Record<string, unknown>;
  events?: CaseEvent[];
  /** The API's name for the case history. */
  history?: CaseEvent[];
  steps?: { key: string; name: Localised; status?: string }[];
  rating?: { score: number; comment?: string | null; at?: string; followUp?: RatingFollowUp | null } | null;
  notices?: { number: string; kind: string; issuedAt?: string; missing: { code: string; name: Localised }[] }[];
}

/** 差评回访: outcome and date for everyone; the supervisor's record and name only reach staff. */
export interface RatingFollowUp {
  outcome: 'contacted' | 'rectified' | 'explained';
  at: string;
  note?: string;
  byName?: string | null;
}

const FINAL = ['completed', 'delivered', 'rejected', 'not_accepted', 'withdrawn'];
const PROGRESS = ['submitted', 'accepted', 'in_review', 'approved', 'completed'];

/** Reads either `{ case, events, … }` or a flat case. */
export function unwrapCase(d: unknown): CaseDetail {
  const o = d as Record<string, unknown>;
  if (o && typeof o === 'object' && 'case' in o && o.case && typeof o.case === 'object') return { ...(o.case as CaseDetail), ...(o as object), ...(o.case as object) } as CaseDetail;
  return o as unknown as CaseDetail;
}

/** The day in China (UTC+8 all year) of an instant the API gives in UTC. */
function chinaDay(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);
}

/** How a poor rating was followed up: the citizen reads what was done for them, staff also the record. */
function FollowUp({ f, citizen }: { f: RatingFollowUp; citizen: boolean }) {
  const { t } = useTranslation();
  return (
    <div data-testid="rating-follow-up" style={{ marginTop: 12 }}>
      <Tag color="green" style={{ color: 'rgba(0,0,0,0.88)', marginBottom: 8 }}>
        {t('caseDetail.followedUp')}
      </Tag>
      <Descriptions
        column={1}
        size="small"
        bordered
        items={[
          { key: 'outcome', label: t('caseDetail.followUpOutcome'), children: t(citizen ? `caseDetail.yourOutcomes.${f.outcome}` : `ratings.outcomes.${f.outcome}`) },
          { key: 'date', label: t('caseDetail.followUpDate'), children: chinaDay(f.at) },
          ...(!citizen && f.byName ? [{ key: 'by', label: t('caseDetail.followUpBy'), children: f.byName }] : []),
          ...(!citizen && f.note ? [{ key: 'note', label: t('caseDetail.followUpNote'), children: f.note }] : []),
        ]}
      />
    </div>
  );
}

/** Staff read the applicant's rating and its follow-up; only the applicant rates. */
function RatingRead({ rating }: { rating: NonNullable<CaseDetail['rating']> }) {
  const { t } = useTranslation();
  return (
    <div data-testid="rating-read">
      <Descriptions
        column={1}
        size="small"
        bordered
        items={[
          { key: 'score', label: t('caseDetail.ratingScore'), children: t('ratings.stars', { score: rating.score, label: t(`rating.s${rating.score}`) }) },
          { key: 'comment', label: t('caseDetail.ratingComment'), children: rating.comment || t('caseDetail.noComment') },
        ]}
      />
      {rating.followUp ? (
        <FollowUp f={rating.followUp} citizen={false} />
      ) : (
        rating.score <= 2 && (
          <Tag color="gold" style={{ color: 'rgba(0,0,0,0.88)', marginTop: 12 }}>
            {t('caseDetail.notFollowedUp')}
          </Tag>
        )
      )}
    </div>
  );
}

function Rating({ caseId, existing, onDone }: { caseId: string; existing: CaseDetail['rating']; onDone(): void }) {
  const { t } = useTranslation();
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (existing)
    return (
      <div data-testid="rating-done">
        <Typography.Paragraph>{t('rating.thanks')}</Typography.Paragraph>
        <Rate disabled value={existing.score} />
        {existing.followUp && <FollowUp f={existing.followUp} citizen />}
      </div>
    );
  async function send() {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/cases/${caseId}/rating`, { score, ...(comment.trim() ? { comment: comment.trim() } : {}) }, { 'idempotency-key': crypto.randomUUID() });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const labels = [1, 2, 3, 4, 5].map((n) => t(`rating.s${n}`));
  return (
    <Form layout="vertical" onFinish={() => void send()} data-testid="rating-form">
      <ErrorBox error={error} />
      <Form.Item label={t('rating.question')} required>
        <Rate value={score} onChange={setScore} tooltips={labels} aria-label={t('rating.question')} data-testid="rating-stars" />
        {score > 0 && <span style={{ marginInlineStart: 8 }}>{labels[score - 1]}</span>}
      </Form.Item>
      {score > 0 && score <= 2 && <Alert type="info" showIcon title={t('rating.badFollowUp')} style={{ marginBottom: 12 }} />}
      <Form.Item label={t('rating.comment')}>
        <Input.TextArea rows={3} maxLength={500} value={comment} onChange={(e) => setComment(e.target.value)} aria-label={t('rating.comment')} />
      </Form.Item>
      <Button type="primary" htmlType="submit" disabled={score === 0} loading={busy} data-testid="rating-submit">
        {t('rating.submit')}
      </Button>
    </Form>
  );
}

/** 补正: the citizen supplies every material the correction notice listed, then the case waits for acceptance again. */
function Correction({ c, onDone }: { c: CaseDetail; onDone(): void }) {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const notice = [...(c.notices ?? [])].reverse().find((n) => n.kind === 'correction');
  const [given, setGiven] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!notice || !me?.personId) return null;
  const missing = notice.missing;
  async function send() {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/cases/${c.id}/correction`, { materials: Object.entries(given).map(([code, archiveId]) => ({ code, archiveId })) }, { 'idempotency-key': crypto.randomUUID() });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title={<h2 className="tb-h2">{t('caseDetail.correctionTitle')}</h2>} data-testid="correction">
      <ErrorBox error={error} />
      <ul className="tb-person-list">
        {missing.map((m) => (
          <li key={m.code} className="tb-person-item">
            <strong>{loc(m.name, i18n.language)}</strong> {given[m.code] && <span>· {t('wizard.uploaded')}</span>}
            <MaterialUpload code={m.code} label={loc(m.name, i18n.language)} personId={me.personId!} onUploaded={(r) => setGiven((g) => ({ ...g, [m.code]: r.id }))} />
          </li>
        ))}
      </ul>
      <Button type="primary" style={{ marginTop: 12 }} disabled={missing.some((m) => !given[m.code])} loading={busy} onClick={() => void send()} data-testid="correction-submit">
        {t('caseDetail.correctionSubmit')}
      </Button>
    </Card>
  );
}

/** 'case.approved' → 'approved', 'override.requested' → 'override_requested' (a dot would nest the i18n key). */
function eventKey(kind: string): string {
  return kind.replace(/^case\./, '').replace(/\./g, '_');
}

/** One case: where it stands, its history, the notices and — once finished — the rating (好差评). */
export default function CaseDetailPage() {
  const { caseId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { me } = useSession();
  const res = useApi<unknown>(`/api/cases/${encodeURIComponent(caseId)}`);
  const citizen = me?.kind === 'citizen';
  const back = citizen ? '/me/cases' : '/staff/search';

  if (res.error) {
    // Someone else's case (or none): the server says 404 either way, and so do we.
    const notFound = res.error instanceof ApiError && (res.error.status === 404 || res.error.status === 403);
    return notFound ? (
      <Card data-testid="case-not-found">
        <Typography.Title level={1} className="tb-page-title">
          {t('caseDetail.notFound')}
        </Typography.Title>
        <Typography.Paragraph>{t('caseDetail.notFoundHint')}</Typography.Paragraph>
        <Link to={back}>{t('caseDetail.back')}</Link>
      </Card>
    ) : (
      <ErrorBox error={res.error} onRetry={res.reload} />
    );
  }
  if (!res.data) return <Loading />;
  const c = unwrapCase(res.data);
  const events = c.history ?? c.events ?? [];
  const progressIndex = Math.max(0, PROGRESS.indexOf(c.status === 'delivered' ? 'completed' : c.status));
  const finished = FINAL.includes(c.status);

  return (
    <Flex vertical gap={16}>
      <Card>
        <Typography.Text type="secondary">{loc(c.itemName, lang)}</Typography.Text>
        <Typography.Title level={1} className="tb-page-title" data-testid="case-title">
          <span className="tb-mono">{c.trackingNo}</span> <CaseStatusTag status={c.status} />
        </Typography.Title>
        {!['rejected', 'not_accepted', 'withdrawn'].includes(c.status) && (
          <Steps
            size="small"
            current={progressIndex}
            status={c.status === 'correction_requested' ? 'error' : finished ? 'finish' : 'process'}
            responsive
            items={PROGRESS.map((s) => ({ title: t(`caseStatus.${s}`) }))}
            data-testid="case-progress"
          />
        )}
        {c.status === 'correction_requested' && <Alert type="warning" showIcon title={t('caseDetail.correction')} style={{ marginTop: 12 }} />}
        <Descriptions
          style={{ marginTop: 16 }}
          column={{ xs: 1, md: 2 }}
          size="small"
          bordered
          items={[
            { key: 'created', label: t('cases.createdAt'), children: c.createdAt?.slice(0, 10) ?? '' },
            { key: 'promised', label: t('cases.promisedDate'), children: c.promisedDate ?? '' },
            { key: 'channel', label: t('caseDetail.channel'), children: c.channel ? t(`channels.${c.channel}`, { defaultValue: c.channel }) : '' },
            ...(c.outcomeReason ? [{ key: 'reason', label: t('caseDetail.reason'), children: c.outcomeReason }] : []),
          ]}
        />
      </Card>
      {citizen && c.status === 'correction_requested' && <Correction c={c} onDone={res.reload} />}
      {citizen && finished && c.status !== 'withdrawn' && (
        <Card title={<h2 className="tb-h2">{t('rating.title')}</h2>}>
          <Rating caseId={c.id} existing={c.rating ?? null} onDone={res.reload} />
        </Card>
      )}
      {!citizen && c.rating && (
        <Card title={<h2 className="tb-h2">{t('rating.title')}</h2>}>
          <RatingRead rating={c.rating} />
        </Card>
      )}
      {(c.notices ?? []).length > 0 && (
        <Card title={<h2 className="tb-h2">{t('caseDetail.notices')}</h2>}>
          <ul data-testid="case-notices">
            {(c.notices ?? []).map((n) => (
              <li key={n.number}>
                <span className="tb-mono">{n.number}</span>：{n.missing.map((m) => loc(m.name, lang)).join('、')}
              </li>
            ))}
          </ul>
        </Card>
      )}
      {events.length > 0 && (
        <Card title={<h2 className="tb-h2">{t('caseDetail.history')}</h2>}>
          <Timeline
            items={events.map((e, i) => ({
              key: i,
              content: (
                <>
                  <strong>{t(`caseEvents.${eventKey(e.kind)}`, { defaultValue: e.kind })}</strong>
                  {e.toStatus ? ` → ${t(`caseStatus.${e.toStatus}`, { defaultValue: e.toStatus })}` : ''}
                  <div className="tb-cite">{e.at.slice(0, 16).replace('T', ' ')}</div>
                </>
              ),
            }))}
          />
        </Card>
      )}
      <Link to={back}>{t('caseDetail.back')}</Link>
    </Flex>
  );
}
