import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCreditCode } from '../masterdata/identity/credit-code.js';
import { parseResidentId } from '../masterdata/identity/resident-id.js';
import { DEMO_ACCOUNTS, FIXED_CITIZENS } from './accounts.js';
import { employeeSpells, expandSpell, retirementMonth } from './careers.js';
import { employerCount, generateEmployers, type Employer } from './employers.js';
import { ageAt, drawHousehold } from './households.js';
import { ResidentIdAllocator } from './identities.js';
import { AS_OF_MONTH, contributionFen, monthIndex, monthOf, WINDOW_START } from './params.js';
import { OrderedIds, Rng } from './random.js';
import { buildCityMap, COMMUNITY_TOTAL, TOWN_TOTAL } from './regions.js';

test('the seeded generator repeats itself for a seed and differs between seeds; ids are v4 UUIDs', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const seqA = Array.from({ length: 20 }, () => a.u32());
  assert.deepEqual(seqA, Array.from({ length: 20 }, () => b.u32()));
  assert.notDeepEqual(seqA, Array.from({ length: 20 }, () => c.u32()));
  for (let i = 0; i < 200; i++) assert.match(a.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // Bulk-loaded keys grow in load order (index-friendly) and are still unique UUIDs.
  const ordered = new OrderedIds(new Rng(1), Date.UTC(2026, 10, 1));
  const keys = Array.from({ length: 300 }, () => ordered.next());
  for (const k of keys) assert.match(k, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual([...keys].sort(), keys);
  assert.equal(new Set(keys).size, keys.length);
});

test('the city map has 73 towns and 1,058 communities under them, with GB/T 2260-shaped codes, the same every time', () => {
  const map = buildCityMap();
  assert.equal(map.towns.length, TOWN_TOTAL);
  assert.equal(map.communities.length, COMMUNITY_TOTAL);
  assert.equal(new Set(map.rows.map((r) => r.code)).size, map.rows.length, 'codes are unique');
  for (const t of map.towns) assert.match(t.code, /^37(1002|1003|1082|1083)[0-9]{3}$/);
  for (const c of map.communities) {
    assert.match(c.code, /^[0-9]{12}$/);
    assert.ok(c.code.startsWith(c.town.code));
  }
  for (const t of map.towns) assert.ok(map.communitiesOf.get(t.code)!.length >= 5, `${t.name} has communities`);
  assert.equal(map.towns.find((t) => t.code === '371002001')?.name, '环翠楼街道');
  assert.deepEqual(buildCityMap().rows, map.rows);
});

test('resident IDs handed out are unique, valid and carry the sex in the order code, even for one crowded birthday', () => {
  const alloc = new ResidentIdAllocator(['371002'], 1, new Set());
  const seen = new Set<string>();
  for (let i = 0; i < 1200; i++) {
    const sex = i % 2 === 0 ? 'M' : 'F';
    const { residentId, birthDate } = alloc.allocate('371002', '1990-05-01', sex);
    assert.ok(!seen.has(residentId), `duplicate ${residentId}`);
    seen.add(residentId);
    const parsed = parseResidentId(residentId);
    assert.ok(parsed.ok, residentId);
    assert.equal(parsed.value.sex, sex);
    assert.equal(parsed.value.birthDate, birthDate);
  }
  // 600 men cannot all share one day (500 odd order codes): the rest move to the next day.
  assert.ok([...seen].some((id) => id.slice(6, 14) === '19900502'));
});

test('a reserved resident ID (a fixed demo citizen) is never handed out again', () => {
  const fixed = FIXED_CITIZENS[0]!.residentId;
  const alloc = new ResidentIdAllocator(['371002'], 5, new Set([fixed]));
  const birth = `${fixed.slice(6, 10)}-${fixed.slice(10, 12)}-${fixed.slice(12, 14)}`;
  for (let i = 0; i < 500; i++) assert.notEqual(alloc.allocate('371002', birth, 'M').residentId, fixed);
});

test('the demo accounts name a valid ID for each fixed citizen and staff for every staff role', () => {
  for (const c of DEMO_ACCOUNTS.citizens) assert.ok(parseResidentId(c.residentId).ok, c.residentId);
  const roles = new Set(DEMO_ACCOUNTS.staff.map((s) => s.role));
  for (const r of ['teller', 'reviewer', 'approver', 'supervisor', 'administrator', 'auditor', 'analyst']) assert.ok(roles.has(r), r);
  assert.equal(DEMO_ACCOUNTS.password, 'Tongban#2026');
});

test('employers have valid, unique credit codes naming a Weihai district, and unique names', () => {
  const list = generateEmployers(employerCount(40_000), 9, buildCityMap());
  assert.equal(list.length, 620);
  for (const e of list) {
    const parsed = parseCreditCode(e.creditCode);
    assert.ok(parsed.ok, e.creditCode);
    assert.match(parsed.value.area, /^37(1002|1003|1082|1083)$/);
    assert.ok(e.regionCode.startsWith(parsed.value.area));
  }
  assert.equal(new Set(list.map((e) => e.creditCode)).size, list.length);
  assert.equal(new Set(list.map((e) => e.name)).size, list.length);
  assert.ok(list.some((e) => e.orgType === 'public_institution' && e.creditCode.startsWith('12')));
  assert.ok(list.some((e) => /水产|机械/.test(e.name)));
});

test('households have one head, 1 to 5 members, and the city ages like a Chinese coastal city in 2026', () => {
  const rng = new Rng(2026);
  const bands = new Map<string, number>();
  let n = 0;
  let old = 0;
  let compound = 0;
  while (n < 30_000) {
    const h = drawHousehold(rng);
    assert.ok(h.length >= 1 && h.length <= 5);
    assert.equal(h.filter((m) => m.relation === '户主').length, 1);
    for (const m of h) {
      const age = ageAt(m.birthDate);
      assert.ok(age >= 0 && age <= 100, `${age}`);
      const band = age < 18 ? 'child' : age < 35 ? 'young' : age < 60 ? 'middle' : 'old';
      bands.set(band, (bands.get(band) ?? 0) + 1);
      if (age >= 60) old++;
      if (/^(欧阳|司马|上官|诸葛|东方|公孙|慕容|令狐)/.test(m.name)) compound++;
      assert.ok(m.name.length >= 2 && m.name.length <= 4, m.name);
      n++;
    }
  }
  assert.ok(old / n > 0.15 && old / n < 0.28, `share aged 60+: ${old / n}`);
  // The bulge: 35–59 is the largest group.
  const middle = bands.get('middle')!;
  for (const [band, count] of bands) if (band !== 'middle') assert.ok(middle > count, band);
  assert.ok(compound > 0, 'compound surnames occur');
});

test('retirement ages follow the 2025 reform: later by a month per 4 (or 2) months of birth', () => {
  assert.equal(monthOf(retirementMonth('1964-12-10', 'M', false)), '2024-12'); // 60 exactly
  assert.equal(monthOf(retirementMonth('1965-01-10', 'M', false)), '2025-02'); // 60 and 1 month
  assert.equal(monthOf(retirementMonth('1965-05-10', 'M', false)), '2025-07'); // 60 and 2 months
  assert.equal(monthOf(retirementMonth('1975-01-10', 'F', false)), '2025-02'); // 50 and 1 month
  assert.equal(monthOf(retirementMonth('1975-03-10', 'F', false)), '2025-05'); // 50 and 2 months
  assert.equal(monthOf(retirementMonth('1970-01-10', 'F', true)), '2025-02'); // 55 and 1 month
});

test('contribution amounts are the rates of the base, rounded half up in fen; arrears are the latest months', () => {
  assert.equal(contributionFen(450_000, 800), 36_000);
  assert.equal(contributionFen(450_050, 30), 1_350); // 1,350.15
  assert.equal(contributionFen(5, 1000), 1); // 0.5 rounds up
  const employer = { orgId: 'o1', workInjuryBp: 50, arrearsMonths: 2 } as Employer;
  const spells = employeeSpells(WINDOW_START, AS_OF_MONTH - 1, 1.0, employer, null, WINDOW_START);
  const entries = spells.flatMap(expandSpell);
  assert.equal(entries.length, 24 * 4);
  const pension = entries.filter((e) => e.insurance_type === 'pension_employee');
  for (const e of pension) {
    assert.equal(e.employee_fen, Math.round(e.base_fen * 0.08));
    assert.equal(e.employer_fen, Math.round(e.base_fen * 0.16));
  }
  const unpaid = pension.filter((e) => !e.paid).map((e) => e.month);
  assert.deepEqual(unpaid, [monthOf(AS_OF_MONTH - 2), monthOf(AS_OF_MONTH - 1)]);
  assert.equal(monthIndex(pension[0]!.month), WINDOW_START);
});
