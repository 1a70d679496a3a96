import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, messageOf } from '../api';
import { loc } from '../types';
import { submitCase, type CaseReceipt } from '../cases';
import type { ItemSummary } from './ServiceList';
import { ReceiptSheet } from './ReceiptSheet';

/** 社保卡挂失 at the kiosk: one confirmation, then the receipt (an instant item completes at once). */
export function KioskCardLoss({ onDone }: { onDone(): void }) {
  const { t, i18n } = useTranslation();
  const [item, setItem] = useState<ItemSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<CaseReceipt | null>(null);

  useEffect(() => {
    api<{ items: ItemSummary[] }>('GET', '/api/items')
      .then((r) => {
        const found = r.items.find((i) => i.domain === 'card' && i.name.zh.includes('挂失'));
        if (found) setItem(found);
        else setError(new Error('no card loss item'));
      })
      .catch(setError);
  }, []);

  async function confirm() {
    if (!item) return;
    setBusy(true);
    setError(null);
    try {
      // At a kiosk the report is the temporary one (临时挂失); a formal report and a new card are at any counter.
      const out = await submitCase(item.code, { lossType: 'temporary' }, [], 'kiosk');
      if (out.result === 'receipt') setReceipt(out);
      else setError(new Error(out.notice.missing.map((m) => loc(m.name, i18n.language)).join('、')));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (receipt)
    return (
      <div className="tb-kiosk-panel">
        <h2 className="tb-no-print" data-testid="kiosk-loss-done">
          {t('kiosk.lossDone')}
        </h2>
        <ReceiptSheet receipt={receipt} />
        <div className="tb-kiosk-row tb-no-print">
          <button type="button" className="tb-kiosk-btn tb-primary" onClick={() => window.print()} data-testid="kiosk-print">
            {t('kiosk.print')}
          </button>
          <button type="button" className="tb-kiosk-btn" onClick={onDone} data-testid="kiosk-finish">
            {t('kiosk.finish')}
          </button>
        </div>
      </div>
    );
  return (
    <div className="tb-kiosk-panel">
      <h2>{t('kiosk.cardLoss')}</h2>
      {error ? (
        <p role="alert" data-testid="kiosk-error">
          {error instanceof Error && !('problem' in error) ? t('kiosk.lossFailed', { reason: error.message }) : messageOf(error, i18n.language)}
        </p>
      ) : null}
      <p style={{ margin: 0 }}>{t('kiosk.lossExplain')}</p>
      <div className="tb-kiosk-row">
        <button type="button" className="tb-kiosk-btn" onClick={onDone}>
          {t('kiosk.cancel')}
        </button>
        <button type="button" className="tb-kiosk-btn tb-danger" disabled={!item || busy} onClick={() => void confirm()} data-testid="kiosk-confirm-loss">
          {t('kiosk.confirmLoss')}
        </button>
      </div>
    </div>
  );
}
