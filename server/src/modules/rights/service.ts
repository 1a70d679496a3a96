import type { Db } from '../../db/connect.js';
import { readTogether } from '../../db/read-together.js';
import { INSURANCE_TYPES, type InsuranceType } from './schema.js';

export interface RightsSummary {
  insurances: {
    insuranceType: InsuranceType;
    status: string;
    since: string;
    /** Months before the monthly entries (legacy) plus paid monthly entries (local or transferred in), each month once. */
    totalMonths: number;
    paidMonths: number;
    unpaidMonths: number;
    lastMonth: string | null;
  }[];
  recent: { month: string; insuranceType: InsuranceType; orgId: string | null; baseFen: number; employerFen: number; employeeFen: number; paid: boolean }[];
}

/** Insured status and contribution months of one person (the minimal rights record). */
export async function rightsSummary(db: Db, personId: string, recentMonths = 24): Promise<RightsSummary> {
  const { statuses, counts } = await readTogether(db, standingQueries(db, personId));
  const recent = recentMonths > 0 ? await db.selectFrom('contribution_entries').selectAll().where('person_id', '=', personId).orderBy('month', 'desc').orderBy('insurance_type').limit(recentMonths * INSURANCE_TYPES.length).execute() : [];
  return {
    insurances: standingOf(statuses, counts),
    recent: recent.map((r) => ({ month: r.month, insuranceType: r.insurance_type, orgId: r.org_id, baseFen: r.base_fen, employerFen: r.employer_fen, employeeFen: r.employee_fen, paid: r.paid })),
  };
}

/** Insured status and month counts per insurance type, as queries to read beside others (readTogether). */
export function standingQueries(db: Db, personId: string) {
  return {
    statuses: db.selectFrom('insured_status').select(['insurance_type', 'status', 'since', 'prior_months']).where('person_id', '=', personId),
    counts: db
      .selectFrom('contribution_entries')
      .select(['insurance_type'])
      .select((eb) => [
        eb.fn.count<number>('month').filterWhere('paid', '=', true).as('paid'),
        eb.fn.count<number>('month').filterWhere('paid', '=', false).as('unpaid'),
        eb.fn.max('month').as('last'),
      ])
      .where('person_id', '=', personId)
      // Months transferred out to another pooling area no longer count here (issue 4).
      .where('transfer_out_id', 'is', null)
      .groupBy('insurance_type'),
  };
}

type Standing = Awaited<ReturnType<typeof readTogether<ReturnType<typeof standingQueries>>>>;

/** Per insurance type, in the usual order: status and months (prior + paid, each once). */
export function standingOf(statuses: Standing['statuses'], counts: Standing['counts']): RightsSummary['insurances'] {
  const byType = new Map(counts.map((c) => [c.insurance_type, c]));
  return [...statuses]
    .sort((a, b) => INSURANCE_TYPES.indexOf(a.insurance_type) - INSURANCE_TYPES.indexOf(b.insurance_type))
    .map((s) => {
      const c = byType.get(s.insurance_type);
      const paid = Number(c?.paid ?? 0);
      return { insuranceType: s.insurance_type, status: s.status, since: s.since, totalMonths: s.prior_months + paid, paidMonths: paid, unpaidMonths: Number(c?.unpaid ?? 0), lastMonth: (c?.last as string | null) ?? null };
    });
}
