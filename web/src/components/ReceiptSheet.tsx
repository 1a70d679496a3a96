import { useTranslation } from 'react-i18next';
import { loc } from '../types';
import type { CaseReceipt } from '../cases';

/** 受理回执: the printable receipt with the tracking number, promised date and next steps. */
export function ReceiptSheet({ receipt }: { receipt: CaseReceipt }) {
  const { t, i18n } = useTranslation();
  const r = receipt.receipt;
  return (
    <section className="tb-receipt" data-testid="receipt" aria-labelledby="receipt-title">
      <h3 id="receipt-title">{t(r.acceptedAt ? 'receipt.title' : 'receipt.titleSubmitted')}</h3>
      <dl>
        <dt>{t('cases.item')}</dt>
        <dd>{loc(r.itemName, i18n.language)}</dd>
        <dt>{t('receipt.applicant')}</dt>
        <dd>{r.applicantName}</dd>
        <dt>{t('cases.trackingNo')}</dt>
        <dd className="tb-mono" data-testid="tracking-no">
          {r.trackingNo}
        </dd>
        <dt>{t('cases.status')}</dt>
        <dd data-testid="receipt-status">{t(`caseStatus.${r.status}`, { defaultValue: r.status })}</dd>
        <dt>{t(r.acceptedAt ? 'receipt.issuedAt' : 'receipt.submittedAt')}</dt>
        <dd>{(r.acceptedAt ?? r.submittedAt).slice(0, 16).replace('T', ' ')}</dd>
        <dt>{t('cases.promisedDate')}</dt>
        <dd>{r.promisedDate}</dd>
        <dt>{t('receipt.channel')}</dt>
        <dd>{t(`channels.${r.channel}`, { defaultValue: r.channel })}</dd>
      </dl>
      {r.documentId && (
        <p className="tb-no-print" style={{ marginBottom: 0, marginTop: 8 }}>
          <a href={`/api/documents/${r.documentId}/pdf`} download data-testid="receipt-pdf">
            {t('receipt.pdf')}
          </a>
        </p>
      )}
    </section>
  );
}
