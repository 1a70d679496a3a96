import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, Button, Card, Flex, Form, Grid, Input, Radio, Space, Tag, Typography } from 'antd';
import { CheckCircleFilled, CloseCircleFilled, QuestionCircleFilled } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError, fieldNameOf } from '../api';
import { useSession } from '../session';
import { citationText, loc } from '../types';
import { wizardNext, type MaterialView, type Question, type RuleVerdict, type WizardResult } from '../wizard';
import { submitCase, type CaseReceipt, type MaterialRef, type Notice } from '../cases';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { MaterialUpload } from '../components/MaterialUpload';
import { ReceiptSheet } from '../components/ReceiptSheet';

type Step = { s: 'eligibility' } | { s: 'question'; index: number } | { s: 'form' } | { s: 'check' } | { s: 'notice'; notice: Notice } | { s: 'done'; receipt: CaseReceipt };

/** A value as shown back to the person: enum labels, yes/no, or the text. */
function showValue(q: Question | undefined, v: unknown, lang: string, t: (k: string) => string): string {
  if (v === undefined || v === null || v === '') return t('wizard.notAnswered');
  if (typeof v === 'boolean') return v ? t('wizard.yes') : t('wizard.no');
  if (q?.enum && q.enumLabels) {
    const i = q.enum.indexOf(v);
    if (i >= 0 && q.enumLabels[i]) return loc(q.enumLabels[i], lang);
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function coerce(q: Question, raw: unknown): unknown {
  if (raw === '' || raw === undefined || raw === null) return undefined;
  if (q.type === 'integer') return Number.parseInt(String(raw), 10);
  if (q.type === 'number') return Number(raw);
  return raw;
}

/** One question's input: radios for choices and yes/no, a native date input for dates, text otherwise. */
function QuestionInput({ q, lang, autoFocus, ...control }: { q: Question; lang: string; autoFocus?: boolean; value?: unknown; onChange?: (v: unknown) => void; id?: string }) {
  const { t } = useTranslation();
  // Form.Item hands value/onChange/id to its child: pass them on to the real control.
  const rest = control as Record<string, unknown>;
  const name = loc(q.label, lang);
  if (q.type === 'boolean')
    return (
      <Radio.Group aria-label={name} {...rest}>
        <Space direction="vertical">
          <Radio value={true}>{t('wizard.yes')}</Radio>
          <Radio value={false}>{t('wizard.no')}</Radio>
        </Space>
      </Radio.Group>
    );
  if (q.enum)
    return (
      <Radio.Group aria-label={name} {...rest}>
        <Space direction="vertical">
          {q.enum.map((v, i) => (
            <Radio key={String(v)} value={v}>
              {q.enumLabels?.[i] ? loc(q.enumLabels[i], lang) : String(v)}
            </Radio>
          ))}
        </Space>
      </Radio.Group>
    );
  if (q.format === 'date') return <Input type="date" size="large" style={{ maxWidth: 240 }} autoFocus={autoFocus} {...rest} />;
  if (q.format === 'month') return <Input type="month" size="large" style={{ maxWidth: 240 }} autoFocus={autoFocus} {...rest} />;
  if (q.type === 'integer' || q.type === 'number') return <Input type="number" inputMode="decimal" size="large" style={{ maxWidth: 240 }} autoFocus={autoFocus} {...rest} />;
  return <Input size="large" autoFocus={autoFocus} maxLength={200} {...rest} />;
}

export function RuleList({ rules }: { rules: RuleVerdict[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <ul className="tb-trace" style={{ listStyle: 'none', paddingInlineStart: 0 }} data-testid="rules">
      {rules.map((r) => (
        <li key={r.id} data-result={r.result}>
          {r.result === 'pass' ? (
            <CheckCircleFilled style={{ color: '#2b7a0b' }} aria-label={t('wizard.pass')} />
          ) : r.result === 'fail' ? (
            <CloseCircleFilled style={{ color: '#c41d1d' }} aria-label={t('wizard.fail')} />
          ) : (
            <QuestionCircleFilled style={{ color: '#595959' }} aria-label={t('wizard.unknown')} />
          )}{' '}
          <strong>{loc(r.name, lang)}</strong>
          {r.result === 'fail' && r.failMessage && <div style={{ color: '#a8071a' }}>{loc(r.failMessage, lang)}</div>}
          <div className="tb-cite">{t('wizard.basis', { cite: citationText(r.citation) })}</div>
        </li>
      ))}
    </ul>
  );
}

export function ResultsList({ results }: { results: Record<string, unknown> }) {
  const { t } = useTranslation();
  const entries = Object.entries(results);
  if (entries.length === 0) return null;
  return (
    <dl className="tb-person-fields" data-testid="calc-results">
      {entries.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt>{t(`results.${k}`, { defaultValue: k })}</dt>
          <dd data-testid={`result-${k}`}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

interface Props {
  /** Teller workbench: the person served, and the dense one-screen form. */
  personId?: string;
  channel: string;
  backHref: string;
  casesHref(id: string): string;
}

/**
 * The wizard for any item, after the GOV.UK patterns: eligibility first, one question per page
 * on a phone (one dense form at the counter), check your answers with change links, and a
 * confirmation with the reference number and next steps — or the one-time notice of
 * everything missing, with uploads right there.
 */
export function Wizard({ personId, channel, backHref, casesHref }: Props) {
  const { code = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const applicantPersonId = personId ?? me?.personId ?? '';
  const lang = i18n.language;
  const screens = Grid.useBreakpoint();
  const dense = !!personId || (screens.md ?? false);
  const [answers, setAnswers] = useState<Record<string, unknown>>({});
  const [allQuestions, setAllQuestions] = useState<Question[]>([]);
  const [res, setRes] = useState<WizardResult | null>(null);
  const [materials, setMaterials] = useState<Record<string, { id: string; name: string }>>({});
  const [step, setStep] = useState<Step>({ s: 'eligibility' });
  const [returnToCheck, setReturnToCheck] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  const headingRef = useRef<HTMLHeadingElement>(null);

  const ask = useCallback(
    async (next: Record<string, unknown>) => {
      setBusy(true);
      setError(null);
      try {
        const r = await wizardNext(code, next, personId, channel);
        setRes(r);
        // The first answer lists every open question: keep them all, in form order, for "check your answers".
        setAllQuestions((prev) => {
          const seen = new Set(prev.map((q) => q.name));
          return [...prev, ...r.questions.filter((q) => !seen.has(q.name))];
        });
        return r;
      } catch (e) {
        setError(e);
        if (e instanceof ApiError && e.problem.errors?.length) {
          form.setFields(e.problem.errors.map((fe) => ({ name: fieldNameOf(fe.field), errors: [fe.reason] })));
        }
        return null;
      } finally {
        setBusy(false);
      }
    },
    [code, personId, channel, form],
  );

  useEffect(() => {
    void ask({});
  }, [ask]);

  // Move focus to the new page's heading (screen readers announce the step).
  useEffect(() => {
    headingRef.current?.focus();
  }, [step.s, step.s === 'question' ? step.index : 0]);

  const questions = allQuestions;
  const byName = useMemo(() => new Map(questions.map((q) => [q.name, q])), [questions]);

  if (!res && error) return <ErrorBox error={error} onRetry={() => void ask(answers)} />;
  if (!res) return <Loading />;

  const itemName = loc(res.item.name, lang);
  const failing = res.eligibility.rules.filter((r) => r.result === 'fail');
  const title = (text: string) => (
    <Typography.Title level={1} className="tb-page-title" tabIndex={-1} ref={headingRef} data-testid="wizard-heading">
      {text}
    </Typography.Title>
  );
  const caption = (
    <Typography.Text type="secondary" style={{ display: 'block', marginBottom: 4 }}>
      {itemName}
    </Typography.Text>
  );

  function afterQuestions() {
    setReturnToCheck(false);
    setStep({ s: 'check' });
  }

  async function onQuestion(values: Record<string, unknown>, index: number) {
    const q = questions[index]!;
    const next = { ...answers, [q.name]: coerce(q, values[q.name]) };
    setAnswers(next);
    const r = await ask(next);
    if (!r) return;
    if (returnToCheck || index + 1 >= questions.length) afterQuestions();
    else setStep({ s: 'question', index: index + 1 });
  }

  async function onDenseForm(values: Record<string, unknown>) {
    const next = { ...answers };
    for (const q of questions) next[q.name] = coerce(q, values[q.name]);
    setAnswers(next);
    const r = await ask(next);
    if (r) afterQuestions();
  }

  function startQuestions() {
    if (questions.length === 0) setStep({ s: 'check' });
    else if (dense) {
      form.setFieldsValue(answers);
      setStep({ s: 'form' });
    } else {
      form.setFieldsValue(answers);
      setStep({ s: 'question', index: 0 });
    }
  }

  function change(name: string) {
    setReturnToCheck(true);
    form.setFieldsValue(answers);
    if (dense) setStep({ s: 'form' });
    else setStep({ s: 'question', index: Math.max(0, questions.findIndex((q) => q.name === name)) });
  }

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      // Uploaded files by archive id; what the system holds (免提交) by reuse.
      const mats: MaterialRef[] = Object.entries(materials).map(([code, v]) => ({ code, archiveId: v.id }));
      for (const m of res?.materials ?? []) if (m.reusable && !materials[m.code]) mats.push({ code: m.code, reuse: true });
      const clean: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(answers)) if (v !== undefined) clean[k] = v;
      const out = await submitCase(code, clean, mats, channel, personId);
      if (out.result === 'receipt') setStep({ s: 'done', receipt: out });
      else setStep({ s: 'notice', notice: out.notice });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const materialRow = (m: MaterialView, allowUpload: boolean) => {
    const uploaded = materials[m.code];
    return (
      <li key={m.code} className="tb-person-item" data-testid={`material-${m.code}`}>
        <div className="tb-person-head">
          <strong>{loc(m.name, lang)}</strong>
          {m.reusable ? (
            <Tag color="#2b7a0b">{t(m.reusable.source === 'archives' ? 'wizard.reusedArchive' : 'wizard.reusedMaster')}</Tag>
          ) : uploaded ? (
            <Tag color="#2b7a0b">{t('wizard.uploaded')}</Tag>
          ) : m.required ? (
            <Tag color="#a35200">{t('wizard.toProvide')}</Tag>
          ) : (
            <Tag color="#595959">{t('wizard.notNeeded')}</Tag>
          )}
        </div>
        {m.note && <Typography.Paragraph type="secondary" style={{ marginBottom: 6 }}>{loc(m.note, lang)}</Typography.Paragraph>}
        {m.reusable && <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>{t('wizard.reusedFrom', { title: m.reusable.title })}</Typography.Paragraph>}
        {uploaded && <Typography.Paragraph style={{ marginBottom: 0 }} data-testid="uploaded-name">{uploaded.name}</Typography.Paragraph>}
        {allowUpload && !m.reusable && m.required && (
          <MaterialUpload code={m.code} label={loc(m.name, lang)} personId={applicantPersonId} onUploaded={(r, f) => setMaterials((prev) => ({ ...prev, [m.code]: { id: r.id, name: r.originalFilename ?? f.name } }))} />
        )}
      </li>
    );
  };

  // ------------------------------------------------------------ pages
  if (step.s === 'eligibility') {
    return (
      <Card>
        {caption}
        {title(t('wizard.eligibilityTitle'))}
        <ErrorBox error={error} />
        {res.known.length > 0 && (
          <>
            <h2 className="tb-h2" style={{ marginBottom: 8 }}>
              {t('wizard.knownTitle')}
            </h2>
            <Typography.Paragraph type="secondary">{t('wizard.knownHint')}</Typography.Paragraph>
            <dl className="tb-person-fields" data-testid="known">
              {res.known.map((k) => (
                <div key={k.field} style={{ display: 'contents' }}>
                  <dt>{loc(k.label, lang)}</dt>
                  <dd>{showValue(undefined, k.value, lang, t)}</dd>
                </div>
              ))}
            </dl>
          </>
        )}
        <h2 className="tb-h2" style={{ margin: '16px 0 8px' }}>
          {t('wizard.rulesTitle')}
        </h2>
        <RuleList rules={res.eligibility.rules} />
        <ResultsList results={res.eligibility.results} />
        {failing.length > 0 ? (
          <Alert type="error" showIcon role="alert" title={t('wizard.ineligible')} description={t('wizard.ineligibleHint')} style={{ marginTop: 12 }} data-testid="ineligible" />
        ) : (
          <Flex gap={12} wrap style={{ marginTop: 16 }}>
            <Button type="primary" size="large" onClick={startQuestions} data-testid="wizard-start">
              {t('wizard.continue')}
            </Button>
            <Link to={backHref} style={{ alignSelf: 'center' }}>
              {t('wizard.cancel')}
            </Link>
          </Flex>
        )}
      </Card>
    );
  }

  if (step.s === 'question') {
    const q = questions[step.index]!;
    return (
      <Card>
        {caption}
        <Typography.Text type="secondary">{t('wizard.questionOf', { n: step.index + 1, total: questions.length })}</Typography.Text>
        <ErrorBox error={error} />
        <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => void onQuestion(v, step.index)} key={q.name}>
          <Form.Item
            name={q.name}
            label={
              <Typography.Title level={1} className="tb-page-title" tabIndex={-1} ref={headingRef} style={{ margin: 0 }} data-testid="wizard-heading">
                {loc(q.label, lang)}
              </Typography.Title>
            }
            extra={q.help ? loc(q.help, lang) : undefined}
            rules={q.required ? [{ required: true, message: t('wizard.required') }] : []}
          >
            <QuestionInput q={q} lang={lang} />
          </Form.Item>
          <Flex gap={12} wrap>
            <Button type="primary" size="large" htmlType="submit" loading={busy} data-testid="wizard-next">
              {t('wizard.continue')}
            </Button>
            <Button size="large" onClick={() => (step.index === 0 ? setStep({ s: 'eligibility' }) : setStep({ s: 'question', index: step.index - 1 }))}>
              {t('wizard.back')}
            </Button>
          </Flex>
        </Form>
      </Card>
    );
  }

  if (step.s === 'form') {
    return (
      <Card>
        {caption}
        {title(t('wizard.formTitle'))}
        <ErrorBox error={error} />
        <div className="tb-grid-2">
          <Form form={form} layout="vertical" requiredMark onFinish={(v) => void onDenseForm(v)} data-testid="dense-form">
            {questions.map((q, i) => (
              <Form.Item key={q.name} name={q.name} label={loc(q.label, lang)} extra={q.help ? loc(q.help, lang) : undefined} rules={q.required ? [{ required: true, message: t('wizard.required') }] : []}>
                <QuestionInput q={q} lang={lang} autoFocus={i === 0} />
              </Form.Item>
            ))}
            <Flex gap={12} wrap>
              <Button type="primary" size="large" htmlType="submit" loading={busy} data-testid="wizard-next">
                {t('wizard.continue')}
              </Button>
              <Button size="large" onClick={() => setStep({ s: 'eligibility' })}>
                {t('wizard.back')}
              </Button>
            </Flex>
          </Form>
          <div>
            <h2 className="tb-h2" style={{ marginBottom: 8 }}>
              {t('wizard.rulesTitle')}
            </h2>
            <RuleList rules={res.eligibility.rules} />
            <ResultsList results={res.eligibility.results} />
          </div>
        </div>
      </Card>
    );
  }

  if (step.s === 'check') {
    const needed = res.materials.filter((m) => m.required || m.reusable);
    return (
      <Card>
        {caption}
        {title(t('wizard.checkTitle'))}
        <ErrorBox error={error} />
        {failing.length > 0 && <Alert type="error" showIcon role="alert" title={t('wizard.ineligible')} style={{ marginBottom: 12 }} data-testid="ineligible" />}
        <h2 className="tb-h2" style={{ marginBottom: 8 }}>
          {t('wizard.yourAnswers')}
        </h2>
        <dl className="tb-check-list" data-testid="check-answers">
          {res.known.map((k) => (
            <div key={k.field}>
              <dt>{loc(k.label, lang)}</dt>
              <dd>{showValue(undefined, k.value, lang, t)}</dd>
              <dd>
                <Typography.Text type="secondary">{t('wizard.fromRecord')}</Typography.Text>
              </dd>
            </div>
          ))}
          {questions.map((q) => (
            <div key={q.name}>
              <dt>{loc(q.label, lang)}</dt>
              <dd data-testid={`answer-${q.name}`}>{showValue(byName.get(q.name), answers[q.name], lang, t)}</dd>
              <dd>
                <Button type="link" style={{ padding: 0 }} onClick={() => change(q.name)} aria-label={`${t('wizard.change')}：${loc(q.label, lang)}`} data-testid={`change-${q.name}`}>
                  {t('wizard.change')}
                </Button>
              </dd>
            </div>
          ))}
        </dl>
        <h2 className="tb-h2" style={{ margin: '16px 0 8px' }}>
          {t('wizard.decisionTitle')}
        </h2>
        <RuleList rules={res.eligibility.rules} />
        <ResultsList results={res.eligibility.results} />
        <h2 className="tb-h2" style={{ margin: '16px 0 8px' }}>
          {t('wizard.materialsTitle')}
        </h2>
        {needed.length === 0 ? <Typography.Paragraph>{t('wizard.noMaterials')}</Typography.Paragraph> : <ul className="tb-person-list">{needed.map((m) => materialRow(m, true))}</ul>}
        <Typography.Paragraph style={{ marginTop: 16 }}>{t('wizard.declaration')}</Typography.Paragraph>
        <Flex gap={12} wrap>
          <Button type="primary" size="large" onClick={() => void submit()} loading={busy} disabled={failing.length > 0} data-testid="wizard-submit">
            {t('wizard.submit')}
          </Button>
          <Button size="large" onClick={startQuestions}>
            {t('wizard.back')}
          </Button>
        </Flex>
      </Card>
    );
  }

  if (step.s === 'notice') {
    const missing = step.notice.missing;
    const all = res.materials;
    const stillMissing = missing.filter((m) => !materials[m.code]);
    return (
      <Card>
        {caption}
        {title(t('wizard.noticeTitle'))}
        <div className="tb-print-area">
          <Alert type="warning" showIcon title={t('wizard.noticeIntro', { count: missing.length })} description={t('wizard.noticeNo', { no: step.notice.number })} style={{ marginBottom: 12 }} data-testid="notice" />
          <ol data-testid="notice-missing">
            {missing.map((m) => (
              <li key={m.code}>{loc(m.name, lang)}</li>
            ))}
          </ol>
        </div>
        <ErrorBox error={error} />
        <ul className="tb-person-list tb-no-print">
          {missing.map((m) => {
            const view = all.find((x) => x.code === m.code) ?? { code: m.code, name: m.name, required: true, reason: m.reason ?? '' };
            return materialRow(view, true);
          })}
        </ul>
        <Flex gap={12} wrap style={{ marginTop: 16 }} className="tb-no-print">
          <Button type="primary" size="large" onClick={() => void submit()} loading={busy} disabled={stillMissing.length > 0} data-testid="wizard-resubmit">
            {t('wizard.resubmit')}
          </Button>
          <Button size="large" onClick={() => window.print()}>
            {t('wizard.printNotice')}
          </Button>
        </Flex>
      </Card>
    );
  }

  // done
  const receipt = step.receipt;
  return (
    <Card>
      <div className="tb-confirm tb-no-print" role="status" data-testid="confirmation">
        <Typography.Title level={1} className="tb-page-title" tabIndex={-1} ref={headingRef} style={{ color: '#fff' }}>
          {receipt.case.status === 'completed' ? t('wizard.doneCompleted') : t('wizard.doneTitle')}
        </Typography.Title>
        <div>{t('cases.trackingNo')}</div>
        <div className="tb-confirm-no tb-mono" data-testid="confirmation-no">
          {receipt.case.trackingNo}
        </div>
      </div>
      <ReceiptSheet receipt={receipt} />
      <h2 className="tb-h2 tb-no-print" style={{ margin: '16px 0 8px' }}>
        {t('wizard.whatNext')}
      </h2>
      <ul className="tb-no-print">
        <li>{t('wizard.next1')}</li>
        <li>{t('wizard.next2')}</li>
      </ul>
      <Flex gap={12} wrap className="tb-no-print">
        <Button size="large" onClick={() => window.print()} data-testid="print-receipt">
          {t('wizard.printReceipt')}
        </Button>
        <Link to={casesHref(receipt.case.id)} style={{ alignSelf: 'center' }} data-testid="view-case">
          {t('wizard.viewCase')}
        </Link>
        {personId && (
          <Link to={backHref} style={{ alignSelf: 'center' }} data-testid="back-to-person">
            {t('wizard.anotherItem')}
          </Link>
        )}
      </Flex>
    </Card>
  );
}

export default function WizardPage() {
  const { personId } = useParams();
  if (personId) return <Wizard personId={personId} channel="counter" backHref={`/staff/persons/${personId}`} casesHref={(id) => `/staff/cases/${id}`} />;
  return <Wizard channel="web" backHref="/me/services" casesHref={(id) => `/me/cases/${id}`} />;
}
