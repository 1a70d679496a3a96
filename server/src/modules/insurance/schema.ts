import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * The contributory core (issue 4): employers, enrolment, declarations, bills,
 * payments, reconciliation, the personal pension account, transfers and the benefit
 * payroll. Money is always integer fen; months 'YYYY-MM'; dates 'YYYY-MM-DD'.
 * Every row that belongs to a person or an organisation carries person_id / org_id.
 */

/** Parameter versions a calculation used: [{ key, versionId }]. */
export type ParameterRefs = JSONColumnType<{ key: string; versionId: string }[]>;

/** An employer registered for social insurance (参保单位登记), keyed by the organisation. */
export interface InsuranceEmployerTable {
  org_id: string;
  credit_code: string;
  registered_on: string;
  /** Work-injury industry risk class 1–8 (工伤保险行业风险类别, 人社部发〔2015〕71号). */
  risk_class: number;
  status: 'active' | 'closed';
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** One employment spell for insurance purposes: 增员 (start) and 减员 (end). Months inclusive. */
export interface EmploymentTable {
  employment_id: string;
  org_id: string;
  person_id: string;
  start_month: string;
  end_month: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/**
 * Monthly contribution-base declaration (缴费基数申报): the wage the employer declares
 * for one employee from `month` on (it carries forward until the next declaration).
 */
export interface DeclarationTable {
  org_id: string;
  person_id: string;
  month: string;
  wage_fen: number;
  source: 'form' | 'xlsx' | 'demo';
  batch_id: string | null;
  declared_at: ColumnType<Date, Date | undefined, Date>;
}

/** A flexible-employment individual (灵活就业人员) insured for the pension at a base they chose. */
export interface FlexibleEnrolmentTable {
  person_id: string;
  start_month: string;
  end_month: string | null;
  /** Chosen base; clamped to the year's limits at assessment. */
  base_fen: number;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type BillStatus = 'open' | 'partial' | 'paid';

/** One bill (缴费核定单) per employer (or flexible individual) per month. */
export interface BillTable {
  bill_id: string;
  /** What the payer quotes at the bank: 'B' + month + sequence. */
  bill_no: string;
  payer_kind: 'employer' | 'person';
  org_id: string | null;
  person_id: string | null;
  month: string;
  /** Last day to pay without a late fee. */
  due_date: string;
  principal_fen: number;
  paid_principal_fen: ColumnType<number, number | undefined, number>;
  late_fee_paid_fen: ColumnType<number, number | undefined, number>;
  /** Day the principal was fully paid (the entries are credited then). */
  settled_on: string | null;
  status: ColumnType<BillStatus, BillStatus | undefined, BillStatus>;
  parameters: ParameterRefs;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** Overpayments held as credit (溢缴款) per payer, used by the payer's next bills. */
export interface PayerCreditTable {
  /** 'org:<uuid>' or 'person:<uuid>'. */
  payer_key: string;
  org_id: string | null;
  person_id: string | null;
  credit_fen: number;
}

/** A payment the bank reported; unique on the bank's transaction reference, so a duplicated callback posts once. */
export interface PaymentTable {
  payment_id: string;
  bank_code: string;
  tx_ref: string;
  bill_id: string | null;
  bill_no: string;
  org_id: string | null;
  person_id: string | null;
  amount_fen: number;
  paid_on: string;
  /** How the amount was applied: principal first, then the late fee, the rest to credit. */
  principal_fen: number;
  late_fee_fen: number;
  credit_fen: number;
  /** 'credit' when the payer's credit was applied at assessment (no bank money moved). */
  source: 'bank' | 'credit';
  received_at: ColumnType<Date, Date | undefined, never>;
}

export type ReconciliationKind = 'matched' | 'missing_in_ledger' | 'missing_in_bank' | 'amount_mismatch';

export interface ReconciliationTable {
  recon_id: string;
  bank_code: string;
  statement_date: string;
  file_sha256: string;
  matched: number;
  missing_in_ledger: number;
  missing_in_bank: number;
  amount_mismatch: number;
  created_by: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface ReconciliationItemTable {
  id: Generated<number>;
  recon_id: string;
  kind: ReconciliationKind;
  tx_ref: string;
  ledger_fen: number | null;
  bank_fen: number | null;
  payment_id: string | null;
}

/** The personal pension account (个人账户) of one person. */
export interface PensionAccountTable {
  person_id: string;
  balance_fen: number;
  /** Last calendar year whose interest is credited. */
  interest_year: number | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type AccountEntryKind = 'opening' | 'contribution' | 'interest' | 'transfer_in' | 'transfer_out';

/** Every movement of a personal account; unique (person, kind, ref) makes each posting happen once. */
export interface PensionAccountEntryTable {
  id: Generated<number>;
  person_id: string;
  kind: AccountEntryKind;
  /** Calendar year the amount was posted in (interest: the year it is for). */
  year: number;
  amount_fen: number;
  /** Contribution: 'YYYY-MM'; interest: 'YYYY'; transfer: transfer id. */
  ref: string;
  parameters: ColumnType<{ key: string; versionId: string }[] | null, string | null | undefined, string | null>;
  posted_at: ColumnType<Date, Date | undefined, never>;
}

/** A transfer of the pension relationship between pooling areas (关系转移接续). */
export interface TransferTable {
  transfer_id: string;
  person_id: string;
  direction: 'out' | 'in';
  insurance_type: string;
  /** The other pooling area (region code or name). */
  other_area: string;
  /** Sender's reference for an incoming transfer; idempotency key. */
  reference: string;
  months: number;
  prior_months: number;
  first_month: string | null;
  last_month: string | null;
  account_balance_fen: number;
  pooled_fund_fen: number;
  /** Months with bases ([{ month, baseFen }]) and, for incoming ones, what was merged. */
  detail: JSONColumnType<Record<string, unknown>>;
  parameters: ParameterRefs;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export type BenefitKind = 'pension' | 'unemployment';
export type BenefitStatus = 'active' | 'suspended' | 'ended';

/** A running benefit (待遇): a pension or an unemployment benefit. */
export interface BenefitTable {
  benefit_id: string;
  person_id: string;
  kind: BenefitKind;
  start_month: string;
  /** Last month payable (unemployment: start + months − 1); null = for life. */
  end_month: string | null;
  /** Pension: basic pension (基础养老金) and account pension (个人账户养老金); unemployment: monthly amount in basic_fen. */
  basic_fen: number;
  account_fen: number;
  status: ColumnType<BenefitStatus, BenefitStatus | undefined, BenefitStatus>;
  suspended_from: string | null;
  /** Last month paid; months after it up to the run month are due (arrears after a reinstatement). */
  paid_through: string | null;
  bank_code: string;
  account_no: string;
  /** The name on the paying account (账户名), as the bank knows it. */
  account_name: string;
  /** Sum of the benefit's adjustments (benefit_adjustments), written with each adjustment. */
  adjustments_fen: ColumnType<number, number | undefined, number>;
  /** Month of the first payroll run that paid it; null until one has (see chunkStatement). */
  rhythm_from: ColumnType<string | null, string | null | undefined, string | null>;
  /** Effective month of its latest adjustment: from then on adjustments_fen is in force. */
  last_adjustment_month: ColumnType<string | null, string | null | undefined, string | null>;
  decision_ref: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** A yearly pension adjustment (养老金调整) granted to one benefit from a month on. */
export interface BenefitAdjustmentTable {
  benefit_id: string;
  person_id: string;
  effective_month: string;
  amount_fen: number;
  parameter_version: string;
}

export type PayrollStatus = 'running' | 'computed' | 'released';

export interface PayrollRunTable {
  run_id: string;
  month: string;
  status: PayrollStatus;
  chunk_size: number;
  chunks_total: number;
  chunks_done: number;
  payments: number;
  total_fen: number;
  /** [{ bank, file, rows, totalFen, sha256 }] */
  files: JSONColumnType<{ bank: string; file: string; rows: number; totalFen: number; sha256: string }[]>;
  run_by: string | null;
  released_by: string | null;
  released_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  finished_at: Date | null;
}

/** Chunks of a run (person-id ranges); a chunk marked done committed with its payments. */
export interface PayrollChunkTable {
  run_id: string;
  chunk_no: number;
  lo: string;
  hi: string;
  done: ColumnType<boolean, boolean | undefined, boolean>;
}

/** One payment of a run: unique (run, person), so a rerun never pays anyone twice. */
export interface BenefitPaymentTable {
  run_id: string;
  person_id: string;
  benefit_id: string;
  kind: BenefitKind;
  month: string;
  regular_fen: number;
  arrears_months: number;
  arrears_fen: number;
  total_fen: number;
  bank_code: string;
  account_no: string;
  /** The account name the payment was sent with. */
  payee_name: string;
}

export interface InsuranceTables {
  insurance_employers: InsuranceEmployerTable;
  employments: EmploymentTable;
  contribution_declarations: DeclarationTable;
  flexible_enrolments: FlexibleEnrolmentTable;
  contribution_bills: BillTable;
  payer_credits: PayerCreditTable;
  payments: PaymentTable;
  reconciliations: ReconciliationTable;
  reconciliation_items: ReconciliationItemTable;
  pension_accounts: PensionAccountTable;
  pension_account_entries: PensionAccountEntryTable;
  transfers: TransferTable;
  benefits: BenefitTable;
  benefit_adjustments: BenefitAdjustmentTable;
  payroll_runs: PayrollRunTable;
  payroll_chunks: PayrollChunkTable;
  benefit_payments: BenefitPaymentTable;
}
