import type { Db } from '../../db/connect.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import type { Actor } from '../audit/service.js';
import { storeArchiveRecord } from '../archives/service.js';
import { defaultArchiveStore, type ArchiveStore } from '../archives/store.js';
import { checkSignature, signFor } from './keys.js';

export interface SubmissionInput {
  caseId: string;
  /** The applicant: a person, or an organisation (employer items). */
  personId?: string | null;
  orgId?: string | null;
  /** Who pressed "submit": the applicant, or a teller on their behalf (the actor of the request). */
  submittedBy: Actor;
  /** What was submitted: answers, material references (archive ids and their SM3), the item version. */
  payload: Record<string, unknown>;
  /** Default now. */
  submittedAt?: Date;
}

export interface SealedSubmission {
  archiveId: string;
  keyId: string;
  algorithm: string;
  /** base64 */
  signature: string;
  sm3: string;
  sealedAt: string;
}

/** The statement sealed at submission: canonical JSON, so it can be re-hashed from the archive. */
export function submissionStatement(input: SubmissionInput, submittedAt: Date): Record<string, unknown> {
  return {
    type: 'tongban.submission',
    caseId: input.caseId,
    ...(input.orgId ? { orgId: input.orgId } : { personId: input.personId }),
    submittedBy: { userId: input.submittedBy.userId, role: input.submittedBy.role, channel: input.submittedBy.channel, servicePointId: input.submittedBy.servicePointId },
    submittedAt: submittedAt.toISOString(),
    payload: input.payload,
  };
}

/**
 * Seals an application at submission on the applicant's behalf (non-repudiation):
 * signs the canonical statement (what, by whom, when) with the submission key and
 * archives statement and signature as one record (source 'submission_seal'). Call it
 * inside the submission's transaction so both commit together.
 */
export async function sealSubmission(db: Db, input: SubmissionInput, store: ArchiveStore = defaultArchiveStore()): Promise<SealedSubmission> {
  const submittedAt = input.submittedAt ?? new Date();
  const statement = submissionStatement(input, submittedAt);
  const bytes = Buffer.from(canonicalJson(statement));
  const signed = await signFor(db, 'submission_seal', bytes);
  const envelope = { statement, seal: { keyId: signed.keyId, algorithm: signed.algorithm, signature: Buffer.from(signed.signature).toString('base64'), signs: 'canonical JSON of statement (UTF-8), SM2 with SM3 and user ID 1234567812345678' } };
  const record = await storeArchiveRecord(db, store, {
    personId: input.personId ?? null,
    orgId: input.orgId ?? null,
    caseId: input.caseId,
    category: 'submission_seal',
    title: `申请提交签章 ${input.caseId}`,
    mediaType: 'application/json',
    bytes: Buffer.from(canonicalJson(envelope)),
    source: 'submission_seal',
    classification: 'confidential',
    actor: input.submittedBy,
  });
  return { archiveId: record.id, keyId: signed.keyId, algorithm: signed.algorithm, signature: envelope.seal.signature, sm3: record.sm3, sealedAt: submittedAt.toISOString() };
}

/** Verifies a sealed submission envelope (as archived). */
export async function verifySealedSubmission(db: Db, envelopeJson: string): Promise<{ ok: boolean; reason?: string }> {
  let env: { statement: Record<string, unknown>; seal: { keyId: string; signature: string } };
  try {
    env = JSON.parse(envelopeJson);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const r = await checkSignature(db, env.seal.keyId, Buffer.from(canonicalJson(env.statement)), Buffer.from(env.seal.signature, 'base64'), new Date(String(env.statement.submittedAt)));
  return r.ok ? { ok: true } : { ok: false, reason: r.reason };
}
