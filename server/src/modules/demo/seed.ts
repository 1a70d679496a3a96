import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/connect.js';
import { appendAudit, SYSTEM_ACTOR } from '../audit/service.js';
import { recordEvent } from '../events/outbox.js';
import { hashPassword } from '../iam/passwords.js';
import { nameToPinyin } from '../masterdata/names.js';
import { TRACKED_FIELDS } from '../masterdata/persons.js';
import { DEMO_STAFF, FIXED_CITIZENS, FIXED_EMPLOYERS, DEMO_PASSWORD, demoUserId, type FixedCitizen } from './accounts.js';
import { ColumnBatch, Pipeline } from './bulk.js';
import { careerFor, employeeSpells, retirementMonth, type Career } from './careers.js';
import { employerCount, generateEmployers, type Employer } from './employers.js';
import { ageAt, drawHousehold, type Member } from './households.js';
import { ResidentIdAllocator } from './identities.js';
import { AS_OF_MONTH, DEMO_AS_OF, monthIndex, RATES, WINDOW_START } from './params.js';
import { OrderedIds, Rng, Weighted } from './random.js';
import { buildCityMap, CITY, DISTRICTS, type CityMap, type Community } from './regions.js';
import { buildServicePoints } from './service-points.js';
import { seedInsuranceHistory, type InsuranceSeedSummary } from './insurance.js';

export { DEMO_ACCOUNTS } from './accounts.js';

export interface SeedOptions {
  persons: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
  /** Load with concurrent statements (PostgreSQL only); default: from LARGE_CITY persons on. */
  parallel?: boolean;
}

export type SeedSummary = {
  seed: number;
  regions: number;
  towns: number;
  communities: number;
  servicePoints: number;
  staff: number;
  citizenAccounts: number;
  persons: number;
  households: number;
  organisations: number;
  ssCards: number;
  insuredStatus: number;
  contributionEntries: number;
  employed: number;
  flexible: number;
  unemployed: number;
  retired: number;
  insurance?: InsuranceSeedSummary;
};

const SOURCE_REF = 'demo-seed';
const LOCAL_AREAS = DISTRICTS.map((d) => d.code);
// Where the city's migrants come from: elsewhere in Shandong mostly, then the north-east and beyond.
const MIGRANT_AREAS = new Weighted(
  ['370202', '370602', '370702', '371302', '370102', '370883', '371402', '372301', '230102', '220102', '210202', '410102', '130102', '320102', '340102', '510104', '420102', '140105', '150102', '620102'],
  [8, 10, 8, 8, 6, 5, 5, 4, 6, 5, 4, 5, 4, 3, 3, 2, 2, 2, 2, 1],
);
const MOBILE_PREFIXES = ['138', '139', '135', '136', '137', '150', '151', '152', '158', '159', '182', '187', '188', '130', '131', '132', '155', '156', '185', '186', '133', '153', '180', '181', '189', '177', '199', '166', '191', '198'];
const CARD_MULTIPLIER = 48_271_009; // coprime with 10^8: card numbers are a permutation of the card index

/**
 * Generates the deterministic demo city (see issue 2): the Weihai map, service points,
 * staff of every staff role, `persons` residents in households with valid resident
 * IDs, employers with valid credit codes, social security cards, and insured status
 * with two years of monthly contributions. The same persons and seed always give the
 * same data (timestamps and the password hash's salt aside).
 *
 * It is a bulk load, not a series of changes: no person.created event per person, one
 * 'demo.seeded' event and one audit entry for the whole city. Up to LARGE_CITY
 * persons everything is one transaction, so a failed run leaves the database as it was.
 */
export async function seedDemoCity(db: Db, opts: SeedOptions): Promise<SeedSummary> {
  const total = opts.persons;
  if (!Number.isInteger(total) || total < FIXED_CITIZENS.length) throw new Error(`the demo city needs at least ${FIXED_CITIZENS.length} persons (got ${total})`);
  if (!Number.isInteger(opts.seed)) throw new Error('the seed must be an integer');
  const existing = await db.selectFrom('persons').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) {
    throw new Error(`the database already holds ${existing.n} persons: the demo city is only generated into an empty database`);
  }
  // argon2 takes ~50 ms: hash the shared demo password once for every demo account.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  if ((opts.parallel ?? total >= LARGE_CITY) && !(await isEmbedded(db))) {
    // A province-sized city on PostgreSQL: one transaction of ~100 M rows on one
    // connection would leave the server's other cores idle, so the batches run a few
    // at a time on the pool, each committed alone. A run that fails half-way leaves
    // a partial city (refused by the next run): drop the database and seed again.
    return new CityWriter(db, opts, passwordHash, new Pipeline(PARALLEL_STATEMENTS)).run();
  }
  return db.transaction().execute((trx) => new CityWriter(trx, opts, passwordHash, null).run());
}

/** From this many persons on, PostgreSQL loads with concurrent statements. */
const LARGE_CITY = 100_000;
const PARALLEL_STATEMENTS = 3;

async function isEmbedded(db: Db): Promise<boolean> {
  const r = await sql<{ v: string }>`select version() as v`.execute(db);
  return /PGlite|emscripten/i.test(r.rows[0]?.v ?? '');
}

class CityWriter {
  private readonly map: CityMap = buildCityMap();
  private readonly rng: Rng;
  private readonly ids: OrderedIds;
  private readonly careerRng: Rng;
  private readonly allocator: ResidentIdAllocator;
  private readonly summary: SeedSummary;
  private readonly pinyinCache = new Map<string, { full: string; initials: string }>();
  private cardIndex = 0;
  private readonly cardOffset: number;
  private readonly b: ReturnType<CityWriter['batches']>;

  constructor(
    private readonly db: Db,
    private readonly opts: SeedOptions,
    private readonly passwordHash: string,
    private readonly pipeline: Pipeline | null,
  ) {
    this.rng = new Rng(opts.seed, 1);
    this.ids = new OrderedIds(new Rng(opts.seed, 2), Date.parse(`${DEMO_AS_OF}T00:00:00Z`));
    this.careerRng = new Rng(opts.seed, 3);
    this.cardOffset = new Rng(opts.seed, 4).int(0, 99_999_999);
    this.allocator = new ResidentIdAllocator([...LOCAL_AREAS, ...MIGRANT_AREAS.items], opts.seed, new Set(FIXED_CITIZENS.map((c) => c.residentId)));
    this.summary = {
      seed: opts.seed,
      regions: 0,
      towns: this.map.towns.length,
      communities: this.map.communities.length,
      servicePoints: 0,
      staff: 0,
      citizenAccounts: 0,
      persons: 0,
      households: 0,
      organisations: 0,
      ssCards: 0,
      insuredStatus: 0,
      contributionEntries: 0,
      employed: 0,
      flexible: 0,
      unemployed: 0,
      retired: 0,
    };
    this.b = this.batches();
  }

  private batches() {
    const db = this.db;
    const pipeline = this.pipeline ?? undefined;
    return {
      persons: new ColumnBatch(db, 'persons', [
        ['person_id', 'uuid'], ['resident_id', 'text'], ['name', 'text'], ['name_pinyin', 'text'], ['name_initials', 'text'], ['birth_date', 'date'], ['sex', 'text'],
        ['id_area_code', 'text'], ['region_code', 'text'], ['phone', 'text'], ['address', 'text'], ['household_id', 'uuid'], ['household_relation', 'text'],
      ], { pipeline }),
      history: new ColumnBatch(db, 'person_field_history', [['person_id', 'uuid'], ['field', 'text'], ['value', 'text'], ['source_kind', 'text'], ['source_ref', 'text']], { limit: 6000, pipeline }),
      households: new ColumnBatch(db, 'households', [['household_id', 'uuid'], ['head_person_id', 'uuid'], ['address', 'text'], ['region_code', 'text']], { pipeline }),
      cards: new ColumnBatch(db, 'ss_cards', [['card_no', 'text'], ['person_id', 'uuid'], ['status', 'text'], ['issued_at', 'date']], { pipeline }),
      statuses: new ColumnBatch(db, 'insured_status', [['person_id', 'uuid'], ['insurance_type', 'text'], ['status', 'text'], ['since', 'date'], ['prior_months', 'int4']], { pipeline }),
      entries: new ColumnBatch(
        db,
        'contribution_entries',
        [['person_id', 'uuid'], ['org_id', 'uuid'], ['first_m', 'int4'], ['last_m', 'int4'], ['b0', 'int8'], ['b1', 'int8'], ['b2', 'int8'], ['wi_bp', 'int4'], ['flexible', 'bool'], ['unpaid_from', 'int4']],
        { limit: 2000, statement: expandSpellsSql, pipeline },
      ),
    };
  }

  async run(): Promise<SeedSummary> {
    await this.writeAgencies();
    const employers = await this.writeEmployers();
    await this.writeFixedCitizens(employers.fixed);
    await this.writeResidents(employers);
    for (const batch of Object.values(this.b)) await batch.flush();
    await this.pipeline?.drain();
    this.summary.persons = this.b.persons.inserted;
    this.summary.households = this.b.households.inserted;
    this.summary.ssCards = this.b.cards.inserted;
    this.summary.insuredStatus = this.b.statuses.inserted;
    this.summary.contributionEntries = this.b.entries.inserted;
    // Several years of the contributory core on top of the monthly entries: employers,
    // enrolments, declarations, bills, payments (some late, some in arrears), personal
    // accounts with interest, pensions and unemployment benefits (demo/insurance.ts).
    this.summary.insurance = await seedInsuranceHistory(this.db);
    const finish = async (trx: Db) => {
      await recordEvent(trx, { type: 'demo.seeded', aggregateType: 'demo_city', aggregateId: CITY.code, payload: { ...this.summary } });
      await appendAudit(trx, SYSTEM_ACTOR, { action: 'demo.seed', objectType: 'demo_city', objectId: CITY.code, after: { ...this.summary } });
    };
    // this.db is already the transaction unless the load ran in parallel.
    if (this.pipeline) await this.db.transaction().execute(finish);
    else await finish(this.db);
    this.opts.onProgress?.(this.summary.persons, this.opts.persons);
    return this.summary;
  }

  /** Regions, service points and staff: kept if already there (an agency table may be loaded first). */
  private async writeAgencies(): Promise<void> {
    const regions = new ColumnBatch(this.db, 'regions', [['code', 'text'], ['name', 'text'], ['name_en', 'text'], ['level', 'int2'], ['parent_code', 'text']], { limit: 5000, onConflictDoNothing: true });
    for (const r of this.map.rows) await regions.add(r.code, r.name, r.name_en, r.level, r.parent_code);
    await regions.flush();
    this.summary.regions = this.map.rows.length;

    const points = new ColumnBatch(this.db, 'service_points', [['id', 'text'], ['name', 'text'], ['kind', 'text'], ['region_code', 'text'], ['address', 'text']], { limit: 5000, onConflictDoNothing: true });
    const list = buildServicePoints(this.map);
    for (const p of list) await points.add(p.id, p.name, p.kind, p.region_code, p.address);
    await points.flush();
    this.summary.servicePoints = list.length;

    const account = { password_hash: this.passwordHash, totp_secret: null, org_id: null };
    await this.db
      .insertInto('users')
      .values([
        ...DEMO_STAFF.map((s) => ({ ...account, user_id: demoUserId(s.username), kind: 'staff' as const, username: s.username, person_id: null, display_name: s.displayName, roles: [s.role], service_point_id: s.servicePointId, scope_region: s.scope })),
        ...FIXED_CITIZENS.map((c) => ({ ...account, user_id: demoUserId(c.residentId), kind: 'citizen' as const, username: null, person_id: c.personId, display_name: c.name, roles: ['citizen' as const], service_point_id: null, scope_region: null })),
      ])
      .onConflict((oc) => oc.doNothing())
      .execute();
    this.summary.staff = DEMO_STAFF.length;
    this.summary.citizenAccounts = FIXED_CITIZENS.length;
  }

  private async writeEmployers() {
    const generated = generateEmployers(employerCount(this.opts.persons), this.opts.seed, this.map);
    const district = (code: string) => DISTRICTS.findIndex((d) => code.startsWith(d.code));
    const fixed = Object.fromEntries(
      Object.entries(FIXED_EMPLOYERS).map(([k, f]) => [
        k,
        { ...f, orgType: 'enterprise', districtIndex: district(f.regionCode), size: 3, workInjuryBp: 70, arrearsMonths: 0 } satisfies Employer,
      ]),
    ) as Record<keyof typeof FIXED_EMPLOYERS, Employer>;
    const all = [...Object.values(fixed), ...generated];
    const orgs = new ColumnBatch(this.db, 'organisations', [['org_id', 'uuid'], ['credit_code', 'text'], ['name', 'text'], ['org_type', 'text'], ['industry_code', 'text'], ['region_code', 'text']]);
    for (const e of all) await orgs.add(e.orgId, e.creditCode, e.name, e.orgType, e.industryCode, e.regionCode);
    await orgs.flush();
    this.summary.organisations = all.length;
    const byDistrict = DISTRICTS.map((_, d) => all.filter((e) => e.districtIndex === d));
    const local = byDistrict.map((list) => (list.length ? new Weighted(list, list.map((e) => e.size)) : null));
    const anywhere = new Weighted(all, all.map((e) => e.size));
    // Most people work in the district they live in.
    const pick = (districtIndex: number): Employer => {
      const w = local[districtIndex];
      return w && this.careerRng.chance(0.8) ? w.draw(this.careerRng) : anywhere.draw(this.careerRng);
    };
    return { fixed, pick };
  }

  private pinyin(name: string) {
    let py = this.pinyinCache.get(name);
    if (!py) {
      if (this.pinyinCache.size > 200_000) this.pinyinCache.clear();
      py = nameToPinyin(name);
      this.pinyinCache.set(name, py);
    }
    return py;
  }

  private async writePerson(p: {
    personId: string;
    residentId: string;
    name: string;
    birthDate: string;
    sex: 'M' | 'F';
    regionCode: string;
    phone: string | null;
    address: string;
    householdId: string;
    relation: string;
  }): Promise<void> {
    const py = this.pinyin(p.name);
    await this.b.persons.add(p.personId, p.residentId, p.name, py.full, py.initials, p.birthDate, p.sex, p.residentId.slice(0, 6), p.regionCode, p.phone, p.address, p.householdId, p.relation);
    const tracked: Record<(typeof TRACKED_FIELDS)[number], string | null> = {
      name: p.name,
      phone: p.phone,
      address: p.address,
      region_code: p.regionCode,
      household_id: p.householdId,
      household_relation: p.relation,
    };
    for (const f of TRACKED_FIELDS) await this.b.history.add(p.personId, f, tracked[f], 'system', SOURCE_REF);
  }

  private async writeCareer(personId: string, career: Career): Promise<void> {
    for (const s of career.statuses) await this.b.statuses.add(personId, s.insurance_type, s.status, s.since, s.prior_months);
    for (const p of career.spells) await this.b.entries.add(personId, p.orgId, p.first, p.last, p.bases[0], p.bases[1], p.bases[2], p.workInjuryBp, p.flexible, p.unpaidFrom);
    if (career.occupation === 'employed') this.summary.employed++;
    else if (career.occupation === 'flexible') this.summary.flexible++;
    else if (career.occupation === 'unemployed') this.summary.unemployed++;
    else if (career.occupation === 'retired') this.summary.retired++;
  }

  private cardNo(letter: string): string {
    const n = (this.cardIndex++ * CARD_MULTIPLIER + this.cardOffset) % 100_000_000;
    return letter + String(n).padStart(8, '0');
  }

  private async writeCards(personId: string, birthDate: string, age: number, letter: string): Promise<void> {
    const rng = this.rng;
    if (!rng.chance(age >= 16 ? 0.93 : 0.6)) return;
    const from = Math.max(Date.parse(`${birthDate}T00:00:00Z`), Date.UTC(2012, 0, 1));
    const to = Date.parse(`${DEMO_AS_OF}T00:00:00Z`) - 86_400_000;
    const day = (a: number, b: number) => new Date(a + Math.floor(rng.next() * ((b - a) / 86_400_000 + 1)) * 86_400_000).toISOString().slice(0, 10);
    const issued = day(from, to);
    const r = rng.next();
    if (r < 0.04) {
      // Lost or worn out, replaced by a new card.
      const reissued = day(Date.parse(`${issued}T00:00:00Z`), to);
      await this.b.cards.add(this.cardNo(letter), personId, 'replaced', issued);
      await this.b.cards.add(this.cardNo(letter), personId, 'active', reissued);
    } else {
      await this.b.cards.add(this.cardNo(letter), personId, r < 0.05 ? 'lost' : 'active', issued);
    }
  }

  private phone(age: number): string | null {
    const rng = this.rng;
    if (age < 16 || !rng.chance(age < 70 ? 0.96 : age < 80 ? 0.8 : 0.5)) return null;
    return rng.pick(MOBILE_PREFIXES) + String(rng.int(0, 99_999_999)).padStart(8, '0');
  }

  private address(community: Community): string {
    const rng = this.rng;
    const town = community.town;
    const d = town.district;
    if (town.urban) {
      return `${d.addressPrefix}${rng.pick(d.roads)}${rng.int(1, 300)}号${rng.int(1, 30)}号楼${rng.int(1, 4)}单元${rng.int(1, 18)}0${rng.int(1, 4)}室`;
    }
    return `${d.addressPrefix}${town.name}${community.name}${rng.int(1, 400)}号`;
  }

  private async writeFixedCitizens(fixed: Record<keyof typeof FIXED_EMPLOYERS, Employer>): Promise<void> {
    const lastMonth = AS_OF_MONTH - 1;
    for (const [i, c] of FIXED_CITIZENS.entries()) {
      const householdId = `0b6f5c1e-2d3a-4b5c-9d6e-1000000000${String(i + 1).padStart(2, '0')}`;
      const birthDate = `${c.residentId.slice(6, 10)}-${c.residentId.slice(10, 12)}-${c.residentId.slice(12, 14)}`;
      const sex = Number(c.residentId[16]) % 2 === 1 ? 'M' : 'F';
      await this.writePerson({ ...c, birthDate, sex, householdId, relation: '户主' });
      await this.b.households.add(householdId, c.personId, c.address, c.regionCode);
      await this.b.cards.add(`T${c.residentId.slice(8, 10)}${String(i + 1).padStart(6, '0')}`, c.personId, 'active', '2015-06-18');
      await this.writeCareer(c.personId, fixedCareer(c, fixed, lastMonth));
    }
  }

  private async writeResidents(employers: { pick: (districtIndex: number) => Employer }): Promise<void> {
    const rng = this.rng;
    const total = this.opts.persons;
    const districtPick = new Weighted(
      DISTRICTS.map((_, i) => i),
      DISTRICTS.map((d) => d.population),
    );
    const townPick = DISTRICTS.map((d) => {
      const towns = this.map.towns.filter((t) => t.district.code === d.code);
      // Urban streets are denser than rural towns.
      return new Weighted(towns, towns.map((t) => this.map.communitiesOf.get(t.code)!.length * (t.urban ? 1.8 : 1)));
    });
    let done = FIXED_CITIZENS.length;
    let reported = 0;
    while (done < total) {
      const members = drawHousehold(rng).slice(0, total - done);
      const d = districtPick.draw(rng);
      const district = DISTRICTS[d]!;
      const town = townPick[d]!.draw(rng);
      const community = rng.pick(this.map.communitiesOf.get(town.code)!);
      const address = this.address(community);
      const householdId = this.ids.next();
      const migrant = rng.chance(0.1) ? MIGRANT_AREAS.draw(rng) : null;
      // Long-settled families may have been registered in another Weihai district.
      const origin = migrant ?? (rng.chance(0.08) ? rng.pick(LOCAL_AREAS) : district.code);
      let headId = '';
      for (const m of members) {
        const personId = this.ids.next();
        if (!headId) headId = personId;
        const area = areaFor(m, origin, district.code, migrant);
        const { residentId, birthDate } = this.allocator.allocate(area, m.birthDate, m.sex);
        const age = ageAt(birthDate);
        await this.writePerson({ personId, residentId, name: m.name, birthDate, sex: m.sex, regionCode: community.code, phone: this.phone(age), address, householdId, relation: m.relation });
        await this.writeCards(personId, birthDate, age, district.cardLetter);
        await this.writeCareer(personId, careerFor({ birthDate, sex: m.sex, age, rng: this.careerRng, pickEmployer: () => employers.pick(d) }));
        done++;
      }
      await this.b.households.add(householdId, headId, address, community.code);
      if (done - reported >= 1000 || done === total) {
        reported = done;
        this.opts.onProgress?.(done, total);
      }
    }
  }
}

const WINDOW_YEAR = Math.floor(WINDOW_START / 12);

/**
 * Expands contribution spells into monthly entries inside the database: the same
 * rule as expandSpell in careers.ts (rates in basis points, amounts rounded half up
 * by integer arithmetic), with a fraction of the rows crossing the wire.
 */
function expandSpellsSql(source: RawBuilder<unknown>): RawBuilder<unknown> {
  const r = RATES;
  // bill_id: the employer's (or flexible worker's) bill of the month, the same id
  // demo/insurance.ts gives the bill (see demoBillId there).
  return sql`insert into contribution_entries (person_id, insurance_type, month, org_id, base_fen, employer_fen, employee_fen, paid, bill_id)
    select s.person_id, r.t, mo.month, s.org_id, b.base,
      (b.base * r.er + 5000) / 10000, (b.base * r.ee + 5000) / 10000, m < s.unpaid_from,
      md5(case when s.flexible then 'F' || s.person_id::text else 'B' || s.org_id::text end || mo.month)::uuid
    from ${source}
    cross join lateral generate_series(s.first_m, s.last_m) as m
    cross join lateral (select to_char(make_date(m / 12, m % 12 + 1, 1), 'YYYY-MM') as month) as mo
    cross join lateral (select case least(2, m / 12 - ${sql.lit(WINDOW_YEAR)}) when 0 then s.b0 when 1 then s.b1 else s.b2 end as base) as b
    cross join lateral (values
      ('pension_employee', case when s.flexible then ${sql.lit(r.pension_flexible.employer)} else ${sql.lit(r.pension_employee.employer)} end,
        case when s.flexible then ${sql.lit(r.pension_flexible.employee)} else ${sql.lit(r.pension_employee.employee)} end),
      ('unemployment', ${sql.lit(r.unemployment.employer)}, ${sql.lit(r.unemployment.employee)}),
      ('work_injury', s.wi_bp, 0),
      ('medical_employee', ${sql.lit(r.medical_employee.employer)}, ${sql.lit(r.medical_employee.employee)})
    ) as r(t, er, ee)
    where not s.flexible or r.t = 'pension_employee'`;
}

/** Children of migrants born after the move are registered where they were born. */
function areaFor(m: Member, origin: string, district: string, migrant: string | null): string {
  if (migrant && m.relation === '子女' && ageAt(m.birthDate) < 15) return district;
  return origin;
}

/** The fixed citizens' histories: a man in work, a retired woman, a young woman who lost her job. */
function fixedCareer(c: FixedCitizen, fixed: Record<keyof typeof FIXED_EMPLOYERS, Employer>, lastMonth: number): Career {
  const types = ['pension_employee', 'unemployment', 'work_injury', 'medical_employee'] as const;
  if (c.story === 'working') {
    const start = monthIndex('2008-07');
    return {
      occupation: 'employed',
      statuses: types.map((t) => ({ insurance_type: t, status: 'active' as const, since: '2008-07-01', prior_months: t === 'work_injury' ? 0 : WINDOW_START - start })),
      spells: employeeSpells(WINDOW_START, lastMonth, 1.4, fixed.tongda, null, WINDOW_START),
    };
  }
  if (c.story === 'retired') {
    const retired = retirementMonth('1962-03-08', 'F', false);
    return {
      occupation: 'retired',
      statuses: [{ insurance_type: 'pension_employee', status: 'retired', since: `${String(Math.floor(retired / 12))}-${String((retired % 12) + 1).padStart(2, '0')}-01`, prior_months: 372 }],
      spells: [],
    };
  }
  const start = monthIndex('2022-07');
  const stop = monthIndex('2026-05');
  return {
    occupation: 'unemployed',
    statuses: types.map((t) => ({ insurance_type: t, status: 'stopped' as const, since: '2026-06-01', prior_months: t === 'work_injury' ? 0 : WINDOW_START - start })),
    spells: employeeSpells(WINDOW_START, stop, 0.6, fixed.haizhiyuan, null, WINDOW_START),
  };
}
