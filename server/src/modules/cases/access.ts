/**
 * Who may act for whom, and who may see which case. The one reviewed place for the
 * universal teller's exception (通办): a teller at a service point may serve a person from
 * another district after checking the person's ID card at the counter.
 * WARNING: every case read goes through assertCanSeeCase; bypassing it leaks applications.
 */
import type { Db } from '../../db/connect.js';
import type { Principal } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { maskResidentId } from '../../lib/mask.js';
import { uuid7 } from '../../lib/uuid7.js';
import { appendAudit, type Actor } from '../audit/service.js';
import { findPersonByResidentId, getPerson, type PersonRow } from '../masterdata/persons.js';
import { getOrganisation } from '../masterdata/organisations.js';
import { parseResidentId } from '../masterdata/identity/resident-id.js';
import { assertCanSeePerson } from '../masterdata/visibility.js';
import { canWorkTask, type CaseRow, type Staff } from './engine.js';
import type { Applicant } from './wizard.js';

/** How long a counter grant lasts: one visit, not a standing permission. */
export const COUNTER_GRANT_MS = 4 * 60 * 60 * 1000;

export function staffOf(p: Principal): Staff {
  return { userId: p.userId, roles: p.roles, scopeRegion: p.scopeRegion };
}

async function hasCounterGrant(db: Db, p: Principal, personId: string, now = new Date()): Promise<boolean> {
  const g = await db.selectFrom('counter_grants').select('id').where('user_id', '=', p.userId).where('person_id', '=', personId).where('expires_at', '>', now).limit(1).executeTakeFirst();
  return !!g;
}

/**
 * The universal teller identifies a person at the counter by the resident ID on the ID
 * card (exact number only: no search across districts), with a reason. Grants this
 * teller, at this service point, access to the person for COUNTER_GRANT_MS; audited.
 */
export async function identifyAtCounter(db: Db, p: Principal, actor: Actor, input: { residentId: string; reason: string }): Promise<{ person: PersonRow; expiresAt: Date; outOfRegion: boolean }> {
  if (p.kind !== 'staff' || !p.servicePointId) throw new AppError('FORBIDDEN', { detail: 'only staff at a service point can identify a person at the counter' });
  const parsed = parseResidentId(input.residentId);
  if (!parsed.ok) throw new AppError('INVALID_RESIDENT_ID');
  const person = await findPersonByResidentId(db, parsed.value.id);
  if (!person) throw new AppError('NOT_FOUND');
  const outOfRegion = !p.scopeRegion || !person.region_code.startsWith(p.scopeRegion);
  const expiresAt = new Date(Date.now() + COUNTER_GRANT_MS);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('counter_grants').values({ id: uuid7(), user_id: p.userId, person_id: person.person_id, service_point_id: p.servicePointId!, reason: input.reason, expires_at: expiresAt }).execute();
    await appendAudit(trx, actor, {
      action: 'counter.identified',
      objectType: 'person',
      objectId: person.person_id,
      after: { residentId: maskResidentId(person.resident_id), personRegion: person.region_code, outOfRegion, servicePointId: p.servicePointId, reason: input.reason, expiresAt: expiresAt.toISOString() },
    });
  });
  return { person, expiresAt, outOfRegion };
}

/** May this staff member serve this person (their region, or a counter grant)? Throws like assertCanSeePerson. */
export async function assertCanServePerson(db: Db, p: Principal, person: PersonRow): Promise<void> {
  try {
    assertCanSeePerson(p, person);
  } catch (e) {
    if (p.kind === 'staff' && e instanceof AppError && e.code === 'OUT_OF_SCOPE' && (await hasCounterGrant(db, p, person.person_id))) return;
    throw e;
  }
}

/** Who the application is for: a citizen themselves, an employer agent's organisation, or a person a teller serves. */
export async function resolveApplicant(db: Db, p: Principal, applicantId: string | undefined): Promise<Applicant> {
  if (p.kind === 'citizen') {
    if (p.orgId && p.roles.includes('employer_agent') && (!applicantId || applicantId === p.orgId)) {
      const org = await getOrganisation(db, p.orgId);
      if (!org) throw new AppError('NOT_FOUND');
      return { kind: 'organisation', personId: null, orgId: org.orgId, name: org.name, regionCode: org.regionCode };
    }
    // A citizen applies for themselves; anyone else's id looks like a missing record.
    if (!p.personId || (applicantId && applicantId !== p.personId)) throw new AppError('NOT_FOUND');
    const person = await getPerson(db, p.personId);
    if (!person) throw new AppError('NOT_FOUND');
    return { kind: 'person', personId: person.person_id, orgId: null, name: person.name, regionCode: person.region_code, person };
  }
  if (!applicantId) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body/applicantId', reason: 'staff apply on behalf of a person: applicantId is required', code: 'required' }] });
  const person = await getPerson(db, applicantId);
  if (person) {
    await assertCanServePerson(db, p, person);
    return { kind: 'person', personId: person.person_id, orgId: null, name: person.name, regionCode: person.region_code, person };
  }
  const org = await getOrganisation(db, applicantId);
  if (!org) throw new AppError('NOT_FOUND');
  if (!p.scopeRegion || !org.regionCode.startsWith(p.scopeRegion)) throw new AppError('OUT_OF_SCOPE');
  return { kind: 'organisation', personId: null, orgId: org.orgId, name: org.name, regionCode: org.regionCode };
}

/**
 * A citizen sees their own cases; an employer agent their organisation's; staff the cases
 * of applicants in their region, cases with a task in their role and scope, cases they
 * submitted, and cases of a person they hold a counter grant for. Anything else is NOT_FOUND,
 * never a hint that it exists.
 */
export async function assertCanSeeCase(db: Db, p: Principal, c: CaseRow): Promise<void> {
  if (p.kind === 'citizen') {
    if ((c.person_id && c.person_id === p.personId) || (c.org_id && c.org_id === p.orgId)) return;
    throw new AppError('NOT_FOUND');
  }
  if (!p.permissions.has('case.read')) throw new AppError('NOT_FOUND');
  if (p.scopeRegion && c.region_code.startsWith(p.scopeRegion)) return;
  if (c.submitted_by === p.userId) return;
  const staff = staffOf(p);
  const tasks = await db.selectFrom('tasks').select(['role', 'scope', 'region_code']).where('case_id', '=', c.id).execute();
  if (tasks.some((t) => canWorkTask(staff, t))) return;
  if (c.person_id && (await hasCounterGrant(db, p, c.person_id))) return;
  throw new AppError('NOT_FOUND');
}
