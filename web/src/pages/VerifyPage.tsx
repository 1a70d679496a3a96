import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Descriptions, Input, Space, Typography, Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { ErrorBox } from '../components/ErrorBox';

interface VerifiedDocument {
  id: string;
  kind: string;
  number: string;
  title: string;
  holder: string;
  issuer: string;
  issuedAt: string;
  keyId: string;
  algorithm: string;
  status: string;
}
interface VerifyResult {
  valid: boolean;
  reason?: string;
  detail?: string;
  document?: VerifiedDocument;
}

/**
 * Public verification of a Tongban document (文书核验): upload the PDF, or paste the text
 * a phone's scanner read from the QR code (TB1:…). A link /verify#TB1:… verifies at once.
 */
export default function VerifyPage() {
  const { t, i18n } = useTranslation();
  const [qr, setQr] = useState('');
  const [result, setResult] = useState<VerifyResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const resultRef = useRef<HTMLDivElement>(null);

  async function run(body: Blob | { qr: string }) {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = body instanceof Blob ? await api<VerifyResult>('POST', '/api/verify', body, { 'content-type': 'application/pdf' }) : await api<VerifyResult>('POST', '/api/verify', body);
      setResult(r);
      // Move focus to the answer so keyboard and screen reader users hear it.
      setTimeout(() => resultRef.current?.focus(), 0);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    const hash = decodeURIComponent(window.location.hash.slice(1));
    if (hash.startsWith('TB1:')) {
      setQr(hash);
      void run({ qr: hash });
    }
  }, []);

  const when = (iso: string) => new Date(iso).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai' });

  return (
    <Card>
      <Typography.Title level={1} className="tb-page-title">
        {t('verify.title')}
      </Typography.Title>
      <Typography.Paragraph>{t('verify.intro')}</Typography.Paragraph>
      <Space direction="vertical" size="large" style={{ width: '100%' }}>
        <section aria-labelledby="verify-pdf">
          <Typography.Title level={2} id="verify-pdf" style={{ fontSize: 18 }}>
            {t('verify.byPdf')}
          </Typography.Title>
          <Upload
            accept="application/pdf,.pdf"
            maxCount={1}
            showUploadList={false}
            beforeUpload={(file) => {
              void run(file);
              return false;
            }}
          >
            <Button type="primary" loading={busy} data-testid="verify-upload">
              {t('verify.choosePdf')}
            </Button>
          </Upload>
        </section>
        <section aria-labelledby="verify-qr">
          <Typography.Title level={2} id="verify-qr" style={{ fontSize: 18 }}>
            {t('verify.byQr')}
          </Typography.Title>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (qr.trim()) void run({ qr: qr.trim() });
            }}
          >
            <label htmlFor="verify-qr-text">{t('verify.qrLabel')}</label>
            <Input.TextArea id="verify-qr-text" value={qr} onChange={(e) => setQr(e.target.value)} rows={3} placeholder="TB1:…" spellCheck={false} data-testid="verify-qr-input" style={{ fontFamily: 'monospace', marginTop: 4 }} />
            <Button htmlType="submit" style={{ marginTop: 8 }} loading={busy} disabled={!qr.trim()} data-testid="verify-qr-submit">
              {t('verify.check')}
            </Button>
          </form>
        </section>
        <ErrorBox error={error} />
        <div ref={resultRef} tabIndex={-1} role="status" aria-live="polite" data-testid="verify-result">
          {result &&
            (result.valid ? (
              <Alert type="success" showIcon message={<strong>{t('verify.valid')}</strong>} description={t('verify.validHint')} />
            ) : (
              <Alert type="error" showIcon message={<strong>{t('verify.invalid')}</strong>} description={t(`verify.reason.${result.reason ?? 'malformed'}`, { defaultValue: result.detail ?? result.reason })} />
            ))}
          {result?.document && (
            <Descriptions bordered column={1} size="small" style={{ marginTop: 16 }} title={t('verify.document')}>
              <Descriptions.Item label={t('verify.field.title')}>{result.document.title}</Descriptions.Item>
              <Descriptions.Item label={t('verify.field.number')}>{result.document.number}</Descriptions.Item>
              <Descriptions.Item label={t('verify.field.holder')}>{result.document.holder}</Descriptions.Item>
              <Descriptions.Item label={t('verify.field.issuer')}>{result.document.issuer}</Descriptions.Item>
              <Descriptions.Item label={t('verify.field.issuedAt')}>{when(result.document.issuedAt)}</Descriptions.Item>
              <Descriptions.Item label={t('verify.field.key')}>
                {result.document.keyId} ({result.document.algorithm})
              </Descriptions.Item>
            </Descriptions>
          )}
        </div>
      </Space>
    </Card>
  );
}
