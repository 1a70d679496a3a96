import { DEMO_AS_OF } from './params.js';
import { drawSurname, givenName } from './people-names.js';
import { Rng, Weighted } from './random.js';

/**
 * Households of the demo city. A household is drawn around its head (户主): the head's
 * age picks the household's shape (young single, couple with a child, three
 * generations, elderly couple …), and the members' ages follow from the head's. The
 * head-age weights are tuned so the city's pyramid looks like a Chinese coastal city
 * in 2026: few small children, a bulge at 35–60, about a fifth aged 60 or more.
 */

export type Relation = '户主' | '配偶' | '子女' | '父母';

export interface Member {
  relation: Relation;
  sex: 'M' | 'F';
  birthDate: string;
  name: string;
}

const DAY_MS = 86_400_000;
const AS_OF_MS = Date.parse(`${DEMO_AS_OF}T00:00:00Z`);
const MAX_AGE = 100;

// Head ages by 5-year band starting at 20 (20–24, 25–29, … 95–99).
const HEAD_BANDS = new Weighted(
  Array.from({ length: 16 }, (_, i) => 20 + i * 5),
  [2.5, 5, 8.5, 9.5, 9, 9.5, 10, 9, 6.5, 5.5, 4.2, 2.6, 1.6, 0.8, 0.3, 0.08],
);

/** A birth date `age` whole years before DEMO_AS_OF, on a random day of that year of life. */
export function birthDateForAge(rng: Rng, age: number): string {
  const years = Math.min(MAX_AGE, Math.max(0, age));
  const asOf = new Date(AS_OF_MS);
  const latest = Date.UTC(asOf.getUTCFullYear() - years, asOf.getUTCMonth(), asOf.getUTCDate()) - DAY_MS;
  const earliest = Date.UTC(asOf.getUTCFullYear() - years - 1, asOf.getUTCMonth(), asOf.getUTCDate());
  const t = earliest + Math.floor(rng.next() * ((latest - earliest) / DAY_MS + 1)) * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

/** Whole years of age at DEMO_AS_OF. */
export function ageAt(birthDate: string, onDate = DEMO_AS_OF): number {
  const by = Number(birthDate.slice(0, 4));
  const bmd = birthDate.slice(5);
  const y = Number(onDate.slice(0, 4));
  return y - by - (onDate.slice(5) < bmd ? 1 : 0);
}

function member(rng: Rng, relation: Relation, sex: 'M' | 'F', age: number, surname: string): Member {
  const birthDate = birthDateForAge(rng, age);
  return { relation, sex, birthDate, name: surname + givenName(rng, sex, Number(birthDate.slice(0, 4))) };
}

type Shape = 'single' | 'couple' | 'family1' | 'family2' | 'threeGen' | 'coupleParent';

function shapeFor(rng: Rng, headAge: number): Shape {
  const r = rng.next();
  if (headAge < 30) return r < 0.5 ? 'single' : r < 0.72 ? 'couple' : 'family1';
  if (headAge < 40) return r < 0.12 ? 'single' : r < 0.2 ? 'couple' : r < 0.62 ? 'family1' : r < 0.8 ? 'family2' : 'threeGen';
  if (headAge < 55) return r < 0.08 ? 'single' : r < 0.2 ? 'couple' : r < 0.62 ? 'family1' : r < 0.8 ? 'family2' : 'threeGen';
  if (headAge < 65) return r < 0.12 ? 'single' : r < 0.62 ? 'couple' : r < 0.9 ? 'family1' : 'coupleParent';
  return r < 0.38 ? 'single' : r < 0.9 ? 'couple' : 'family1';
}

/** One household, head first. */
export function drawHousehold(rng: Rng): Member[] {
  const headAge = HEAD_BANDS.draw(rng) + rng.int(0, 4);
  const shape = shapeFor(rng, headAge);
  const out: Member[] = [];
  if (shape === 'single') {
    // Elderly people living alone are mostly widows.
    const sex = headAge >= 65 ? (rng.chance(0.65) ? 'F' : 'M') : rng.chance(0.55) ? 'M' : 'F';
    out.push(member(rng, '户主', sex, headAge, drawSurname(rng)));
    return out;
  }
  const headSex: 'M' | 'F' = rng.chance(0.8) ? 'M' : 'F';
  const familySurname = drawSurname(rng);
  out.push(member(rng, '户主', headSex, headAge, familySurname));
  const gap = rng.int(-2, 5);
  const spouseAge = Math.max(20, Math.min(MAX_AGE, headSex === 'M' ? headAge - gap : headAge + gap));
  const spouseSurname = drawSurname(rng);
  out.push(member(rng, '配偶', headSex === 'M' ? 'F' : 'M', spouseAge, spouseSurname));
  // Children carry the father's surname.
  const childSurname = headSex === 'M' ? familySurname : spouseSurname;
  const motherAge = headSex === 'M' ? spouseAge : headAge;
  const children = shape === 'family1' ? 1 : shape === 'family2' ? 2 : shape === 'threeGen' ? (rng.chance(0.25) ? 2 : 1) : 0;
  let childAge = motherAge - rng.int(23, 34);
  for (let i = 0; i < children; i++) {
    if (childAge < 0) break;
    out.push(member(rng, '子女', rng.chance(0.52) ? 'M' : 'F', childAge, childSurname));
    childAge -= rng.int(2, 9);
  }
  if (shape === 'threeGen' || shape === 'coupleParent') {
    const parentAge = headAge + rng.int(24, 33);
    if (parentAge <= MAX_AGE) {
      const sex: 'M' | 'F' = rng.chance(0.65) ? 'F' : 'M';
      out.push(member(rng, '父母', sex, parentAge, sex === 'M' ? familySurname : drawSurname(rng)));
    }
  }
  return out;
}
