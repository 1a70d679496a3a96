import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Input, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi';
import { loc, type Localised } from '../types';
import { ErrorBox } from './ErrorBox';
import { Loading } from './Loading';

export interface ItemSummary {
  code: string;
  name: Localised;
  domain: string;
  applicant?: 'person' | 'organisation';
  summary?: Localised;
  instant?: boolean;
  channels?: string[];
}

/** The catalogue's items as a searchable list of links; `hrefFor` says where an item leads. */
export function ServiceList({ hrefFor, applicant = 'person', channel }: { hrefFor(code: string): string; applicant?: 'person' | 'organisation'; channel?: string }) {
  const { t, i18n } = useTranslation();
  const [q, setQ] = useState('');
  const [serverQ, setServerQ] = useState('');
  // The server matches Chinese names, keywords, pinyin and initials (失业 / shiye / sy); ask it after a pause in typing.
  useEffect(() => {
    const timer = setTimeout(() => setServerQ(q.trim().slice(0, 40)), 250);
    return () => clearTimeout(timer);
  }, [q]);
  const params = new URLSearchParams();
  if (channel) params.set('channel', channel);
  if (serverQ) params.set('q', serverQ);
  const items = useApi<{ items: ItemSummary[] }>(`/api/items${params.size ? `?${params}` : ''}`);
  const list = useMemo(
    () =>
      (items.data?.items ?? [])
        .filter((i) => !i.applicant || i.applicant === applicant),
    [items.data, applicant],
  );
  return (
    <div>
      <form role="search" onSubmit={(e) => e.preventDefault()} style={{ marginBottom: 12 }}>
        <Input.Search
          size="large"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder={t('services.searchPlaceholder')}
          aria-label={t('services.searchLabel')}
          allowClear
          data-testid="service-search"
        />
      </form>
      <ErrorBox error={items.error} onRetry={items.reload} />
      {items.loading && !items.data ? (
        <Loading />
      ) : (
        <>
          <Typography.Paragraph role="status" type="secondary">
            {t('services.count', { count: list.length })}
          </Typography.Paragraph>
          <ul className="tb-tiles" data-testid="service-list">
            {list.map((i) => (
              <li key={i.code}>
                <Link className="tb-tile" to={hrefFor(i.code)} data-testid={`service-${i.code}`}>
                  <strong>{loc(i.name, i18n.language)}</strong>
                  <span>
                    {t(`domains.${i.domain}`, { defaultValue: i.domain })}
                    {i.instant ? ` · ${t('services.instant')}` : ''}
                  </span>
                  {i.summary && (
                    <span style={{ display: 'block', marginTop: 4 }}>{loc(i.summary, i18n.language)}</span>
                  )}
                </Link>
              </li>
            ))}
          </ul>
          {list.length === 0 && <Typography.Paragraph>{t('services.none')}</Typography.Paragraph>}
        </>
      )}
    </div>
  );
}
