import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, Button, Card, Checkbox, Flex, Form, Input, Select, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, ApiError, messageOf } from '../api';
import { useApi } from '../useApi';
import { useSession } from '../session';
import { citationText, loc, type Citation, type Localised } from '../types';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { CaseStatusTag } from '../components/CaseList';
import { DueFlag, type TaskInfo } from './BackOfficePage';
import { latestOverride, overridesOpen, RequestOverrideDialog, RuleOverrideStatus, unmetRules, type CaseOverride, type FailedRule } from './task/overrides';

interface CaseFull {
  id: string;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  status: string;
  personId: string | null;
  channel: string;
  promisedDate: string;
  answers: Record<string, unknown>;
  materials: Record<string, string>;
  tasks: TaskInfo[];
  notices: { number: string; missing: { code: string; name: Localised }[] }[];
  overrides: CaseOverride[];
}

interface TraceEntry {
  ruleId: string;
  name: Localised;
  expression: string;
  values: Record<string, unknown>;
  result: 'pass' | 'fail' | 'unknown';
  value?: unknown;
  citation: Citation;
}

interface ArchiveRecord {
  id: string;
  title: string;
  materialCode: string | null;
  mediaType: string;
  originalFilename: string | null;
  caseId: string | null;
}

interface FormField {
  title?: string;
  'x-title-en'?: string;
  enum?: unknown[];
  'x-enum-titles'?: Localised[];
}

const STEP_ACTIONS: Record<string, string[]> = {
  accept: ['accept', 'request_correction', 'not_accept'],
  review: ['approve', 'reject', 'request_correction'],
  approve: ['approve', 'reject'],
  complete: ['complete'],
  deliver: ['deliver'],
};

/** Reason templates (the reviewer edits the text; the legal basis goes with a rejection). */
const TEMPLATES: Record<string, string[]> = {
  reject: ['reject1', 'reject2', 'reject3'],
  not_accept: ['notAccept1', 'notAccept2'],
  request_correction: ['correction1', 'correction2'],
};

/** One case at the back office: materials beside the rules trace with citations, and the step's actions. */
export default function TaskPage() {
  const { caseId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { me } = useSession();
  const res = useApi<CaseFull>(`/api/cases/${caseId}`);
  const decision = useApi<{ decision: { outcome: string; trace: TraceEntry[]; parameters: { key: string; versionId: string; value: unknown }[] } }>(`/api/cases/${caseId}/decision`);
  const records = useApi<{ items: ArchiveRecord[] }>(res.data?.personId ? `/api/archive/records?personId=${res.data.personId}` : null);
  const item = useApi<{ item: { instant?: boolean; steps: { key: string }[]; materials: { code: string; name: Localised }[]; form?: { properties?: Record<string, FormField> } } }>(res.data ? `/api/items/${encodeURIComponent(res.data.itemCode)}` : null);
  const [action, setAction] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [law, setLaw] = useState('');
  const [article, setArticle] = useState('');
  const [missing, setMissing] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [asking, setAsking] = useState<FailedRule | null>(null);
  const [asked, setAsked] = useState<FailedRule | null>(null);

  const c = res.data;
  const task = useMemo(() => c?.tasks.find((x) => (x.status === 'open' || x.status === 'claimed') && me?.roles.includes(x.role)), [c, me]);
  const caseRecords = (records.data?.items ?? []).filter((r) => Object.values(c?.materials ?? {}).includes(r.id) || r.caseId === caseId);
  const trace = decision.data?.decision.trace ?? [];
  const overrides = c?.overrides ?? [];
  const unmet = unmetRules(trace, overrides);
  const unmetNames = unmet.map((r) => loc(r.name, lang)).join(lang === 'en' ? ', ' : '、');
  const canRequest = !!me?.permissions.includes('override.request') && !!c && overridesOpen(c.status);
  // The step whose passing decides the case (as the server's decisiveIndex): approval checks the rules there.
  const steps = item.data?.item.steps ?? [];
  const decisiveStep = item.data?.item.instant ? task?.step : (steps.filter((s) => s.key === 'review' || s.key === 'approve').at(-1) ?? steps[0])?.key;
  const blockedAction = task && task.step === decisiveStep && unmet.length > 0 ? STEP_ACTIONS[task.step]?.[0] : undefined;
  const rulesNotMet = error instanceof ApiError && error.code === 'RULES_NOT_MET';

  async function run(path: string, body: unknown) {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/tasks/${task!.id}/${path}`, body, { 'idempotency-key': crypto.randomUUID() });
      if (path === 'complete') setDone((body as { action: string }).action);
      setAction(null);
      res.reload();
    } catch (e) {
      setError(e);
      // Someone may have refused an override meanwhile: show where the rules stand now.
      if (e instanceof ApiError && e.code === 'RULES_NOT_MET') res.reload();
    } finally {
      setBusy(false);
    }
  }

  function complete() {
    if (!action) return;
    const body: Record<string, unknown> = { action };
    if (reason.trim()) body.reason = reason.trim();
    if (action === 'reject' && law.trim()) body.citation = { law: law.trim(), ...(article.trim() ? { article: article.trim() } : {}) };
    if (action === 'request_correction') body.missing = missing.map((code) => ({ code }));
    void run('complete', body);
  }

  if (res.error) return <ErrorBox error={res.error} onRetry={res.reload} />;
  if (!c) return <Loading />;
  const needsReason = action === 'reject' || action === 'not_accept' || action === 'request_correction';
  const mine = task?.status === 'claimed' && task.claimedBy === me?.userId;

  return (
    <Flex vertical gap={16}>
      <Card>
        <Link to="/backoffice">{t('tasks.backQueue')}</Link>
        <Typography.Title level={1} className="tb-page-title" style={{ marginTop: 8 }}>
          {c.itemName} · <span className="tb-mono">{c.trackingNo}</span> <CaseStatusTag status={c.status} />
        </Typography.Title>
        {task && (
          <Typography.Paragraph>
            {t('tasks.step')}：{t(`steps.${task.step}`, { defaultValue: task.step })} · <DueFlag flag={task.flag} due={task.dueDate} />
          </Typography.Paragraph>
        )}
        {done && (
          <Alert type="success" showIcon role="status" title={t('tasks.doneMsg', { action: t(`actions.${done}`) })} style={{ marginBottom: 12 }} data-testid="task-done" />
        )}
        {rulesNotMet ? (
          <Alert type="error" showIcon role="alert" title={messageOf(error, lang)} description={unmet.length > 0 ? t('overrideRequest.blockedByServer', { rules: unmetNames }) : undefined} style={{ marginBottom: 16 }} data-testid="error" />
        ) : (
          <ErrorBox error={error} />
        )}
        {!task ? (
          !done && <Typography.Paragraph type="secondary">{t('tasks.noTask')}</Typography.Paragraph>
        ) : task.status === 'open' ? (
          <Button type="primary" size="large" loading={busy} onClick={() => void run('claim', {})} data-testid="claim">
            {t('tasks.claim')}
          </Button>
        ) : mine ? (
          <div>
            <Flex gap={8} wrap>
              {(STEP_ACTIONS[task.step] ?? []).map((a) => (
                <Button
                  key={a}
                  type={a === 'approve' || a === 'accept' || a === 'complete' || a === 'deliver' ? 'primary' : 'default'}
                  danger={a === 'reject' || a === 'not_accept'}
                  onClick={() => setAction(a)}
                  aria-pressed={action === a}
                  disabled={a === blockedAction}
                  aria-describedby={a === blockedAction ? 'action-blocked' : undefined}
                  data-testid={`action-${a}`}
                >
                  {t(`actions.${a}`)}
                </Button>
              ))}
              <Button onClick={() => void run('release', {})} disabled={busy}>
                {t('tasks.release')}
              </Button>
            </Flex>
            {blockedAction && (
              <Alert
                id="action-blocked"
                type="warning"
                showIcon
                title={t('overrideRequest.blockedTitle', { action: t(`actions.${blockedAction}`) })}
                description={
                  <>
                    {t('overrideRequest.blockedBody', { rules: unmetNames })} <a href="#rules-trace" style={{ textDecoration: 'underline' }}>
                      {t('overrideRequest.toRules')}
                    </a>
                  </>
                }
                style={{ marginTop: 12, maxWidth: 640 }}
                data-testid="action-blocked"
              />
            )}
            {action && action !== blockedAction && (
              <Form layout="vertical" style={{ marginTop: 12, maxWidth: 640 }} onFinish={complete} data-testid="action-form">
                {TEMPLATES[action] && (
                  <Form.Item label={t('tasks.template')}>
                    <Select
                      placeholder={t('tasks.templatePick')}
                      options={TEMPLATES[action]!.map((k) => ({ value: k, label: t(`templates.${k}`) }))}
                      onChange={(k: string) => setReason(t(`templates.${k}`))}
                      aria-label={t('tasks.template')}
                    />
                  </Form.Item>
                )}
                {action === 'request_correction' && (
                  <Form.Item label={t('tasks.missing')} required>
                    <Checkbox.Group aria-label={t('tasks.missing')} value={missing} onChange={(v) => setMissing(v as string[])} options={(item.data?.item.materials ?? []).map((m) => ({ value: m.code, label: loc(m.name, lang) }))} />
                  </Form.Item>
                )}
                <Form.Item label={t('tasks.reason')} required={needsReason}>
                  <Input.TextArea rows={3} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} aria-label={t('tasks.reason')} data-testid="action-reason" />
                </Form.Item>
                {action === 'reject' && (
                  <Flex gap={8} wrap>
                    <Form.Item label={t('tasks.law')} required style={{ flex: 2, minWidth: 220 }}>
                      <Input value={law} onChange={(e) => setLaw(e.target.value)} aria-label={t('tasks.law')} />
                    </Form.Item>
                    <Form.Item label={t('params.article')} style={{ flex: 1, minWidth: 120 }}>
                      <Input value={article} onChange={(e) => setArticle(e.target.value)} aria-label={t('params.article')} />
                    </Form.Item>
                  </Flex>
                )}
                <Button type="primary" htmlType="submit" loading={busy} disabled={(needsReason && !reason.trim()) || (action === 'request_correction' && missing.length === 0) || (action === 'reject' && !law.trim())} data-testid="action-confirm">
                  {t('tasks.confirm', { action: t(`actions.${action}`) })}
                </Button>
              </Form>
            )}
          </div>
        ) : (
          <Typography.Paragraph type="secondary">{t('tasks.claimedByOther')}</Typography.Paragraph>
        )}
      </Card>
      <div className="tb-grid-2">
        <Card title={<h2 className="tb-h2">{t('tasks.materials')}</h2>}>
          <h3 className="tb-h2" style={{ fontSize: 14 }}>
            {t('wizard.yourAnswers')}
          </h3>
          <dl className="tb-person-fields" data-testid="task-answers">
            {Object.entries(c.answers).map(([k, v]) => {
              // The item's own form titles and choice labels, in the reviewer's language.
              const f = item.data?.item.form?.properties?.[k];
              const label = f ? (lang === 'en' ? (f['x-title-en'] ?? f.title) : f.title) : k;
              const i = f?.enum ? f.enum.indexOf(v) : -1;
              const shown = i >= 0 && f?.['x-enum-titles']?.[i] ? loc(f['x-enum-titles'][i], lang) : typeof v === 'boolean' ? t(v ? 'wizard.yes' : 'wizard.no') : typeof v === 'object' ? JSON.stringify(v) : String(v);
              return (
                <div key={k} style={{ display: 'contents' }}>
                  <dt>{label ?? k}</dt>
                  <dd>{shown}</dd>
                </div>
              );
            })}
          </dl>
          <h3 className="tb-h2" style={{ fontSize: 14, marginTop: 12 }}>
            {t('tasks.files')}
          </h3>
          <ul data-testid="task-materials">
            {Object.entries(c.materials).map(([code, ref]) => {
              const rec = caseRecords.find((r) => r.id === ref);
              return (
                <li key={code}>
                  {loc(item.data?.item.materials.find((m) => m.code === code)?.name, lang) || code}：
                  {ref === 'reused' ? (
                    t('wizard.reusedMaster')
                  ) : (
                    <a href={`/api/archive/records/${ref}/content`} target="_blank" rel="noreferrer">
                      {rec?.originalFilename ?? rec?.title ?? ref}
                    </a>
                  )}
                  {rec?.mediaType.startsWith('image/') && <img src={`/api/archive/records/${ref}/content`} alt={rec.title} style={{ display: 'block', maxWidth: '100%', maxHeight: 240, marginTop: 4, border: '1px solid #d9d9d9' }} />}
                </li>
              );
            })}
          </ul>
        </Card>
        <Card id="rules-trace" title={<h2 className="tb-h2">{t('tasks.trace')}</h2>}>
          {decision.error ? (
            <ErrorBox error={decision.error} />
          ) : !decision.data ? (
            <Loading />
          ) : (
            <>
              {asked && (
                <Alert type="success" showIcon role="status" title={t('overrideRequest.sent', { rule: loc(asked.name, lang) })} style={{ marginBottom: 12 }} closable={{ onClose: () => setAsked(null) }} data-testid="override-sent" />
              )}
              <ul className="tb-trace" style={{ paddingInlineStart: 18 }} data-testid="task-trace">
                {trace.map((r) => (
                  <li key={r.ruleId} data-testid="trace-rule" data-rule={r.ruleId}>
                    <strong>{loc(r.name, lang)}</strong> — {t(`wizard.${r.result}`)}
                    {r.value !== undefined && <> = <span className="tb-mono">{JSON.stringify(r.value)}</span></>}
                    <div className="tb-mono tb-cite">{r.expression}</div>
                    <div className="tb-cite">{t('tasks.sawValues', { values: JSON.stringify(r.values) })}</div>
                    <div className="tb-cite">{t('wizard.basis', { cite: citationText(r.citation) })}</div>
                    {r.result === 'fail' && <RuleOverrideStatus rule={r} override={latestOverride(overrides, r.ruleId)} canRequest={canRequest} onRequest={() => setAsking(r)} />}
                  </li>
                ))}
              </ul>
              <RequestOverrideDialog
                caseId={caseId}
                rule={asking}
                onClose={() => setAsking(null)}
                onDone={(r) => {
                  setAsking(null);
                  setAsked(r);
                  res.reload();
                }}
              />
              {decision.data.decision.parameters.length > 0 && (
                <>
                  <h3 className="tb-h2" style={{ fontSize: 14 }}>
                    {t('tasks.params')}
                  </h3>
                  <ul>
                    {decision.data.decision.parameters.map((p) => (
                      <li key={p.versionId} className="tb-cite">
                        <span className="tb-mono">{p.key}</span> = {JSON.stringify(p.value)}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </>
          )}
        </Card>
      </div>
    </Flex>
  );
}
