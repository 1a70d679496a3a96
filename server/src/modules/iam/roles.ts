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
  'user.manage',
  'rights.read', // a person's insured status and contributions
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const STAFF_BASE: Permission[] = ['agency.read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  // Regions and service points are public information: everyone signed in may read them.
  citizen: ['self.read', 'agency.read'],
  employer_agent: ['self.read', 'agency.read', 'organisation.read'],
  teller: [...STAFF_BASE, 'person.read', 'person.unmask', 'person.write', 'organisation.read', 'rights.read'],
  reviewer: [...STAFF_BASE, 'person.read', 'person.unmask', 'organisation.read', 'rights.read', 'duplicate.review'],
  approver: [...STAFF_BASE, 'person.read', 'person.unmask', 'organisation.read', 'rights.read'],
  supervisor: [...STAFF_BASE, 'person.read', 'organisation.read', 'rights.read', 'audit.read'],
  administrator: [...STAFF_BASE, 'person.read', 'person.write', 'person.import', 'duplicate.review', 'organisation.read', 'organisation.write', 'user.manage'],
  auditor: [...STAFF_BASE, 'person.read', 'audit.read', 'audit.verify'],
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
