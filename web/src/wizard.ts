/** The "next step" wizard API (POST /api/wizard/:itemCode/next) as the web app uses it. */
import { api } from './api';
import type { Citation, Localised } from './types';

export interface KnownField {
  field: string;
  label: Localised;
  value: unknown;
  source: 'masterdata' | 'rights' | 'archives' | 'derived';
}

export interface Question {
  name: string;
  label: Localised;
  type: string;
  enum?: unknown[];
  enumLabels?: Localised[];
  format?: string;
  required: boolean;
  help?: Localised;
}

export interface RuleVerdict {
  id: string;
  name: Localised;
  result: 'pass' | 'fail' | 'unknown';
  values: Record<string, unknown>;
  citation: Citation;
  failMessage?: Localised;
}

export interface MaterialView {
  code: string;
  name: Localised;
  required: boolean;
  reason: string;
  original?: boolean;
  copies?: number;
  note?: Localised;
  reusable?: { archiveId: string | null; title: string; source: 'masterdata' | 'archives' };
}

export interface WizardResult {
  item: { code: string; versionId: string; name: Localised; instant: boolean };
  known: KnownField[];
  questions: Question[];
  eligibility: { outcome: 'eligible' | 'ineligible' | 'undetermined'; rules: RuleVerdict[]; results: Record<string, unknown> };
  materials: MaterialView[];
  complete: boolean;
}

export function wizardNext(itemCode: string, answers: Record<string, unknown>, applicantId: string | undefined, channel: string): Promise<WizardResult> {
  const body: Record<string, unknown> = { answers, channel };
  if (applicantId) body.applicantId = applicantId;
  return api<WizardResult>('POST', `/api/wizard/${encodeURIComponent(itemCode)}/next`, body);
}
