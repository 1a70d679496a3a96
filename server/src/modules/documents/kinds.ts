import type { Citation } from '../policy/types.js';
import type { RightsSummary } from '../rights/service.js';
import type { DocumentKind } from './schema.js';

/** Who a document is about: a person, or an organisation (an employer's payment receipt). */
export interface Holder {
  personId?: string | null;
  orgId?: string | null;
  name: string;
  /** Resident ID or unified social credit code, as it should be printed. */
  idNumber?: string | null;
}

export interface ContributionCertificateData {
  holder: Holder;
  /** The day the record was read (YYYY-MM-DD). */
  asOf: string;
  insurances: RightsSummary['insurances'];
  /** What the certificate is for, if the applicant said (e.g. 子女入学). */
  purpose?: string | null;
}

export interface AcceptanceReceiptData {
  holder: Holder;
  caseId: string;
  caseNumber: string;
  itemName: string;
  itemCode?: string | null;
  /** ISO date-time of acceptance (受理). */
  acceptedAt: string;
  servicePointName: string;
  materials: { name: string; how: 'submitted' | 'reused' | 'to_follow' }[];
  /** Promised working days and the resulting date (承诺时限). */
  promisedDays?: number | null;
  dueDate?: string | null;
  contact?: string | null;
}

export interface OneTimeNoticeData {
  holder: Holder;
  caseId?: string | null;
  caseNumber?: string | null;
  itemName: string;
  /** Everything still needed, at once (一次性告知). */
  missing: { name: string; requirement?: string | null }[];
  deadline?: string | null;
  servicePointName?: string | null;
  notes?: string | null;
}

export interface DecisionLetterData {
  holder: Holder;
  caseId: string;
  caseNumber: string;
  itemName: string;
  outcome: 'approved' | 'rejected';
  decidedOn: string;
  /** The decision in one or two sentences (e.g. the approved monthly amount). */
  summary: string;
  reasons: string[];
  legalBasis: Citation[];
  /** 救济途径: how to appeal; a default text is printed when absent. */
  remedy?: string | null;
  /** Archive category: pension decisions are kept permanently. */
  archiveCategory?: 'pension_decision' | 'benefit_decision';
}

export interface CardLossConfirmationData {
  holder: Holder;
  cardNumberMasked: string;
  reportedAt: string;
  channel: string;
  /** Whether the card's financial functions were frozen (挂失止付). */
  suspended: boolean;
  note?: string | null;
}

export interface PaymentReceiptData {
  holder: Holder;
  paymentRef: string;
  paidAt: string;
  channel?: string | null;
  items: { label: string; period?: string | null; amountFen: number }[];
  totalFen: number;
}

export interface DocumentData {
  contribution_certificate: ContributionCertificateData;
  acceptance_receipt: AcceptanceReceiptData;
  one_time_notice: OneTimeNoticeData;
  decision_letter: DecisionLetterData;
  card_loss_confirmation: CardLossConfirmationData;
  payment_receipt: PaymentReceiptData;
}

export type Block =
  | { type: 'fields'; rows: [string, string][] }
  | { type: 'paragraph'; text: string; bold?: boolean }
  | { type: 'heading'; text: string }
  | { type: 'list'; items: string[] }
  | { type: 'table'; columns: string[]; widths: number[]; rows: string[][] };

export interface Layout {
  title: string;
  blocks: Block[];
}

const INSURANCE_NAMES: Record<string, string> = {
  pension_employee: '企业职工基本养老保险',
  pension_resident: '城乡居民基本养老保险',
  unemployment: '失业保险',
  work_injury: '工伤保险',
  medical_employee: '职工基本医疗保险',
};
const STATUS_NAMES: Record<string, string> = { active: '参保缴费', suspended: '暂停缴费', stopped: '终止参保', retired: '已退休' };

/** Fen as 元 with two decimals; integer arithmetic only. */
export function yuan(fen: number): string {
  const neg = fen < 0;
  const f = Math.abs(Math.trunc(fen));
  const y = Math.floor(f / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${y}.${String(f % 100).padStart(2, '0')}`;
}

/** Amount in Chinese capitals (大写金额), as on a receipt: 壹仟贰佰叁拾肆元伍角陆分. */
export function yuanUppercase(fen: number): string {
  if (!Number.isInteger(fen) || fen < 0) throw new Error('amount must be a non-negative integer of fen');
  const digits = '零壹贰叁肆伍陆柒捌玖';
  const units = ['', '拾', '佰', '仟'];
  const big = ['', '万', '亿', '兆'];
  const y = Math.floor(fen / 100);
  const jiao = Math.floor((fen % 100) / 10);
  const fenD = fen % 10;
  let out = '';
  if (y > 0) {
    const s = String(y);
    let zero = false;
    for (let i = 0; i < s.length; i++) {
      const d = Number(s[i]);
      const pos = s.length - 1 - i;
      if (d === 0) zero = true;
      else {
        if (zero) out += '零';
        zero = false;
        out += digits[d]! + units[pos % 4]!;
      }
      if (pos % 4 === 0 && pos > 0) {
        const group = s.slice(Math.max(0, i - 3), i + 1);
        if (Number(group) > 0) out += big[pos / 4]!;
      }
    }
    out += '元';
  }
  if (jiao === 0 && fenD === 0) return (out || '零元') + '整';
  if (jiao > 0) out += digits[jiao]! + '角';
  else if (y > 0) out += '零';
  if (fenD > 0) out += digits[fenD]! + '分';
  return out;
}

function dateCn(iso: string): string {
  const d = iso.slice(0, 10);
  return `${d.slice(0, 4)}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
}
function dateTimeCn(iso: string): string {
  const t = new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString();
  return `${dateCn(t)} ${t.slice(11, 16)}`;
}
function holderRows(h: Holder, idLabel = '公民身份号码'): [string, string][] {
  const rows: [string, string][] = [['姓　　名', h.name]];
  if (h.idNumber) rows.push([idLabel, h.idNumber]);
  return rows;
}
function cite(c: Citation): string {
  return `《${c.law.replace(/^《|》$/g, '')}》${c.article ?? ''}${c.docNo ? `（${c.docNo}）` : ''}`;
}

export const DOCUMENT_META: Record<DocumentKind, { title: string; numberWord: string; archiveCategory: string }> = {
  contribution_certificate: { title: '社会保险参保缴费证明', numberWord: '证', archiveCategory: 'certificate' },
  acceptance_receipt: { title: '受理回执', numberWord: '受', archiveCategory: 'notice' },
  one_time_notice: { title: '一次性告知书', numberWord: '告', archiveCategory: 'notice' },
  decision_letter: { title: '决定书', numberWord: '决', archiveCategory: 'benefit_decision' },
  card_loss_confirmation: { title: '社会保障卡挂失确认书', numberWord: '卡', archiveCategory: 'card_service' },
  payment_receipt: { title: '社会保险费缴费电子凭证', numberWord: '缴', archiveCategory: 'payment_receipt' },
};

export function archiveCategoryOf<K extends DocumentKind>(kind: K, data: DocumentData[K]): string {
  if (kind === 'decision_letter') return (data as DecisionLetterData).archiveCategory ?? 'benefit_decision';
  return DOCUMENT_META[kind].archiveCategory;
}

export function titleOf<K extends DocumentKind>(kind: K, data: DocumentData[K]): string {
  if (kind === 'decision_letter') {
    const d = data as DecisionLetterData;
    return `${d.itemName}${d.outcome === 'approved' ? '准予' : '不予'}决定书`;
  }
  return DOCUMENT_META[kind].title;
}

/** What each kind prints: the page layout, independent of fonts and page size. */
export function layoutOf<K extends DocumentKind>(kind: K, data: DocumentData[K], issuer: string): Layout {
  const title = titleOf(kind, data);
  switch (kind) {
    case 'contribution_certificate': {
      const d = data as ContributionCertificateData;
      return {
        title,
        blocks: [
          { type: 'fields', rows: [...holderRows(d.holder), ['查询截止日期', dateCn(d.asOf)], ...(d.purpose ? ([['用　　途', d.purpose]] as [string, string][]) : [])] },
          { type: 'paragraph', text: `经查询，${d.holder.name}在本市参加社会保险及缴费情况如下：` },
          {
            type: 'table',
            columns: ['险种', '参保状态', '参保日期', '累计缴费月数', '最近缴费月'],
            widths: [0.32, 0.16, 0.18, 0.17, 0.17],
            rows: d.insurances.length
              ? d.insurances.map((i) => [INSURANCE_NAMES[i.insuranceType] ?? i.insuranceType, STATUS_NAMES[i.status] ?? i.status, i.since, `${i.totalMonths}`, i.lastMonth ?? '—'])
              : [['无参保记录', '', '', '', '']],
          },
          { type: 'paragraph', text: '累计缴费月数含本市系统建立前的视同缴费及转入月数。欠缴月份不计入累计缴费月数。' },
          { type: 'paragraph', text: '特此证明。' },
        ],
      };
    }
    case 'acceptance_receipt': {
      const d = data as AcceptanceReceiptData;
      const how = { submitted: '已提交', reused: '已复用电子档案（免提交）', to_follow: '待补正' } as const;
      return {
        title,
        blocks: [
          { type: 'fields', rows: [...holderRows(d.holder), ['业务编号', d.caseNumber], ['申请事项', d.itemName + (d.itemCode ? `（${d.itemCode}）` : '')], ['受理时间', dateTimeCn(d.acceptedAt)], ['受理地点', d.servicePointName], ...(d.promisedDays ? ([['承诺时限', `${d.promisedDays}个工作日${d.dueDate ? `（${dateCn(d.dueDate)}前办结）` : ''}`]] as [string, string][]) : [])] },
          { type: 'paragraph', text: `您的申请已于${dateTimeCn(d.acceptedAt)}受理。所收材料如下：` },
          { type: 'table', columns: ['序号', '材料名称', '状态'], widths: [0.1, 0.6, 0.3], rows: d.materials.map((m, i) => [`${i + 1}`, m.name, how[m.how]]) },
          { type: 'paragraph', text: `请凭业务编号查询办理进度${d.contact ? `，咨询电话：${d.contact}` : ''}。` },
        ],
      };
    }
    case 'one_time_notice': {
      const d = data as OneTimeNoticeData;
      return {
        title,
        blocks: [
          { type: 'fields', rows: [...holderRows(d.holder), ...(d.caseNumber ? ([['业务编号', d.caseNumber]] as [string, string][]) : []), ['申请事项', d.itemName]] },
          { type: 'paragraph', text: `您申请办理的“${d.itemName}”尚需补充以下材料，现一次性告知如下：` },
          { type: 'table', columns: ['序号', '所需材料', '要求'], widths: [0.1, 0.4, 0.5], rows: d.missing.map((m, i) => [`${i + 1}`, m.name, m.requirement ?? '']) },
          ...(d.deadline ? ([{ type: 'paragraph', text: `请于${dateCn(d.deadline)}前补齐上述材料${d.servicePointName ? `，可至${d.servicePointName}或通过网上办事大厅提交` : ''}。` }] as Block[]) : []),
          ...(d.notes ? ([{ type: 'paragraph', text: d.notes }] as Block[]) : []),
        ],
      };
    }
    case 'decision_letter': {
      const d = data as DecisionLetterData;
      return {
        title,
        blocks: [
          { type: 'paragraph', text: `${d.holder.name}：` },
          { type: 'paragraph', text: `你（单位）于本机关申请的“${d.itemName}”（业务编号：${d.caseNumber}），经审查，本机关决定：${d.outcome === 'approved' ? '准予' : '不予'}办理。` },
          { type: 'paragraph', text: d.summary, bold: true },
          ...(d.reasons.length ? ([{ type: 'heading', text: d.outcome === 'approved' ? '审查意见' : '不予办理的理由' }, { type: 'list', items: d.reasons }] as Block[]) : []),
          { type: 'heading', text: '法律依据' },
          { type: 'list', items: d.legalBasis.length ? d.legalBasis.map(cite) : ['（无）'] },
          { type: 'heading', text: '救济途径' },
          { type: 'paragraph', text: d.remedy ?? `如不服本决定，可自收到本决定书之日起六十日内向${issuer.replace(/人力资源和社会保障局$/, '')}人民政府申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。` },
          { type: 'fields', rows: [['决定日期', dateCn(d.decidedOn)]] },
        ],
      };
    }
    case 'card_loss_confirmation': {
      const d = data as CardLossConfirmationData;
      return {
        title,
        blocks: [
          { type: 'fields', rows: [...holderRows(d.holder), ['社会保障卡号', d.cardNumberMasked], ['挂失时间', dateTimeCn(d.reportedAt)], ['挂失渠道', d.channel], ['止付状态', d.suspended ? '已挂失止付' : '仅挂失，未止付']] },
          { type: 'paragraph', text: `兹确认，持卡人${d.holder.name}的社会保障卡已于${dateTimeCn(d.reportedAt)}办理挂失。挂失后该卡的社会保障应用${d.suspended ? '及金融功能' : ''}暂停使用，可凭本确认书及有效身份证件申请补换卡。` },
          ...(d.note ? ([{ type: 'paragraph', text: d.note }] as Block[]) : []),
        ],
      };
    }
    case 'payment_receipt': {
      const d = data as PaymentReceiptData;
      return {
        title,
        blocks: [
          { type: 'fields', rows: [['缴费人', d.holder.name], ...(d.holder.idNumber ? ([[d.holder.orgId ? '统一社会信用代码' : '公民身份号码', d.holder.idNumber]] as [string, string][]) : []), ['缴费流水号', d.paymentRef], ['缴费时间', dateTimeCn(d.paidAt)], ...(d.channel ? ([['缴费渠道', d.channel]] as [string, string][]) : [])] },
          { type: 'table', columns: ['项目', '所属期', '金额（元）'], widths: [0.5, 0.22, 0.28], rows: [...d.items.map((i) => [i.label, i.period ?? '', yuan(i.amountFen)]), ['合计', '', yuan(d.totalFen)]] },
          { type: 'fields', rows: [['金额大写', yuanUppercase(d.totalFen)]] },
          { type: 'paragraph', text: '本凭证为电子缴费凭证，与纸质凭证具有同等效力，可扫描二维码核验真伪。' },
        ],
      };
    }
  }
  throw new Error(`unknown document kind ${kind as string}`);
}
