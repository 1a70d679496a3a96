import { useState } from 'react';
import { Button, Card, Typography } from 'antd';
import { FilePdfOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { messageOf } from '../api';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { SimpleTable } from '../components/SimpleTable';

interface ArchiveRecord {
  id: string;
  title: string;
  category: string;
  mediaType: string;
  originalFilename: string | null;
  createdAt: string;
  caseId: string | null;
}

/** My documents: issue a sealed contribution certificate (PDF), and every document and material on file. */
export default function DocumentsPage() {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const personId = me?.personId ?? null;
  const res = useApi<{ items: ArchiveRecord[] }>(personId ? `/api/archive/records?personId=${personId}` : null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function certificate() {
    if (!personId) return;
    setBusy(true);
    setError(null);
    try {
      const r = await fetch('/api/documents/contribution-certificate', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify({ personId }),
      });
      if (!r.ok) throw new Error((await r.json().catch(() => null))?.messages?.[i18n.language === 'en' ? 'en' : 'zh-CN'] ?? `HTTP ${r.status}`);
      const url = URL.createObjectURL(await r.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `参保缴费证明-${new Date().toISOString().slice(0, 10)}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      res.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : messageOf(e, i18n.language));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('nav.documents')}
      </Typography.Title>
      <Button type="primary" icon={<FilePdfOutlined aria-hidden />} loading={busy} onClick={() => void certificate()} data-testid="issue-certificate" style={{ marginBottom: 12 }}>
        {t('docs.certificate')}
      </Button>
      {error && (
        <Typography.Paragraph type="danger" role="alert">
          {error}
        </Typography.Paragraph>
      )}
      <ErrorBox error={res.error} onRetry={res.reload} />
      {res.data ? (
        <SimpleTable<ArchiveRecord>
          rowKey={(r) => r.id}
          rows={res.data.items}
          empty={t('docs.none')}
          testId="documents"
          caption={t('nav.documents')}
          columns={[
            {
              key: 'title',
              title: t('docs.title'),
              render: (r) => (
                <a href={`/api/archive/records/${r.id}/content`} download={r.originalFilename ?? r.title} data-testid="document-link">
                  {r.title}
                </a>
              ),
            },
            { key: 'cat', title: t('docs.category'), render: (r) => t(`docs.categories.${r.category}`, { defaultValue: r.category }), wide: true },
            { key: 'at', title: t('docs.date'), render: (r) => r.createdAt.slice(0, 10) },
          ]}
        />
      ) : (
        !res.error && <Loading />
      )}
    </Card>
  );
}
