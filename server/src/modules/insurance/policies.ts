import type { Principal } from '../../http/context.js';
import { AppError } from '../../http/errors.js';

/**
 * Who may act on an insured employer's records — the one reviewed rule for this module:
 * - an employer agent only for the organisation their account belongs to (any other
 *   looks exactly like a missing employer);
 * - staff with insurance.read (to read) or insurance.write (to change) for employers
 *   registered inside their region scope;
 * - nobody else.
 * WARNING: every route that takes an orgId goes through here.
 */
export function assertCanActForEmployer(principal: Principal, org: { org_id: string; region_code: string }, intent: 'read' | 'write'): void {
  if (principal.permissions.has('employer.self') && principal.orgId) {
    if (principal.orgId !== org.org_id) throw new AppError('NOT_FOUND');
    return;
  }
  if (principal.kind !== 'staff') throw new AppError('NOT_FOUND');
  if (!principal.permissions.has(intent === 'read' ? 'insurance.read' : 'insurance.write')) throw new AppError('FORBIDDEN');
  if (!principal.scopeRegion || !org.region_code.startsWith(principal.scopeRegion)) throw new AppError('OUT_OF_SCOPE');
}
