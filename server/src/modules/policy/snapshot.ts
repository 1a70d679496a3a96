import type { CatalogParameter } from './catalog.js';
import type { ParameterDefinition, ParameterVersion, ParameterVersionRecord } from './types.js';

/** A parameter has no value for the date asked (unknown key, or before its first version). */
export class ParameterNotFoundError extends Error {
  constructor(
    readonly key: string,
    readonly date?: string,
  ) {
    super(date ? `parameter ${key} has no published version in effect on ${date}` : `no such parameter: ${key}`);
    this.name = 'ParameterNotFoundError';
  }
}

/** What rules and calculations need from a set of parameters. */
export interface ParameterLookup {
  /** The version in effect on `date` ('YYYY-MM-DD'), or undefined. */
  tryAsOf(key: string, date: string): ParameterVersion | undefined;
  byId(versionId: string): ParameterVersion | undefined;
  keys(): string[];
}

/**
 * Every published parameter version, resolved into one timeline per key. When several
 * published versions share an effective date, the one published last is in effect and
 * the others are kept (superseded) so that decisions that used them can still be replayed.
 * Immutable once built: the caches hand the same object to every caller.
 */
export class ParameterSnapshot implements ParameterLookup {
  private readonly timelines = new Map<string, ParameterVersion[]>();
  private readonly ids = new Map<string, ParameterVersion>();
  readonly definitions: Map<string, ParameterDefinition>;

  /** `records` must be the published (and withdrawn) versions, in publication order. */
  constructor(records: ParameterVersionRecord[], definitions: ParameterDefinition[]) {
    this.definitions = new Map(definitions.map((d) => [d.key, d]));
    const active = new Map<string, Map<string, ParameterVersionRecord>>();
    for (const r of records) {
      this.ids.set(r.versionId, strip(r));
      if (r.status !== 'published') continue;
      let byDate = active.get(r.key);
      if (!byDate) active.set(r.key, (byDate = new Map()));
      byDate.set(r.effectiveFrom, r); // later publication wins
    }
    for (const [key, byDate] of active) {
      const sorted = [...byDate.values()].sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1));
      this.timelines.set(
        key,
        sorted.map((r, i) => ({ ...strip(r), effectiveTo: sorted[i + 1]?.effectiveFrom ?? null })),
      );
    }
  }

  tryAsOf(key: string, date: string): ParameterVersion | undefined {
    const line = this.timelines.get(key);
    if (!line) return undefined;
    // Timelines hold a handful of versions: a backwards scan is as fast as a binary search.
    for (let i = line.length - 1; i >= 0; i--) if (line[i]!.effectiveFrom <= date) return line[i];
    return undefined;
  }

  asOf<T = unknown>(key: string, date: string): ParameterVersion<T> {
    const v = this.tryAsOf(key, date);
    if (!v) throw new ParameterNotFoundError(key, this.timelines.has(key) ? date : undefined);
    return v as ParameterVersion<T>;
  }

  byId(versionId: string): ParameterVersion | undefined {
    return this.ids.get(versionId);
  }

  timeline(key: string): ParameterVersion[] {
    return this.timelines.get(key) ?? [];
  }

  keys(): string[] {
    return [...this.timelines.keys()].sort();
  }

  /** Parameters straight from the YAML files (the CLI: no database). Version ids say so. */
  static fromCatalog(params: CatalogParameter[]): ParameterSnapshot {
    const records: ParameterVersionRecord[] = [];
    for (const p of params) {
      for (const v of p.versions) {
        records.push({
          key: p.key,
          versionId: `yaml:${p.key}@${v.effectiveFrom}`,
          effectiveFrom: v.effectiveFrom,
          effectiveTo: null,
          value: v.value,
          unit: p.unit,
          scope: v.scope,
          citation: v.citation,
          status: 'published',
          source: 'yaml',
          createdBy: 'catalog',
          createdAt: '',
          publishedBy: 'catalog',
          publishedAt: '',
          reason: null,
          superseded: false,
        });
      }
    }
    return new ParameterSnapshot(records, params.map(({ key, name, unit, scope, description }) => ({ key, name, unit, scope, ...(description ? { description } : {}) })));
  }
}

function strip(r: ParameterVersionRecord): ParameterVersion {
  return { key: r.key, versionId: r.versionId, effectiveFrom: r.effectiveFrom, effectiveTo: r.effectiveTo, value: r.value, unit: r.unit, scope: r.scope, citation: r.citation };
}
