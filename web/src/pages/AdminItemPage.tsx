import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Button, Card, Flex, Form, Input, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { useApi } from '../useApi';
import { citationText, loc, type Citation, type Localised } from '../types';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';

// bpmn-js only loads on this page.
const BpmnViewer = lazy(() => import('../components/BpmnViewer'));

interface VersionInfo {
  versionId: string;
  version: number;
  status: string;
  effectiveFrom: string | null;
  source: string;
  createdBy: string;
  reviewedBy: string | null;
  reviewDecision: string | null;
  publishedBy: string | null;
  createdAt: string;
}

interface ItemDef {
  code: string;
  name: Localised;
  legalBasis: Citation[];
  steps: { key: string; name: Localised; role: string; promisedDays: number; statutoryDays: number }[];
  materials: { code: string; name: Localised; requiredWhen?: string }[];
}

const STATUS_COLOURS: Record<string, string> = { published: '#2b7a0b', draft: '#595959', in_review: '#0b57c5', approved: '#0b57c5', rejected: '#c41d1d', retired: '#595959' };

/** One item: its definition in force, every version with the review/publish workflow, and its process (BPMN). */
export default function AdminItemPage() {
  const { code = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const item = useApi<{ versionId: string; version: number; effectiveFrom: string; item: ItemDef }>(`/api/items/${encodeURIComponent(code)}`);
  const versions = useApi<{ items: VersionInfo[] }>(`/api/items/${encodeURIComponent(code)}/versions`);
  const [xml, setXml] = useState<string | null>(null);
  const [xmlError, setXmlError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    fetch(`/api/items/${encodeURIComponent(code)}/process.bpmn`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then(setXml)
      .catch(setXmlError);
  }, [code]);

  async function act(path: string, body: unknown, key: string) {
    setBusy(key);
    setActionError(null);
    try {
      await api('POST', `/api/items/${encodeURIComponent(code)}/${path}`, body, { 'idempotency-key': crypto.randomUUID() });
      versions.reload();
      item.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  }

  const columns: TableColumnsType<VersionInfo> = [
    { key: 'v', title: t('admin.version'), dataIndex: 'version', render: (v: number) => `v${v}` },
    { key: 'status', title: t('admin.status'), dataIndex: 'status', render: (v: string) => <Tag color={STATUS_COLOURS[v] ?? '#595959'}>{t(`versionStatus.${v}`, { defaultValue: v })}</Tag> },
    { key: 'from', title: t('admin.effectiveFrom'), dataIndex: 'effectiveFrom', render: (v: string | null) => v ?? '—' },
    { key: 'source', title: t('admin.source'), dataIndex: 'source', responsive: ['md'] },
    { key: 'created', title: t('admin.createdAt'), dataIndex: 'createdAt', render: (v: string) => v.slice(0, 10), responsive: ['md'] },
    {
      key: 'actions',
      title: t('search.actions'),
      render: (_: unknown, v) =>
        v.status === 'draft' ? (
          <Button size="small" loading={busy === v.versionId} onClick={() => void act(`drafts/${v.versionId}/submit`, {}, v.versionId)}>
            {t('admin.submitReview')}
          </Button>
        ) : v.status === 'in_review' ? (
          <Flex gap={4} wrap>
            <Button size="small" onClick={() => void act(`drafts/${v.versionId}/review`, { decision: 'approve' }, v.versionId)}>
              {t('admin.approve')}
            </Button>
            <Button size="small" danger onClick={() => void act(`drafts/${v.versionId}/review`, { decision: 'reject' }, v.versionId)}>
              {t('admin.reject')}
            </Button>
          </Flex>
        ) : v.status === 'approved' ? (
          <Form layout="inline" onFinish={(f: { effectiveFrom: string }) => void act(`drafts/${v.versionId}/publish`, { effectiveFrom: f.effectiveFrom }, v.versionId)}>
            <Form.Item name="effectiveFrom" rules={[{ required: true, message: t('admin.dateRequired') }]} style={{ marginBottom: 0 }}>
              <Input type="date" size="small" aria-label={t('admin.effectiveFrom')} />
            </Form.Item>
            <Button size="small" type="primary" htmlType="submit">
              {t('admin.publish')}
            </Button>
          </Form>
        ) : null,
    },
  ];

  const def = item.data?.item;
  return (
    <Flex vertical gap={16}>
      <Card>
        <Link to="/admin/items">{t('admin.backItems')}</Link>
        <Typography.Title level={1} className="tb-page-title" style={{ marginTop: 8 }}>
          {def ? loc(def.name, lang) : code} <span className="tb-mono" style={{ fontSize: 14 }}>{code}</span>
        </Typography.Title>
        <ErrorBox error={item.error} />
        {def && (
          <div className="tb-grid-2">
            <div>
              <h2 className="tb-h2">{t('admin.legalBasis')}</h2>
              <ul>
                {def.legalBasis.map((c, i) => (
                  <li key={i}>{citationText(c)}</li>
                ))}
              </ul>
              <h2 className="tb-h2">{t('admin.materials')}</h2>
              <ul>
                {def.materials.map((m) => (
                  <li key={m.code}>
                    {loc(m.name, lang)}
                    {m.requiredWhen && <span className="tb-cite"> （{m.requiredWhen}）</span>}
                  </li>
                ))}
              </ul>
            </div>
            <div>
              <h2 className="tb-h2">{t('admin.steps')}</h2>
              <ol>
                {def.steps.map((s) => (
                  <li key={s.key}>
                    {loc(s.name, lang)} · {t(`roles.${s.role}`, { defaultValue: s.role })} · {t('admin.days', { promised: s.promisedDays, statutory: s.statutoryDays })}
                  </li>
                ))}
              </ol>
            </div>
          </div>
        )}
      </Card>
      <Card title={<h2 className="tb-h2">{t('admin.process')}</h2>}>
        {xmlError ? <ErrorBox error={xmlError} /> : xml ? <Suspense fallback={<Loading />}><BpmnViewer xml={xml} /></Suspense> : <Loading />}
        <a href={`/api/items/${encodeURIComponent(code)}/process.bpmn`} download>
          {t('admin.downloadBpmn')}
        </a>
      </Card>
      <Card title={<h2 className="tb-h2">{t('admin.versions')}</h2>}>
        <ErrorBox error={actionError ?? versions.error} />
        <Flex gap={8} style={{ marginBottom: 12 }}>
          <Button onClick={() => void act('drafts', { patch: {} }, 'new')} loading={busy === 'new'} data-testid="new-draft">
            {t('admin.newDraft')}
          </Button>
        </Flex>
        <Table<VersionInfo> rowKey="versionId" columns={columns} dataSource={versions.data?.items ?? []} loading={versions.loading} size="small" pagination={false} scroll={{ x: 'max-content' }} data-testid="versions" />
      </Card>
    </Flex>
  );
}
