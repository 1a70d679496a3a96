import { useRef, useState } from 'react';
import { Button, Space, Typography } from 'antd';
import { CameraOutlined, UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, messageOf } from '../api';

export interface UploadedRecord {
  id: string;
  title?: string;
  originalFilename?: string;
  size?: number;
}

const ACCEPT = 'application/pdf,image/png,image/jpeg';
const MAX_BYTES = 20 * 1024 * 1024;

/** Sends one file to the archives (raw body + X-Filename) and returns the new archive record. */
export async function uploadMaterial(file: File, materialCode: string, personId: string): Promise<UploadedRecord> {
  const headers: Record<string, string> = { 'x-filename': encodeURIComponent(file.name), 'content-type': file.type || 'application/octet-stream', 'idempotency-key': crypto.randomUUID() };
  const q = new URLSearchParams({ personId, materialCode });
  return api<UploadedRecord>('POST', `/api/archive/uploads?${q}`, file, headers);
}

/**
 * A material's upload: drop a file on the area, choose one, or take a photo with the camera
 * (<input capture>, which phones and counter scanners with a camera honour).
 */
export function MaterialUpload({ code, label, personId, onUploaded }: { code: string; label: string; personId: string; onUploaded(r: UploadedRecord, file: File): void }) {
  const { t, i18n } = useTranslation();
  const fileRef = useRef<HTMLInputElement>(null);
  const cameraRef = useRef<HTMLInputElement>(null);
  const [drag, setDrag] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function send(file: File | undefined) {
    if (!file) return;
    setError(null);
    if (file.size > MAX_BYTES) {
      setError(t('upload.tooLarge'));
      return;
    }
    setBusy(true);
    try {
      onUploaded(await uploadMaterial(file, code, personId), file);
    } catch (e) {
      setError(messageOf(e, i18n.language));
    } finally {
      setBusy(false);
      if (fileRef.current) fileRef.current.value = '';
      if (cameraRef.current) cameraRef.current.value = '';
    }
  }

  return (
    <div
      className={drag ? 'tb-dropzone tb-drag' : 'tb-dropzone'}
      onDragOver={(e) => {
        e.preventDefault();
        setDrag(true);
      }}
      onDragLeave={() => setDrag(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDrag(false);
        void send(e.dataTransfer.files[0]);
      }}
      data-testid={`upload-${code}`}
    >
      <Typography.Paragraph style={{ marginBottom: 8 }}>{t('upload.drop')}</Typography.Paragraph>
      <Space wrap style={{ justifyContent: 'center' }}>
        <input ref={fileRef} type="file" accept={ACCEPT} className="tb-visually-hidden" tabIndex={-1} aria-hidden onChange={(e) => void send(e.target.files?.[0])} data-testid={`file-${code}`} />
        <input ref={cameraRef} type="file" accept="image/*" capture="environment" className="tb-visually-hidden" tabIndex={-1} aria-hidden onChange={(e) => void send(e.target.files?.[0])} />
        <Button icon={<UploadOutlined aria-hidden />} loading={busy} onClick={() => fileRef.current?.click()} aria-label={`${t('upload.choose')}：${label}`}>
          {t('upload.choose')}
        </Button>
        <Button icon={<CameraOutlined aria-hidden />} disabled={busy} onClick={() => cameraRef.current?.click()} aria-label={`${t('upload.camera')}：${label}`}>
          {t('upload.camera')}
        </Button>
      </Space>
      {error && (
        <Typography.Paragraph type="danger" role="alert" style={{ marginTop: 8, marginBottom: 0 }}>
          {error}
        </Typography.Paragraph>
      )}
    </div>
  );
}
