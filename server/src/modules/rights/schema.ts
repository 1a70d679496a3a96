import type { ColumnType } from 'kysely';

export const INSURANCE_TYPES = ['pension_employee', 'pension_resident', 'unemployment', 'work_injury', 'medical_employee'] as const;
export type InsuranceType = (typeof INSURANCE_TYPES)[number];

export type InsuredStatusValue = 'active' | 'suspended' | 'stopped' | 'retired';

/** Insured status per person and insurance type (参保状态). */
export interface InsuredStatusTable {
  person_id: string;
  insurance_type: InsuranceType;
  status: InsuredStatusValue;
  since: string;
  /** Months recorded before monthly entries exist here (legacy system or transfer-in), counted once. */
  prior_months: ColumnType<number, number | undefined, number>;
}

/** One month of contributions for one person and insurance type. Money in fen. */
export interface ContributionEntryTable {
  person_id: string;
  insurance_type: InsuranceType;
  /** 'YYYY-MM' */
  month: string;
  org_id: string | null;
  base_fen: number;
  employer_fen: number;
  employee_fen: number;
  paid: boolean;
  /** The bill this month was assessed on (issue 4); null for legacy and transferred-in months. */
  bill_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** 'local' (assessed here), 'transfer_in' (imported from another pooling area). */
  source: ColumnType<'local' | 'transfer_in', 'local' | 'transfer_in' | undefined, 'local' | 'transfer_in'>;
  /** Set while the month has been transferred out to another area: it no longer counts here. */
  transfer_out_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RightsTables {
  insured_status: InsuredStatusTable;
  contribution_entries: ContributionEntryTable;
}
