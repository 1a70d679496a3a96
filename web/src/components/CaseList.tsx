import { Link } from 'react-router-dom';
import { Tag, Typography } from 'antd';
import { SimpleTable, type SimpleColumn } from './SimpleTable';
import { useTranslation } from 'react-i18next';
import { loc, type Localised } from '../types';

export interface CaseSummary {
  id: string;
  trackingNo: string;
  itemCode: string;
  itemName: Localised | string;
  status: string;
  currentStep?: string | null;
  promisedDate?: string;
  createdAt?: string;
  channel?: string;
}

// Solid colours with white text (≥ 4.5:1).
export const CASE_STATUS_COLOURS: Record<string, string> = {
  submitted: '#0b57c5',
  accepted: '#0b57c5',
  in_review: '#0b57c5',
  correction_requested: '#a35200',
  approved: '#2b7a0b',
  completed: '#2b7a0b',
  delivered: '#2b7a0b',
  not_accepted: '#c41d1d',
  rejected: '#c41d1d',
  withdrawn: '#595959',
};

export function CaseStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={CASE_STATUS_COLOURS[status] ?? '#595959'} data-testid="case-status">
      {t(`caseStatus.${status}`, { defaultValue: status })}
    </Tag>
  );
}

/** Cases as a table on wide screens and a list of cards on a phone; each links to `hrefFor`. */
export function CaseList({ cases, hrefFor, phone }: { cases: CaseSummary[]; hrefFor(c: CaseSummary): string; phone: boolean }) {
  const { t, i18n } = useTranslation();
  if (cases.length === 0) return <Typography.Paragraph data-testid="no-cases">{t('cases.none')}</Typography.Paragraph>;
  if (phone)
    return (
      <ul className="tb-person-list" data-testid="case-list">
        {cases.map((c) => (
          <li key={c.id} className="tb-person-item" data-testid="case-item">
            <div className="tb-person-head">
              <Link to={hrefFor(c)}>
                <strong>{loc(c.itemName, i18n.language)}</strong>
              </Link>
              <CaseStatusTag status={c.status} />
            </div>
            <dl className="tb-person-fields">
              <dt>{t('cases.trackingNo')}</dt>
              <dd className="tb-mono">{c.trackingNo}</dd>
              {c.promisedDate && (
                <>
                  <dt>{t('cases.promisedDate')}</dt>
                  <dd>{c.promisedDate}</dd>
                </>
              )}
            </dl>
          </li>
        ))}
      </ul>
    );
  const columns: SimpleColumn<CaseSummary>[] = [
    { key: 'no', title: t('cases.trackingNo'), render: (c) => <Link to={hrefFor(c)} className="tb-mono">{c.trackingNo}</Link> },
    { key: 'item', title: t('cases.item'), render: (c) => loc(c.itemName, i18n.language) },
    { key: 'status', title: t('cases.status'), render: (c) => <CaseStatusTag status={c.status} /> },
    { key: 'created', title: t('cases.createdAt'), render: (c) => (c.createdAt ? c.createdAt.slice(0, 10) : '') },
    { key: 'promised', title: t('cases.promisedDate'), render: (c) => c.promisedDate ?? '' },
  ];
  return <SimpleTable<CaseSummary> rowKey={(c) => c.id} columns={columns} rows={cases} empty={t('cases.none')} testId="case-list" />;
}
