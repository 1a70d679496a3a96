import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/** A time in China, in the UI's language (the API gives UTC instants). */
export function chinaTime(iso: string, lang: string): string {
  return new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** The case an entry of a supervision queue is about. */
export interface QueueCase {
  caseId: string;
  trackingNo: string;
  itemName: string;
}

/** One entry of a supervision queue: the case and a tag, labelled facts, then actions. Stacks on a phone. */
export function QueueEntry({ of, tag, facts, children, testId }: { of: QueueCase; tag?: ReactNode; facts: [ReactNode, ReactNode][]; children?: ReactNode; testId: string }) {
  return (
    <li data-testid={testId}>
      <div className="tb-queue-head">
        <Link to={`/backoffice/cases/${of.caseId}`} className="tb-mono">
          {of.trackingNo}
        </Link>
        <span>{of.itemName}</span>
        {tag}
      </div>
      <dl>
        {facts.map(([label, value], i) => (
          <div key={i}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {children}
    </li>
  );
}

/** A queue's entries, or a line saying it is empty (or still loading). */
export function QueueList<T extends { id: string }>({ items, loading, empty, label, testId, emptyTestId, children }: { items: T[]; loading: boolean; empty: string; label: string; testId: string; emptyTestId: string; children(item: T): ReactNode }) {
  const { t } = useTranslation();
  if (items.length === 0)
    return (
      <Typography.Paragraph type="secondary" data-testid={emptyTestId}>
        {loading ? t('app.loading') : empty}
      </Typography.Paragraph>
    );
  return (
    <ul className="tb-queue" data-testid={testId} aria-label={label}>
      {items.map(children)}
    </ul>
  );
}
