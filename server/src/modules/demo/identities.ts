import { makeResidentId } from '../masterdata/identity/resident-id.js';
import { mix32 } from './random.js';

/**
 * Hands out unique resident IDs without remembering them: for every (area, birth
 * date, sex) the order codes are taken in turn from a seed-dependent starting point
 * (odd for men, even for women, as GB 11643 says). The counters are a fixed-size
 * array, so memory does not grow with the number of persons.
 */
const EPOCH_MS = Date.UTC(1925, 0, 1);
const DAYS = 37_500; // 1925-01-01 … 2027-09
const DAY_MS = 86_400_000;

export class ResidentIdAllocator {
  private readonly areaIndex = new Map<string, number>();
  private readonly counters: Uint16Array;

  constructor(
    areas: readonly string[],
    private readonly seed: number,
    private readonly reserved: ReadonlySet<string> = new Set(),
  ) {
    areas.forEach((a, i) => this.areaIndex.set(a, i));
    this.counters = new Uint16Array(areas.length * DAYS * 2);
  }

  /** A new ID for a person born on (or, when that day is full, just after) `birthDate`. */
  allocate(area: string, birthDate: string, sex: 'M' | 'F'): { residentId: string; birthDate: string } {
    const a = this.areaIndex.get(area);
    if (a === undefined) throw new Error(`unknown area ${area}`);
    let day = Math.round((Date.parse(`${birthDate}T00:00:00Z`) - EPOCH_MS) / DAY_MS);
    for (;;) {
      if (day < 0 || day >= DAYS) throw new Error(`birth date out of range: ${birthDate}`);
      const slot = (a * DAYS + day) * 2 + (sex === 'M' ? 0 : 1);
      const cap = sex === 'M' ? 500 : 499;
      const k = this.counters[slot]!;
      if (k >= cap) {
        day++;
        continue;
      }
      this.counters[slot] = k + 1;
      const step = (mix32(slot, this.seed) + k) % cap;
      const order = sex === 'M' ? step * 2 + 1 : step * 2 + 2;
      const date = new Date(EPOCH_MS + day * DAY_MS).toISOString().slice(0, 10);
      const residentId = makeResidentId(area, date, order);
      if (this.reserved.has(residentId)) continue;
      return { residentId, birthDate: date };
    }
  }
}
