import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, Button, Card, Form, Grid, Input, Modal, Table, Typography, type TableColumnsType } from 'antd';
import { EyeOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api, type PersonFull, type PersonMasked } from '../api';
import { useSession } from '../session';
import { useRegionNames } from '../components/regions';
import { PersonDetails } from '../components/PersonDetails';
import { CounterIdentify } from '../components/CounterIdentify';
import { ErrorBox } from '../components/ErrorBox';
import { useAction } from '../components/useAction';

/** The server's default page of results: reaching it means there may be more. */
const SEARCH_LIMIT = 20;

interface SearchResult {
  kind: string;
  items: PersonMasked[];
}

function UnmaskModal({ person, onClose, regionName }: { person: PersonMasked | null; onClose(): void; regionName: (code: string) => string }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ reason: string }>();
  const [full, setFull] = useState<PersonFull | null>(null);
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    setFull(null);
    setError(null);
    form.resetFields();
  }, [person, form, setError]);

  async function onFinish({ reason }: { reason: string }) {
    if (!person) return;
    await run(async () => setFull(await api<PersonFull>('POST', `/api/persons/${person.personId}/unmask`, { reason: reason.trim() })));
  }

  return (
    <Modal
      open={person !== null}
      onCancel={onClose}
      title={full ? t('unmask.fullRecord', { name: full.name }) : `${t('unmask.title')} · ${person?.name ?? ''}`}
      destroyOnHidden
      width={720}
      footer={
        full
          ? [
              <Button key="close" type="primary" onClick={onClose}>
                {t('unmask.close')}
              </Button>,
            ]
          : [
              <Button key="cancel" onClick={onClose}>
                {t('unmask.cancel')}
              </Button>,
              <Button key="ok" type="primary" loading={busy} onClick={() => form.submit()} data-testid="unmask-confirm">
                {t('unmask.confirm')}
              </Button>,
            ]
      }
    >
      {full ? (
        <PersonDetails person={full} regionName={regionName} testId="full-record" />
      ) : (
        <>
          <Alert type="warning" showIcon title={t('unmask.notice')} style={{ marginBottom: 16 }} />
          <ErrorBox error={error} testId="unmask-error" />
          <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false} name="unmask">
            <Form.Item
              label={t('unmask.reason')}
              name="reason"
              rules={[{ required: true, whitespace: true, min: 2, message: t('unmask.reasonRequired') }]}
            >
              <Input.TextArea rows={3} maxLength={200} showCount placeholder={t('unmask.reasonPlaceholder')} />
            </Form.Item>
          </Form>
        </>
      )}
    </Modal>
  );
}

export default function StaffSearchPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [unmasking, setUnmasking] = useState<PersonMasked | null>(null);
  const canUnmask = me?.permissions.includes('person.unmask') ?? false;
  const regionName = useRegionNames(me?.permissions.includes('agency.read') ?? false);
  const screens = Grid.useBreakpoint();
  const phone = screens.sm === false;

  useEffect(() => {
    setText(q);
    if (!q) {
      setResult(null);
      return;
    }
    let live = true;
    setLoading(true);
    setError(null);
    api<SearchResult>('GET', `/api/persons?q=${encodeURIComponent(q)}`)
      .then((r) => live && setResult(r))
      .catch((e: unknown) => {
        if (!live) return;
        setResult(null);
        setError(e);
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [q]);

  const columns: TableColumnsType<PersonMasked> = [
    {
      key: 'name',
      title: t('person.name'),
      dataIndex: 'name',
      render: (v: string, row: PersonMasked) => (
        <Link to={`/staff/persons/${row.personId}`} data-testid="open-person">
          <strong>{v}</strong>
        </Link>
      ),
    },
    { key: 'residentId', title: t('person.residentId'), dataIndex: 'residentId', render: (v: string) => <span className="tb-mono">{v}</span> },
    { key: 'sex', title: t('person.sex'), dataIndex: 'sex', render: (v: string) => t(`person.sexes.${v}`, { defaultValue: v }), responsive: ['sm'] },
    { key: 'birthDate', title: t('person.birthDate'), dataIndex: 'birthDate', responsive: ['sm'] },
    { key: 'region', title: t('person.region'), dataIndex: 'regionCode', render: (v: string) => <span title={v}>{regionName(v)}</span>, responsive: ['md'] },
    { key: 'phone', title: t('person.phone'), dataIndex: 'phone', render: (v: string | null) => <span className="tb-mono">{v ?? t('person.none')}</span>, responsive: ['md'] },
  ];
  const unmaskButton = (row: PersonMasked) => (
    <Button type="link" icon={<EyeOutlined aria-hidden />} onClick={() => setUnmasking(row)} style={{ paddingInline: 0 }} aria-label={`${t('search.unmask')}：${row.name}`}>
      {t('search.unmask')}
    </Button>
  );
  if (canUnmask) columns.push({ key: 'actions', title: t('search.actions'), render: (_: unknown, row: PersonMasked) => unmaskButton(row) });

  return (
    <Card styles={{ body: { padding: phone ? 16 : 24 } }}>
      <Typography.Title level={1} style={{ fontSize: 22, marginTop: 0 }}>
        {t('search.heading')}
      </Typography.Title>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <Input.Search
          size="large"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onSearch={(v) => {
            const next = v.trim();
            if (next) setParams({ q: next });
          }}
          placeholder={t('search.placeholder')}
          aria-label={t('search.label')}
          enterButton={t('search.button')}
          allowClear
          maxLength={60}
          loading={loading}
          data-testid="person-search"
        />
      </form>
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
        {t('search.hint')}
      </Typography.Paragraph>
      <ErrorBox error={error} />
      {result && (
        <>
          <Typography.Paragraph role="status" data-testid="result-count">
            {t(result.items.length >= SEARCH_LIMIT ? 'search.resultCountCapped' : 'search.resultCount', { count: result.items.length })}
            {result.items.length > 0 && ` · ${t('search.matchedBy', { kind: t(`search.kinds.${result.kind}`, { defaultValue: result.kind }) })}`}
          </Typography.Paragraph>
          {phone ? (
            // On a phone the table becomes a list of cards: nothing to scroll sideways.
            result.items.length === 0 ? (
              <Typography.Paragraph>{t('search.noResults')}</Typography.Paragraph>
            ) : (
              <ul className="tb-person-list" data-testid="results">
                {result.items.map((p) => (
                  <li key={p.personId} className="tb-person-item" data-testid="result-item">
                    <div className="tb-person-head">
                      <Link to={`/staff/persons/${p.personId}`} data-testid="open-person">
                        <strong>{p.name}</strong>
                      </Link>
                      <span>
                        {t(`person.sexes.${p.sex}`, { defaultValue: p.sex })} · {p.birthDate}
                      </span>
                    </div>
                    <dl className="tb-person-fields">
                      <dt>{t('person.residentId')}</dt>
                      <dd className="tb-mono">{p.residentId}</dd>
                      <dt>{t('person.phone')}</dt>
                      <dd className="tb-mono">{p.phone ?? t('person.none')}</dd>
                      <dt>{t('person.region')}</dt>
                      <dd>{regionName(p.regionCode)}</dd>
                    </dl>
                    {canUnmask && unmaskButton(p)}
                  </li>
                ))}
              </ul>
            )
          ) : (
            <Table<PersonMasked>
              rowKey="personId"
              columns={columns}
              dataSource={result.items}
              pagination={result.items.length > 20 ? { pageSize: 20 } : false}
              scroll={{ x: 'max-content' }}
              size="middle"
              locale={{ emptyText: t('search.noResults') }}
              data-testid="results"
            />
          )}
        </>
      )}
      {me?.permissions.includes('case.submit') && <CounterIdentify />}
      <UnmaskModal person={unmasking} onClose={() => setUnmasking(null)} regionName={regionName} />
    </Card>
  );
}
