/**
 * Insured status changes (参保状态) decided by a case: a business chain calls this when,
 * e.g., an unemployment registration suspends the unemployment insurance or a retirement
 * approval sets the pension insurance to retired.
 */
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { INSURANCE_TYPES, type InsuranceType, type InsuredStatusValue } from './schema.js';

export const INSURED_STATUSES: readonly InsuredStatusValue[] = ['active', 'suspended', 'stopped', 'retired'];

/**
 * Sets one insurance's status for a person in the caller's transaction, with its audit
 * entry and an `insured.status_changed` event. Unchanged status writes nothing (null).
 */
export async function setInsuredStatus(
  trx: Db,
  actor: Actor,
  input: { personId: string; insuranceType: InsuranceType; status: InsuredStatusValue; since: string; reason: string; caseId?: string | null },
): Promise<{ from: string | null; to: InsuredStatusValue } | null> {
  const errors = [];
  if (!INSURANCE_TYPES.includes(input.insuranceType)) errors.push({ field: 'insuranceType', reason: `one of ${INSURANCE_TYPES.join(', ')}`, code: 'enum' });
  if (!INSURED_STATUSES.includes(input.status)) errors.push({ field: 'status', reason: `one of ${INSURED_STATUSES.join(', ')}`, code: 'enum' });
  if (errors.length) throw new AppError('VALIDATION_FAILED', { errors });
  const before = await trx.selectFrom('insured_status').select(['status']).where('person_id', '=', input.personId).where('insurance_type', '=', input.insuranceType).forUpdate().executeTakeFirst();
  if (before?.status === input.status) return null;
  await trx
    .insertInto('insured_status')
    .values({ person_id: input.personId, insurance_type: input.insuranceType, status: input.status, since: input.since })
    .onConflict((oc) => oc.columns(['person_id', 'insurance_type']).doUpdateSet({ status: input.status, since: input.since }))
    .execute();
  const change = { insuranceType: input.insuranceType, from: before?.status ?? null, to: input.status, since: input.since, reason: input.reason, caseId: input.caseId ?? null };
  await appendAudit(trx, actor, { action: 'insured.status_changed', objectType: 'person', objectId: input.personId, before: { status: change.from }, after: change });
  await recordEvent(trx, { type: 'insured.status_changed', aggregateType: 'person', aggregateId: input.personId, partitionKey: input.personId, payload: { personId: input.personId, ...change } });
  return { from: change.from, to: input.status };
}
