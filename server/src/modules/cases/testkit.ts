/**
 * Test support for the case engine (used by its tests and benchmarks, not by the server):
 * small service items with known steps, rules, materials and chains, loaded through the
 * catalogue's own sync, and staff users of the back-office roles.
 */
import type { Db } from '../../db/connect.js';
import { createStaffUser } from '../iam/service.js';
import type { Role } from '../iam/roles.js';
import { definitionOf } from '../catalogue/loader.js';
import { syncItems } from '../catalogue/service.js';
import type { ServiceItem } from '../catalogue/types.js';

const LAW = { law: '《中华人民共和国社会保险法》', article: '第十条', effectiveFrom: '2011-07-01' };

/** One step of a test item; the statutory limit is twice the promised one. */
export const step = (key: 'accept' | 'review' | 'approve' | 'complete' | 'deliver', role: string, scope: 'service_point' | 'region' | 'central', days: number) => ({
  key,
  name: { zh: key, en: key },
  role,
  scope,
  statutoryDays: days * 2,
  promisedDays: days,
});

/** A four-step item (accept → review → approve → complete) with a rule, tailored materials and a chain. */
export const TEST_ITEM: ServiceItem & { effectiveFrom: string } = {
  code: '371000-SB-9901',
  name: { zh: '测试参保登记', en: 'Test enrolment' },
  domain: 'social_insurance',
  applicant: 'person',
  legalBasis: [LAW],
  instant: false,
  channels: ['counter', 'web', 'mobile', 'kiosk', 'partner'],
  form: {
    type: 'object',
    properties: {
      name: { type: 'string', title: '姓名', 'x-title-en': 'Name', 'x-prefill': 'applicant.name' },
      birthDate: { type: 'string', title: '出生日期', 'x-title-en': 'Birth date', format: 'date', 'x-prefill': 'applicant.birthDate' },
      employer: { type: 'string', title: '工作单位', 'x-title-en': 'Employer', maxLength: 100 },
      startMonth: { type: 'string', title: '参保月份', 'x-title-en': 'Start month', format: 'month' },
      disabled: { type: 'boolean', title: '是否残疾', 'x-title-en': 'Disability' },
    },
    required: ['employer', 'disabled'],
  },
  conditions: [
    { id: 'adult', name: { zh: '年满十六周岁', en: 'At least 16 years old' }, expression: 'applicant.age >= 16', citation: { law: '《中华人民共和国劳动法》', article: '第十五条', effectiveFrom: '1995-01-01' }, failMessage: { zh: '未满十六周岁', en: 'Under 16' } },
    { id: 'not_retired', name: { zh: '未退休', en: 'Not retired' }, expression: 'applicant.retired = false', citation: LAW },
  ],
  materials: [
    { code: 'id_card', name: { zh: '居民身份证', en: 'Resident ID card' }, reuse: { from: 'masterdata', field: 'residentId' }, original: true },
    { code: 'application_form', name: { zh: '参保登记表', en: 'Enrolment form' } },
    { code: 'labour_contract', name: { zh: '劳动合同', en: 'Labour contract' } },
    { code: 'disability_cert', name: { zh: '残疾人证', en: 'Disability certificate' }, requiredWhen: 'answers.disabled = true' },
  ],
  steps: [step('accept', 'teller', 'service_point', 1), step('review', 'reviewer', 'central', 3), step('approve', 'approver', 'central', 2), step('complete', 'approver', 'central', 1)],
  timeLimit: { statutoryDays: 20, promisedDays: 7 },
  fee: { amountFen: 0 },
  outcomeDocuments: ['decision_letter'],
  chains: [{ on: 'approved', action: 'event', params: { type: 'test.enrolment_approved' } }],
  effectiveFrom: '2025-01-01',
};

/** An instant item (即办件): card loss, completing at once and changing the card's status by a chain. */
export const INSTANT_ITEM: ServiceItem & { effectiveFrom: string } = {
  code: '371000-SK-9902',
  name: { zh: '测试社保卡挂失', en: 'Test card loss' },
  domain: 'card',
  applicant: 'person',
  legalBasis: [LAW],
  instant: true,
  channels: ['counter', 'web', 'mobile', 'kiosk', 'hotline'],
  form: { type: 'object', properties: { lostOn: { type: 'string', title: '遗失日期', 'x-title-en': 'Lost on', format: 'date' } }, required: [] },
  conditions: [{ id: 'has_card', name: { zh: '持有社保卡', en: 'Holds a card' }, expression: 'applicant.cardStatus = "active"', citation: LAW }],
  materials: [],
  steps: [step('accept', 'teller', 'service_point', 0)],
  timeLimit: { statutoryDays: 0, promisedDays: 0 },
  fee: { amountFen: 0 },
  outcomeDocuments: [],
  chains: [
    { on: 'completed', action: 'set_card_status', params: { status: 'lost' } },
    { on: 'completed', action: 'start_item', item: '371000-SB-9903' },
  ],
  effectiveFrom: '2025-01-01',
};

/** The item a chain starts: a replacement card, queued for acceptance. */
export const CHAINED_ITEM: ServiceItem & { effectiveFrom: string } = {
  ...TEST_ITEM,
  code: '371000-SB-9903',
  name: { zh: '测试补领社保卡', en: 'Test card replacement' },
  form: { type: 'object', properties: {}, required: [] },
  conditions: [],
  materials: [],
  steps: [step('accept', 'teller', 'region', 1), step('complete', 'teller', 'region', 5)],
  chains: [],
};

export async function installTestItems(db: Db, items: (ServiceItem & { effectiveFrom?: string })[] = [TEST_ITEM, INSTANT_ITEM, CHAINED_ITEM]): Promise<void> {
  const loaded = items.map((raw) => ({ file: `test:${raw.code}`, ...definitionOf(raw) }));
  await syncItems(db, loaded, '2025-01-01');
}

/** Back-office staff beside the fixture's tellers: city-wide reviewers, approvers, a supervisor. */
export async function createBackOffice(db: Db, password: string): Promise<Record<string, string>> {
  const staff: { username: string; roles: Role[] }[] = [
    { username: 'reviewer.a', roles: ['reviewer'] },
    { username: 'reviewer.b', roles: ['reviewer'] },
    { username: 'approver.a', roles: ['approver'] },
    { username: 'approver.b', roles: ['approver'] },
    { username: 'supervisor.a', roles: ['supervisor'] },
  ];
  const ids: Record<string, string> = {};
  for (const s of staff) ids[s.username] = await createStaffUser(db, { username: s.username, displayName: s.username, password, roles: s.roles, servicePointId: 'SP371000', scopeRegion: '3710' });
  return ids;
}

/** The four-step item with only a reusable material: every application is complete (benchmarks, crash test). */
export const SIMPLE_ITEM: ServiceItem & { effectiveFrom: string } = {
  ...TEST_ITEM,
  code: '371000-SB-9904',
  name: { zh: '测试简易登记', en: 'Test simple registration' },
  materials: [TEST_ITEM.materials[0]!],
  chains: [],
};

/** An instant item whose approval starts an unemployment benefit (months from a calculation, amount from the parameters). */
export const BENEFIT_ITEM: ServiceItem & { effectiveFrom: string } = {
  ...INSTANT_ITEM,
  code: '371000-SB-9905',
  name: { zh: '测试失业保险金', en: 'Test unemployment benefit' },
  domain: 'social_insurance',
  conditions: [],
  calculations: [{ id: 'max_months', name: { zh: '最长领取期限', en: 'Maximum months' }, expression: '12', citation: { law: '《中华人民共和国社会保险法》', article: '第四十六条' } }],
  chains: [{ on: 'approved', action: 'start_unemployment_benefit', params: { maxMonthsFrom: 'max_months' } }],
};
