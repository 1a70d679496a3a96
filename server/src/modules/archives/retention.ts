import type { Citation } from '../policy/types.js';

/**
 * Retention periods by category (保管期限). 《社会保险业务档案管理规定（试行）》 divides
 * records into permanent and fixed-term ones; the mapping of Tongban's categories to
 * periods below is this demo city's own (local illustration) and is reviewed with
 * the city archive. Periods run from 1 January of the year after the record was formed.
 */
export const RETENTION_CITATION: Citation = {
  law: '社会保险业务档案管理规定（试行）',
  docNo: '人力资源和社会保障部 国家档案局令第3号',
  article: '第九条、第十条',
  effectiveFrom: '2009-09-01',
};

export interface RetentionRule {
  /** null = permanent (永久). */
  years: number | null;
  label: string;
}

export const RETENTION_SCHEDULE: Record<string, RetentionRule> = {
  pension_decision: { years: null, label: '养老保险待遇核定（永久）' },
  insurance_registration: { years: null, label: '参保登记（永久）' },
  benefit_decision: { years: 30, label: '其他待遇核定（30年）' },
  contribution_record: { years: 30, label: '缴费记录与凭证（30年）' },
  payment_receipt: { years: 30, label: '缴费电子凭证（30年）' },
  submission_seal: { years: 30, label: '申请提交签章（30年）' },
  certificate: { years: 10, label: '证明类文书（10年）' },
  notice: { years: 10, label: '受理回执、告知书（10年）' },
  application_material: { years: 10, label: '申请材料（10年）' },
  identity_document: { years: 10, label: '身份证件影像（10年）' },
  card_service: { years: 10, label: '社保卡业务（10年）' },
  // Personal materials that later applications reuse (免提交); the catalogue's items name them.
  personnel_file: { years: null, label: '人事档案材料（永久）' },
  hukou_booklet: { years: 30, label: '户口簿影像（30年）' },
  diploma: { years: 30, label: '学历学位证书影像（30年）' },
  title_certificate: { years: 30, label: '职称证书影像（30年）' },
  skill_certificate: { years: 30, label: '职业资格与技能证书影像（30年）' },
  labour_contract: { years: 30, label: '劳动合同（30年）' },
  id_photo: { years: 10, label: '证件照片（10年）' },
};

export const ARCHIVE_CATEGORIES = Object.keys(RETENTION_SCHEDULE);

export function isCategory(c: string): boolean {
  return Object.hasOwn(RETENTION_SCHEDULE, c);
}

/** The first day a record formed on `formedOn` may be disposed of; null = never. */
export function retainUntil(category: string, formedOn: string): { years: number | null; until: string | null } {
  const rule = RETENTION_SCHEDULE[category];
  if (!rule) throw new Error(`unknown archive category ${category}`);
  if (rule.years === null) return { years: null, until: null };
  const year = Number(formedOn.slice(0, 4));
  return { years: rule.years, until: `${year + 1 + rule.years}-01-01` };
}
