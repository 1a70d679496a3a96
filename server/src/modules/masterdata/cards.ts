/**
 * Social security cards (社会保障卡): the current card of a person and its status changes.
 * Business chains (card loss reported → lost; retirement → status kept) call these.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../../db/connect.js';
import { AppError } from '../../http/errors.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import type { SocialSecurityCardTable } from './schema.js';

export type CardRow = Selectable<SocialSecurityCardTable>;
export type CardStatus = SocialSecurityCardTable['status'];
export const CARD_STATUSES: readonly CardStatus[] = ['active', 'lost', 'frozen', 'replaced', 'cancelled'];

/** The person's most recently issued card, or undefined when they have none. */
export async function currentCard(db: Db, personId: string): Promise<CardRow | undefined> {
  return latestCard(db, personId).selectAll().executeTakeFirst();
}

/** The current card's number and status, as a query to read beside others (readTogether). */
export function currentCardQuery(db: Db, personId: string) {
  return latestCard(db, personId).select(['card_no', 'status']);
}

function latestCard(db: Db, personId: string) {
  return db.selectFrom('ss_cards').where('person_id', '=', personId).orderBy('issued_at', 'desc').orderBy('card_no', 'desc').limit(1);
}

/**
 * Sets the status of the person's current card, in the caller's transaction, with its
 * audit entry and a `card.status_changed` event. Unchanged status writes nothing.
 */
export async function setCardStatus(trx: Db, actor: Actor, personId: string, status: CardStatus, cause: { reason: string; caseId?: string | null }): Promise<{ cardNo: string; from: CardStatus; to: CardStatus } | null> {
  if (!CARD_STATUSES.includes(status)) throw new AppError('VALIDATION_FAILED', { errors: [{ field: 'status', reason: `unknown card status ${status}`, code: 'enum' }] });
  const card = await currentCard(trx, personId);
  if (!card) throw new AppError('NOT_FOUND', { detail: 'the person has no social security card' });
  if (card.status === status) return null;
  await trx.updateTable('ss_cards').set({ status }).where('card_no', '=', card.card_no).execute();
  // Card numbers are not secret like resident IDs, but the audit shows only the tail.
  const masked = `****${card.card_no.slice(-4)}`;
  await appendAudit(trx, actor, { action: 'card.status_changed', objectType: 'person', objectId: personId, before: { card: masked, status: card.status }, after: { card: masked, status, reason: cause.reason, caseId: cause.caseId ?? null } });
  await recordEvent(trx, { type: 'card.status_changed', aggregateType: 'person', aggregateId: personId, partitionKey: personId, payload: { personId, from: card.status, to: status, reason: cause.reason, caseId: cause.caseId ?? null } });
  return { cardNo: card.card_no, from: card.status, to: status };
}
