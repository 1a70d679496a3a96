/**
 * Test support for the supervision queues (tests only, not the server): an item whose age
 * condition fails for some residents of the small city, so an override can be requested, and
 * an instant item that finishes at once, so the applicant can rate it.
 */
import type { ServiceItem } from '../catalogue/types.js';
import { step, TEST_ITEM } from './testkit.js';

const EMPLOYMENT_LAW = { law: '《中华人民共和国就业促进法》', article: '第七条', effectiveFrom: '2008-01-01' };

/** Accepted at the counter, approved centrally; 张伟 (41) and 王建国 (63) fail its condition, 李娜 (35) meets it. */
export const SUBSIDY_ITEM: ServiceItem & { effectiveFrom: string } = {
  ...TEST_ITEM,
  code: '371000-JY-9921',
  name: { zh: '青年创业补贴申领', en: 'Youth start-up subsidy' },
  domain: 'employment',
  legalBasis: [EMPLOYMENT_LAW],
  form: { type: 'object', properties: {}, required: [] },
  conditions: [{ id: 'under_40', name: { zh: '未满四十周岁', en: 'Under 40' }, expression: 'applicant.age < 40', citation: EMPLOYMENT_LAW, failMessage: { zh: '已满四十周岁', en: '40 or older' } }],
  materials: [],
  steps: [step('accept', 'teller', 'service_point', 1), step('approve', 'approver', 'central', 2)],
  outcomeDocuments: [],
  chains: [],
};

/** 即办件: done at once on any channel, then rated. */
export const PRINTOUT_ITEM: ServiceItem & { effectiveFrom: string } = {
  ...SUBSIDY_ITEM,
  code: '371000-SB-9922',
  name: { zh: '个人参保证明打印', en: 'Insurance record print-out' },
  domain: 'social_insurance',
  instant: true,
  conditions: [],
  steps: [step('accept', 'teller', 'service_point', 0)],
  timeLimit: { statutoryDays: 0, promisedDays: 0 },
};
