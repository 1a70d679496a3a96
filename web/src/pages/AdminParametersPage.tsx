import { useEffect, useRef, useState } from 'react';
import { Button, Card, Flex, Form, Input, Tag, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { citationText, loc, type Citation, type Localised } from '../types';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { SimpleTable } from '../components/SimpleTable';

interface Version {
  key: string;
  versionId: string;
  effectiveFrom: string;
  effectiveTo: string | null;
  value: unknown;
  unit: string;
  scope: string;
  citation: Citation;
}
interface VersionRecord extends Version {
  status: string;
  source: string;
  createdBy: string;
  createdAt: string;
  publishedBy: string | null;
  publishedAt: string | null;
  reason: string | null;
  superseded: boolean;
}
interface ParamSummary {
  key: string;
  name: Localised;
  unit: string;
  scope: string;
  description?: string;
  current: Version | null;
  upcoming: Version[];
  drafts: number;
}

export function showParamValue(v: unknown): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Tables of values (rates by insurance, bands) stay readable in the list: the full value is in the timeline. */
function shortValue(v: unknown, unit: string): string {
  const s = showParamValue(v);
  return s.length > 48 ? `${s.slice(0, 46)}…` : `${s} ${unit}`;
}

function parseValue(text: string): unknown {
  const s = text.trim();
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** One parameter's timeline of effective dates, and the form to propose (and, for another administrator, publish) a new value. */
function ParameterDetail({ paramKey, onChanged }: { paramKey: string; onChanged(): void }) {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const res = useApi<{ key: string; name: Localised; unit: string; description?: string; timeline: VersionRecord[] }>(`/api/parameters/${paramKey}`);
  const [form] = Form.useForm();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  async function propose(v: { value: string; effectiveFrom: string; law: string; article?: string; reason: string }) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const citation: Citation = { law: v.law.trim(), ...(v.article?.trim() ? { article: v.article.trim() } : {}) };
      await api('POST', `/api/parameters/${paramKey}/drafts`, { value: parseValue(v.value), effectiveFrom: v.effectiveFrom, citation, reason: v.reason.trim() }, { 'idempotency-key': crypto.randomUUID() });
      form.resetFields();
      setNotice(t('params.drafted'));
      res.reload();
      onChanged();
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && e.problem.errors) form.setFields(e.problem.errors.map((fe) => ({ name: fe.field.split('/').pop() ?? fe.field, errors: [fe.reason] })));
    } finally {
      setBusy(false);
    }
  }

  async function publish(versionId: string) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await api('POST', `/api/parameters/${paramKey}/drafts/${versionId}/publish`, undefined, { 'idempotency-key': crypto.randomUUID() });
      setNotice(t('params.published'));
      res.reload();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (res.error) return <ErrorBox error={res.error} onRetry={res.reload} />;
  if (!res.data) return <Loading />;
  const p = res.data;
  const sorted = [...p.timeline].sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : a.effectiveFrom > b.effectiveFrom ? -1 : 0));
  const colour = (v: VersionRecord) => (v.status === 'draft' ? 'gray' : v.superseded ? 'gray' : v.effectiveTo === null && v.effectiveFrom > new Date().toISOString().slice(0, 10) ? 'blue' : 'green');
  return (
    <div className="tb-grid-2" data-testid="param-detail">
      <div>
        <h2 className="tb-h2" style={{ marginBottom: 4 }}>
          {loc(p.name, i18n.language)} <span className="tb-mono tb-cite">{p.key}</span>
        </h2>
        {p.description && <Typography.Paragraph type="secondary">{p.description}</Typography.Paragraph>}
        <Timeline
          data-testid="param-timeline"
          items={sorted.map((v) => ({
            key: v.versionId,
            color: colour(v),
            content: (
              <div data-testid={`version-${v.effectiveFrom}`}>
                <strong>{v.effectiveFrom}</strong> {v.effectiveTo ? `– ${v.effectiveTo}` : ''} <Tag>{t(`params.status.${v.status}`, { defaultValue: v.status })}</Tag>
                <div>
                  {t('params.value')}：<span className="tb-mono">{showParamValue(v.value)}</span> {v.unit}
                </div>
                <div className="tb-cite">{citationText(v.citation)}</div>
                {v.reason && <div className="tb-cite">{t('params.reason')}：{v.reason}</div>}
                {v.status === 'draft' && (
                  <Button size="small" type="primary" style={{ marginTop: 4 }} loading={busy} disabled={v.createdBy === me?.userId} title={v.createdBy === me?.userId ? t('params.fourEyes') : undefined} onClick={() => void publish(v.versionId)} data-testid="publish-draft">
                    {t('params.publish')}
                  </Button>
                )}
                {v.status === 'draft' && v.createdBy === me?.userId && <div className="tb-cite">{t('params.fourEyes')}</div>}
              </div>
            ),
          }))}
        />
      </div>
      <div>
        <h2 className="tb-h2" style={{ marginBottom: 8 }}>
          {t('params.proposeTitle')}
        </h2>
        <ErrorBox error={error} />
        {notice && (
          <Typography.Paragraph type="success" role="status" data-testid="param-notice">
            {notice}
          </Typography.Paragraph>
        )}
        <Form form={form} layout="vertical" onFinish={(v) => void propose(v)} requiredMark data-testid="param-form">
          <Form.Item name="value" label={`${t('params.value')}（${p.unit}）`} rules={[{ required: true, message: t('params.valueRequired') }]} extra={t('params.valueHint')}>
            <Input className="tb-mono" />
          </Form.Item>
          <Form.Item name="effectiveFrom" label={t('params.effectiveFrom')} rules={[{ required: true, message: t('params.dateRequired') }]}>
            <Input type="date" style={{ maxWidth: 220 }} />
          </Form.Item>
          <Form.Item name="law" label={t('params.law')} rules={[{ required: true, message: t('params.lawRequired') }]}>
            <Input placeholder={t('params.lawPlaceholder')} />
          </Form.Item>
          <Form.Item name="article" label={t('params.article')}>
            <Input />
          </Form.Item>
          <Form.Item name="reason" label={t('params.reason')} rules={[{ required: true, min: 2, message: t('params.reasonRequired') }]}>
            <Input.TextArea rows={2} maxLength={500} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="param-propose">
            {t('params.propose')}
          </Button>
        </Form>
      </div>
    </div>
  );
}

/** Administration: policy parameters on a timeline of effective dates (law as data). */
export default function AdminParametersPage() {
  const { t, i18n } = useTranslation();
  const res = useApi<{ asOf: string; parameters: ParamSummary[] }>('/api/parameters');
  const [selected, setSelected] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const detailRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (selected) detailRef.current?.scrollIntoView?.({ block: 'start' });
  }, [selected]);
  const list = (res.data?.parameters ?? []).filter((p) => !filter || `${p.key} ${p.name.zh} ${p.name.en}`.toLowerCase().includes(filter.toLowerCase()));
  return (
    <Flex vertical gap={16}>
      <Card>
        <Typography.Title level={1} className="tb-page-title">
          {t('nav.adminParameters')}
        </Typography.Title>
        <ErrorBox error={res.error} onRetry={res.reload} />
        <Input.Search value={filter} onChange={(e) => setFilter(e.target.value)} placeholder={t('params.filter')} aria-label={t('params.filter')} allowClear style={{ maxWidth: 420, marginBottom: 12 }} />
        {res.data ? (
          <SimpleTable<ParamSummary>
            rowKey={(p) => p.key}
            rows={list}
            empty={t('params.none')}
            testId="param-list"
            columns={[
              {
                key: 'name',
                title: t('params.name'),
                render: (p) => (
                  <Button type="link" style={{ padding: 0, height: 'auto', whiteSpace: 'normal', textAlign: 'left' }} onClick={() => setSelected(p.key)} data-testid={`param-${p.key}`}>
                    {loc(p.name, i18n.language)}
                  </Button>
                ),
              },
              { key: 'key', title: t('params.key'), render: (p) => <span className="tb-mono">{p.key}</span>, wide: true },
              { key: 'current', title: t('params.current'), render: (p) => (p.current ? <span title={showParamValue(p.current.value)}>{shortValue(p.current.value, p.unit)}</span> : '—') },
              { key: 'since', title: t('params.since'), render: (p) => p.current?.effectiveFrom ?? '—', wide: true },
              { key: 'upcoming', title: t('params.upcoming'), render: (p) => p.upcoming.map((u) => `${u.effectiveFrom}: ${shortValue(u.value, p.unit)}`).join('；') || (p.drafts ? t('params.draftCount', { count: p.drafts }) : '—') },
            ]}
          />
        ) : (
          !res.error && <Loading />
        )}
      </Card>
      {selected && (
        <Card ref={detailRef}>
          <ParameterDetail key={selected} paramKey={selected} onChanged={res.reload} />
        </Card>
      )}
    </Flex>
  );
}
