/**
 * Business chains (业务链): when a case is approved or completed, the item's chain triggers
 * start the next item or change master data and the rights record. Each trigger runs as a
 * timer in a worker and fires once per (case, trigger): the chain_firings primary key and
 * the effect commit in the same transaction as the timer's fired_at.
 *
 * Trigger params (catalog/items/*.yaml `chains[].params`):
 * - start_item: `item` = the next item's code; params.answers = answers for it (optional).
 * - set_card_status: params.status ('lost', 'frozen', 'active', …).
 * - set_insured_status: params.insuranceType or params.insuranceTypes, params.status.
 * - start_pension: amounts from the decision's calculations: params.basicFen / params.accountFen
 *   name the result keys (default 'basicFen' / 'accountFen'; a decision without them fails the
 *   timer visibly, with the reason in timers.last_error, and it is retried); start month =
 *   answers.startMonth, else the month after results.retirement_month, else after the decision.
 * - start_unemployment_benefit: months from the result params.maxMonthsFrom (default
 *   'max_months'); amount from the result params.monthlyFen, else wage.minimum_monthly ×
 *   unemployment.benefit_share_of_minimum_wage in force on the decision day; start month =
 *   answers.startMonth, else the month after the decision.
 * - event: params.type (default 'chain.event') with the case's ids.
 * `when` (optional FEEL over the case's facts) must be true for the trigger to act.
 */
import type { Db } from '../../db/connect.js';
import { SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import type { ChainTrigger } from '../catalogue/types.js';
import type { Facts } from '../policy/types.js';
import { setCardStatus, type CardStatus } from '../masterdata/cards.js';
import { setInsuredStatus } from '../rights/status.js';
import type { InsuranceType, InsuredStatusValue } from '../rights/schema.js';
import { startPension, startUnemploymentBenefit } from '../insurance/benefits.js';
import { getPerson } from '../masterdata/persons.js';
import { parameterAsOf } from '../policy/parameters.js';
import { unemploymentBenefitMonthlyFen } from '../policy/unemployment.js';
import { itemVersion, ports } from './ports.js';
import { chinaDate } from './clock.js';
import { caseEventPayload, type CaseRow } from './engine.js';
import { createCase } from './submit.js';
import { buildFacts, feelTrue } from './wizard.js';
import type { TimerHandler } from './timers.js';

const CHAIN_ACTOR: Actor = { ...SYSTEM_ACTOR, role: 'system:chain' };

function nextMonth(date: string): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function resultNumber(results: Record<string, unknown>, key: string): number {
  const v = results[key];
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new Error(`the decision has no numeric result ${key}`);
  return n;
}

/** Runs one trigger's effect; returns what it did (stored with the firing). */
export async function runChain(trx: Db, c: CaseRow, trigger: ChainTrigger, now: Date): Promise<Record<string, unknown>> {
  const params = trigger.params ?? {};
  const decision = c.decision as unknown as { results?: Record<string, unknown> };
  const results = decision.results ?? {};
  const cause = `${c.item_code} ${c.tracking_no}`;
  switch (trigger.action) {
    case 'set_card_status': {
      if (!c.person_id) return { skipped: 'no person' };
      const r = await setCardStatus(trx, CHAIN_ACTOR, c.person_id, String(params.status) as CardStatus, { reason: cause, caseId: c.id });
      return { card: r ?? 'unchanged' };
    }
    case 'set_insured_status': {
      if (!c.person_id) return { skipped: 'no person' };
      // One insurance (insuranceType) or several (insuranceTypes), as the item says.
      const types = (Array.isArray(params.insuranceTypes) ? params.insuranceTypes : [params.insuranceType]).map(String);
      const changes: Record<string, unknown> = {};
      for (const type of types) {
        const r = await setInsuredStatus(trx, CHAIN_ACTOR, { personId: c.person_id, insuranceType: type as InsuranceType, status: String(params.status) as InsuredStatusValue, since: chinaDate(now), reason: cause, caseId: c.id });
        changes[type] = r ?? 'unchanged';
      }
      return { insured: changes };
    }
    case 'start_pension': {
      // Paid from the month after the retirement month the decision computed (params.fromMonthRule), else the month after the decision.
      const retirementMonth = results.retirement_month ?? results.retirementMonth;
      const startMonth = String((c.answers as Record<string, unknown>).startMonth ?? (typeof retirementMonth === 'string' && /^[0-9]{4}-[0-9]{2}$/.test(retirementMonth) ? nextMonth(`${retirementMonth}-01`) : nextMonth(chinaDate(now))));
      const b = await startPension(
        trx,
        { personId: c.person_id!, startMonth, basicFen: Math.round(resultNumber(results, String(params.basicFen ?? 'basicFen'))), accountFen: Math.round(resultNumber(results, String(params.accountFen ?? 'accountFen'))), decisionRef: c.tracking_no },
        CHAIN_ACTOR,
      );
      return { benefitId: b.benefitId, startMonth };
    }
    case 'start_unemployment_benefit': {
      const startMonth = String((c.answers as Record<string, unknown>).startMonth ?? nextMonth(chinaDate(now)));
      const monthsKey = String(params.maxMonthsFrom ?? params.months ?? ('max_months' in results ? 'max_months' : 'maxMonths'));
      const months = resultNumber(results, monthsKey);
      // The amount: the decision's own result when it has one, else the minimum wage × the share in force on the decision day.
      let monthlyFen: number;
      let amountParameters: unknown[] = [];
      if (results[String(params.monthlyFen ?? 'monthlyFen')] !== undefined) monthlyFen = Math.round(resultNumber(results, String(params.monthlyFen ?? 'monthlyFen')));
      else {
        const day = chinaDate(c.decided_at ?? now);
        const [wage, share] = await Promise.all([parameterAsOf<number>(trx, 'wage.minimum_monthly', day), parameterAsOf<number>(trx, 'unemployment.benefit_share_of_minimum_wage', day)]);
        monthlyFen = unemploymentBenefitMonthlyFen(Number(wage.value), Number(share.value));
        amountParameters = [wage, share].map((v) => ({ key: v.key, versionId: v.versionId, value: v.value }));
      }
      const b = await startUnemploymentBenefit(trx, { personId: c.person_id!, startMonth, months, monthlyFen, decisionRef: c.tracking_no }, CHAIN_ACTOR);
      return { benefitId: b.benefitId, startMonth, months, monthlyFen, parameters: amountParameters };
    }
    case 'start_item': {
      if (!trigger.item) throw new Error('start_item without an item code');
      const today = chinaDate(now);
      const version = await ports.itemVersionAt(trx, trigger.item, today);
      if (!version) throw new Error(`chained item ${trigger.item} is not in force on ${today}`);
      const person = c.person_id ? await getPerson(trx, c.person_id) : undefined;
      const applicant = { kind: (c.person_id ? 'person' : 'organisation') as 'person' | 'organisation', personId: c.person_id, orgId: c.org_id, name: person?.name ?? c.item_name, regionCode: c.region_code, ...(person ? { person } : {}) };
      const answers = { ...((params.answers as Record<string, unknown>) ?? {}), previousCase: c.tracking_no };
      const facts = await buildFacts(trx, applicant, answers, today);
      const decision = await ports.evaluateRules(trx, { conditions: version.item.conditions, calculations: version.item.calculations }, facts);
      // The chained case waits in the acceptance queue of the applicant's region; the key makes it one per trigger.
      const made = await createCase(trx, { actor: CHAIN_ACTOR, now }, {
        version,
        applicant,
        answers,
        materials: {},
        facts,
        decision,
        channel: 'system',
        servicePointId: null,
        submittedBy: null,
        clientKey: `chain:${c.id}:${trigger.item}`,
        acceptBy: null,
      });
      return { caseId: made.case.id, trackingNo: made.case.tracking_no };
    }
    case 'event': {
      const type = String(params.type ?? 'chain.event');
      await recordEvent(trx, { type, aggregateType: 'case', aggregateId: c.id, partitionKey: c.person_id ?? c.org_id ?? c.id, payload: caseEventPayload(c, { params }) });
      return { event: type };
    }
  }
}

/** The chain timer: fires the trigger once (the chain_firings key), in the timer's transaction. */
export const chainHandler: TimerHandler = async (trx, timer, now) => {
  const caseId = String(timer.payload.caseId);
  const triggerKey = String(timer.payload.triggerKey);
  const c = await trx.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirst();
  if (!c) return;
  const { item } = await itemVersion(trx, c.item_version_id);
  const index = Number(triggerKey.split(':')[1]);
  const trigger = item.chains?.[index];
  if (!trigger) return;
  const claimed = await trx
    .insertInto('chain_firings')
    .values({ case_id: caseId, trigger_key: triggerKey, action: trigger.action, result: JSON.stringify({ pending: true }) })
    .onConflict((oc) => oc.columns(['case_id', 'trigger_key']).doNothing())
    .returning('case_id')
    .executeTakeFirst();
  if (!claimed) return; // fired before: once per (case, trigger)
  const when = (trigger as ChainTrigger & { when?: string }).when;
  const result = when && !feelTrue(when, c.facts as unknown as Facts).value ? { skipped: `when ${when} is not true` } : await runChain(trx, c, trigger, now);
  await trx.updateTable('chain_firings').set({ result: JSON.stringify(result) }).where('case_id', '=', caseId).where('trigger_key', '=', triggerKey).execute();
  await recordEvent(trx, { type: 'chain.fired', aggregateType: 'case', aggregateId: c.id, partitionKey: c.person_id ?? c.org_id ?? c.id, payload: { caseId, triggerKey, action: trigger.action, result } });
};
