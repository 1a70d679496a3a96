import type { Me } from './api';

/** One entry of the role-aware navigation: shown when the user holds one of `roles`. */
export interface NavEntry {
  path: string;
  /** i18n key under nav.* */
  label: string;
  roles: readonly string[];
  /** Also highlighted for these path prefixes. */
  match?: string[];
}

const STAFF_FRONT = ['teller', 'administrator'];
export const NAV: readonly NavEntry[] = [
  // Portal (citizens)
  { path: '/me', label: 'myRecord', roles: ['citizen'] },
  { path: '/me/services', label: 'services', roles: ['citizen'], match: ['/me/apply'] },
  { path: '/me/cases', label: 'myCases', roles: ['citizen'] },
  { path: '/me/contributions', label: 'contributions', roles: ['citizen'] },
  { path: '/me/documents', label: 'documents', roles: ['citizen'] },
  // Employer portal
  { path: '/employer', label: 'employer', roles: ['employer_agent'] },
  // Universal teller workbench
  { path: '/staff/search', label: 'workbench', roles: STAFF_FRONT, match: ['/staff/persons'] },
  // Back office
  { path: '/backoffice', label: 'backoffice', roles: ['reviewer', 'approver', 'teller'] },
  // Supervision
  { path: '/supervision', label: 'supervision', roles: ['supervisor', 'auditor', 'analyst'] },
  // Administration
  { path: '/admin/items', label: 'adminItems', roles: ['administrator'] },
  { path: '/admin/parameters', label: 'adminParameters', roles: ['administrator'] },
  { path: '/admin/calendars', label: 'adminCalendars', roles: ['administrator'] },
  { path: '/admin/service-points', label: 'adminServicePoints', roles: ['administrator'] },
  { path: '/admin/users', label: 'adminUsers', roles: ['administrator'] },
];

export function navFor(me: Me): NavEntry[] {
  return NAV.filter((n) => n.roles.some((r) => me.roles.includes(r)) || (n.roles.includes('citizen') && me.kind === 'citizen' && me.roles.length === 0));
}

export function isActive(entry: NavEntry, pathname: string): boolean {
  if (pathname === entry.path) return true;
  // '/me' is the prefix of every portal page: only exact.
  if (entry.path !== '/me' && pathname.startsWith(entry.path + '/')) return true;
  return (entry.match ?? []).some((m) => pathname.startsWith(m));
}
