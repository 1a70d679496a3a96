import type { Principal } from '../../http/context.js';
import { AppError } from '../../http/errors.js';

/**
 * The one reviewed rule of who may see a person's record:
 * - a citizen sees only their own (anyone else's looks exactly like a missing record);
 * - staff see persons living inside their region scope;
 * - nobody else.
 * WARNING: every read of person data goes through here; bypassing it leaks data.
 */
export function assertCanSeePerson(principal: Principal, person: { person_id: string; region_code: string }): void {
  if (principal.kind === 'citizen') {
    if (principal.personId !== person.person_id) throw new AppError('NOT_FOUND');
    return;
  }
  if (principal.kind !== 'staff' || !principal.permissions.has('person.read')) throw new AppError('FORBIDDEN');
  if (!principal.scopeRegion || !person.region_code.startsWith(principal.scopeRegion)) throw new AppError('OUT_OF_SCOPE');
}

/**
 * Who may see an organisation's records (its documents, bills): its own employer agent
 * (any other organisation looks missing), staff with organisation.read inside their region.
 */
export function assertCanSeeOrganisation(principal: Principal, org: { orgId: string; regionCode: string }): void {
  if (principal.kind === 'citizen') {
    if (!principal.orgId || principal.orgId !== org.orgId) throw new AppError('NOT_FOUND');
    return;
  }
  if (principal.kind !== 'staff' || !principal.permissions.has('organisation.read')) throw new AppError('FORBIDDEN');
  if (!principal.scopeRegion || !org.regionCode.startsWith(principal.scopeRegion)) throw new AppError('OUT_OF_SCOPE');
}

/** SQL-side filter for lists: the same rule as assertCanSeePerson, as a region prefix. Null = nothing visible. */
export function regionPrefixFor(principal: Principal): string | null {
  if (principal.kind !== 'staff') return null;
  return principal.scopeRegion;
}
