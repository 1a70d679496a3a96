/** Client calls for the case engine (POST /api/cases and friends); shapes from server/src/modules/cases/routes.ts. */
import { api } from './api';
import type { Localised } from './types';

export interface MissingMaterial {
  code: string;
  name: Localised;
  reason?: string;
}

export interface Notice {
  number: string;
  itemCode?: string;
  itemName?: Localised;
  issuedAt?: string;
  kind?: string;
  missing: MissingMaterial[];
}

export interface CaseRecord {
  id: string;
  trackingNo: string;
  itemCode: string;
  itemName: string;
  status: string;
  currentStep?: string | null;
  personId?: string | null;
  promisedDate: string;
  statutoryDate?: string;
  channel?: string;
  createdAt: string;
}

export interface Receipt {
  trackingNo: string;
  itemCode: string;
  itemName: Localised;
  applicantName: string;
  status: string;
  channel: string;
  submittedAt: string;
  acceptedAt: string | null;
  promisedDate: string;
  statutoryDate: string;
  materials: { code: string; source: string }[];
  documentId: string | null;
}

export type CaseReceipt = { result: 'receipt'; case: CaseRecord; receipt: Receipt };
export type CaseNotice = { result: 'notice'; notice: Notice };
export type SubmitOutcome = CaseReceipt | CaseNotice;

export type MaterialRef = { code: string; archiveId: string } | { code: string; reuse: true };

/** One submission = one Idempotency-Key: a retry of the same click never creates a second case. */
export async function submitCase(itemCode: string, answers: Record<string, unknown>, materials: MaterialRef[], channel: string, applicantId?: string): Promise<SubmitOutcome> {
  const body: Record<string, unknown> = { itemCode, answers, materials, channel };
  if (applicantId) body.applicantId = applicantId;
  return api<SubmitOutcome>('POST', '/api/cases', body, { 'idempotency-key': crypto.randomUUID() });
}
