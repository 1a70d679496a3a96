/**
 * Roles and what each may do. Deny by default: a permission not listed for any of a
 * user's roles is refused. Every route names the one permission it needs.
 */
export const ROLES = [
  'citizen',
  'employer_agent',
  'teller',
  'reviewer',
  'approver',
  'supervisor',
  'administrator',
  'auditor',
  'analyst',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles a staff account may hold; citizens and employer agents sign in through the portal. */
export const STAFF_ROLES = ['teller', 'reviewer', 'approver', 'supervisor', 'administrator', 'auditor', 'analyst'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];

export const PERMISSIONS = [
  'self.read', // a citizen's own records
  'person.read', // staff: read persons in scope (masked)
  'person.unmask', // staff: see a person's full ID and phone (audited)
  'person.write', // staff: create or correct a person
  'person.import', // bulk import
  'duplicate.review', // resolve suspected duplicates
  'organisation.read',
  'organisation.write',
  'agency.read', // regions, service points
  'audit.read',
  'audit.verify',
  'user.manage', // administrators: staff accounts, their roles, scope and service point
  'rights.read', // a person's insured status and contributions
  'policy.read', // staff: policy parameters, the calculator, working-day calendar
  'policy.manage', // administrators: draft and publish parameter versions (four eyes)
  'archive.read', // staff: archived materials of persons in scope
  'archive.upload', // staff: archive a material for a person in scope
  'archive.manage', // propose a disposal, run the four-property check
  'archive.dispose', // approve a disposal (a second person)
  'document.issue', // staff: issue certificates for persons in scope
  'seal.manage', // create, rotate and revoke seal keys
  'catalogue.read', // staff: every version of a service item, drafts included
  'catalogue.manage', // draft, review and publish service item versions (four eyes)
  'case.read', // cases (办件): a citizen their own, staff within their scope and queues
  'case.submit', // apply (citizens for themselves, tellers for the person at the counter)
  'task.work', // claim, release, delegate and complete tasks of one's role and scope
  'supervision.read', // overdue and near-due tasks, escalations
  'override.request', // ask for a rule outcome to be overridden (with a reason)
  'override.approve', // confirm or refuse an override (a second person)
  'rating.follow_up', // record the follow-up of a poor rating (差评回访) in one's region
  'insurance.read', // staff: insured employers, bills, payments, arrears, transfers, benefits (in scope)
  'insurance.write', // staff: register employers, enrol/stop employees, declare bases, assess, transfers
  'employer.self', // employer agents: their own organisation's employees, declarations and bills
  'payment.reconcile', // upload a bank statement and read the reconciliation
  'benefit.manage', // suspend and reinstate pensions, yearly adjustments
  'payroll.run', // compute the monthly benefit payroll
  'payroll.release', // sign off a computed payroll (a second person)
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const STAFF_BASE: Permission[] = ['agency.read', 'catalogue.read', 'policy.read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  // Regions and service points are public information: everyone signed in may read them.
  citizen: ['self.read', 'agency.read', 'case.read', 'case.submit'],
  employer_agent: ['self.read', 'agency.read', 'organisation.read', 'case.read', 'case.submit', 'employer.self'],
  teller: [...STAFF_BASE, 'person.read', 'person.unmask', 'person.write', 'organisation.read', 'rights.read', 'archive.read', 'archive.upload', 'document.issue', 'case.read', 'case.submit', 'task.work', 'override.request', 'insurance.read', 'insurance.write'],
  reviewer: [...STAFF_BASE, 'person.read', 'person.unmask', 'organisation.read', 'rights.read', 'duplicate.review', 'archive.read', 'document.issue', 'case.read', 'task.work', 'override.request', 'insurance.read'],
  approver: [...STAFF_BASE, 'person.read', 'person.unmask', 'organisation.read', 'rights.read', 'archive.read', 'document.issue', 'case.read', 'task.work', 'override.request', 'override.approve', 'insurance.read', 'benefit.manage', 'payroll.release'],
  supervisor: [...STAFF_BASE, 'person.read', 'organisation.read', 'rights.read', 'audit.read', 'archive.read', 'archive.manage', 'archive.dispose', 'case.read', 'supervision.read', 'override.approve', 'rating.follow_up', 'insurance.read', 'payment.reconcile', 'payroll.run'],
  administrator: [...STAFF_BASE, 'policy.manage', 'catalogue.manage', 'person.read', 'person.write', 'person.import', 'duplicate.review', 'organisation.read', 'organisation.write', 'user.manage', 'archive.manage', 'archive.dispose', 'seal.manage'],
  auditor: [...STAFF_BASE, 'person.read', 'audit.read', 'audit.verify', 'archive.read', 'case.read', 'supervision.read', 'insurance.read'],
  analyst: [...STAFF_BASE, 'organisation.read'],
};

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const role of roles) for (const p of ROLE_PERMISSIONS[role] ?? []) out.add(p);
  return out;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
