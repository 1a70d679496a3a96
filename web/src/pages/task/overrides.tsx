/**
 * Overrides of failed rules on the back-office task page: a reviewer asks for one with a
 * reason; someone else confirms or refuses it on the supervision page. Until a failed rule
 * has a confirmed override, the case cannot pass its deciding step.
 */
import { Button, Form, Input, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { FormDialog } from '../../components/FormDialog';
import { loc, type Localised } from '../../types';
import { chinaTime } from '../supervision/common';

export interface CaseOverride {
  id: string;
  ruleId: string;
  reason: string;
  status: 'requested' | 'approved' | 'refused';
  requestedBy: string;
  requestedByName: string | null;
  requestedAt: string;
  decidedByName: string | null;
  decidedAt: string | null;
  note: string | null;
}

export interface FailedRule {
  ruleId: string;
  name: Localised;
}

/** Statuses in which the server takes no more override requests (the case is decided). */
const DECIDED = ['not_accepted', 'rejected', 'withdrawn', 'completed', 'delivered', 'approved'];

export function overridesOpen(caseStatus: string): boolean {
  return !DECIDED.includes(caseStatus);
}

/** The newest override of a rule (a refused one may be asked for again). */
export function latestOverride(overrides: CaseOverride[], ruleId: string): CaseOverride | undefined {
  return overrides.filter((o) => o.ruleId === ruleId).at(-1);
}

/** Failed rules with no confirmed override: what stops the case from being approved. */
export function unmetRules<R extends { ruleId: string; result: string }>(trace: R[], overrides: CaseOverride[]): R[] {
  const confirmed = new Set(overrides.filter((o) => o.status === 'approved').map((o) => o.ruleId));
  return trace.filter((r) => r.result === 'fail' && !confirmed.has(r.ruleId));
}

const TAG_COLOUR = { requested: 'gold', approved: 'green', refused: 'red' } as const;

/** Under a failed rule: where its override stands, and the request action for those who may ask. */
export function RuleOverrideStatus({ rule, override, canRequest, onRequest }: { rule: FailedRule; override: CaseOverride | undefined; canRequest: boolean; onRequest(): void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const name = (n: string | null) => n ?? t('overrideRequest.colleague');
  const askable = canRequest && (!override || override.status === 'refused');
  return (
    <div style={{ marginTop: 4 }} data-testid="override-state">
      {override && (
        <>
          <Tag color={TAG_COLOUR[override.status]} style={{ color: 'rgba(0,0,0,0.88)' }} data-testid="override-status">
            {t(`overrideRequest.status.${override.status}`)}
          </Tag>
          <div className="tb-cite">{t('overrideRequest.requested', { name: name(override.requestedByName), at: chinaTime(override.requestedAt, lang), reason: override.reason })}</div>
          {override.status !== 'requested' && override.decidedAt && (
            <div className="tb-cite" data-testid="override-decided">
              {t(override.status === 'approved' ? 'overrideRequest.approvedBy' : 'overrideRequest.refusedBy', { name: name(override.decidedByName), at: chinaTime(override.decidedAt, lang) })}
              {override.note ? ` · ${t('overrideRequest.note', { note: override.note })}` : ''}
            </div>
          )}
        </>
      )}
      {askable && (
        <Button size="small" style={{ marginTop: 4 }} onClick={onRequest} aria-label={t('overrideRequest.requestFor', { rule: loc(rule.name, lang) })} data-testid="override-request">
          {override ? t('overrideRequest.requestAgain') : t('overrideRequest.request')}
        </Button>
      )}
    </div>
  );
}

/** Asks for an override of one failed rule; the reason is required (5 characters at least, as the server says). */
export function RequestOverrideDialog({ caseId, rule, onClose, onDone }: { caseId: string; rule: FailedRule | null; onClose(): void; onDone(rule: FailedRule): void }) {
  const { t, i18n } = useTranslation();
  return (
    <FormDialog<{ reason: string }>
      open={rule !== null}
      onClose={onClose}
      title={t('overrideRequest.title', { rule: rule ? loc(rule.name, i18n.language) : '' })}
      name="request-override"
      testId="override"
      cancelText={t('overrideRequest.cancel')}
      okText={t('overrideRequest.submit')}
      intro={<Typography.Paragraph>{t('overrideRequest.intro')}</Typography.Paragraph>}
      onSubmit={async ({ reason }, key) => {
        if (!rule) return;
        await api('POST', `/api/cases/${caseId}/overrides`, { ruleId: rule.ruleId, reason: reason.trim() }, { 'idempotency-key': key });
        onDone(rule);
      }}
    >
      <Form.Item
        label={t('overrideRequest.reason')}
        name="reason"
        rules={[
          { required: true, whitespace: true, message: t('overrideRequest.reasonRequired') },
          { validator: async (_, v?: string) => (!v?.trim() || v.trim().length >= 5 ? undefined : Promise.reject(new Error(t('overrideRequest.reasonShort')))) },
        ]}
      >
        <Input.TextArea rows={4} maxLength={1000} showCount placeholder={t('overrideRequest.reasonPlaceholder')} data-testid="override-reason" />
      </Form.Item>
    </FormDialog>
  );
}
