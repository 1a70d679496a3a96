import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Citation, ParameterDefinition, ParameterScope } from './types.js';
import { isDate } from './months.js';
import { valueProblems } from './values.js';

/**
 * Reading catalog/parameters/*.yaml and catalog/calendars/*.yaml. Everything is checked
 * before anything is used: a malformed file stops the start with the file, the path inside
 * it and the reason, rather than running with half a catalogue.
 */
export class CatalogFileError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${file}: ${path || '/'}: ${reason}`);
    this.name = 'CatalogFileError';
  }
}

const SCOPES = ['national', 'provincial', 'local-illustration'] as const;
const DatePattern = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const CitationSchema = Type.Object(
  {
    law: Type.String({ minLength: 1 }),
    article: Type.Optional(Type.String()),
    docNo: Type.Optional(Type.String()),
    effectiveFrom: Type.Optional(Type.String({ pattern: DatePattern })),
    url: Type.Optional(Type.String({ pattern: '^https?://' })),
  },
  { additionalProperties: false },
);
const Name = Type.Object({ zh: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const ScopeSchema = Type.Union(SCOPES.map((s) => Type.Literal(s)));
const ParameterFileSchema = Type.Object(
  {
    parameters: Type.Array(
      Type.Object(
        {
          key: Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' }),
          name: Name,
          unit: Type.String({ minLength: 1 }),
          scope: ScopeSchema,
          description: Type.Optional(Type.String()),
          versions: Type.Array(
            Type.Object(
              {
                effectiveFrom: Type.String({ pattern: DatePattern }),
                value: Type.Unknown(),
                citation: CitationSchema,
                scope: Type.Optional(ScopeSchema),
              },
              { additionalProperties: false },
            ),
            { minItems: 1 },
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export interface CatalogParameter extends ParameterDefinition {
  file: string;
  versions: { effectiveFrom: string; value: unknown; citation: Citation; scope: ParameterScope }[];
}

function readYaml(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const pos = e.linePos?.[0];
      throw new CatalogFileError(file, pos ? `line ${pos.line}, column ${pos.col}` : '', `not valid YAML: ${e.message.split('\n')[0]}`);
    }
    throw e;
  }
}

function firstSchemaError(file: string, schema: Parameters<typeof Value.Errors>[0], doc: unknown): void {
  const first = Value.Errors(schema, doc).First();
  if (first) throw new CatalogFileError(file, first.path, first.message);
}

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Reads and checks every parameter file of `<catalogDir>/parameters`. */
export function loadParameterCatalog(catalogDir: string): CatalogParameter[] {
  const out: CatalogParameter[] = [];
  const seen = new Map<string, string>();
  for (const file of yamlFiles(path.join(catalogDir, 'parameters'))) {
    const doc = readYaml(file);
    firstSchemaError(file, ParameterFileSchema, doc);
    const params = (doc as { parameters: (Omit<CatalogParameter, 'file' | 'versions'> & { versions: { effectiveFrom: string; value: unknown; citation: Citation; scope?: ParameterScope }[] })[] }).parameters;
    params.forEach((p, i) => {
      const at = `/parameters/${i}`;
      if (seen.has(p.key)) throw new CatalogFileError(file, `${at}/key`, `parameter ${p.key} is already defined in ${seen.get(p.key)}`);
      seen.set(p.key, file);
      p.versions.forEach((v, j) => {
        const vAt = `${at}/versions/${j}`;
        if (!isDate(v.effectiveFrom)) throw new CatalogFileError(file, `${vAt}/effectiveFrom`, `not a calendar date: ${v.effectiveFrom}`);
        if (v.citation.effectiveFrom && !isDate(v.citation.effectiveFrom)) throw new CatalogFileError(file, `${vAt}/citation/effectiveFrom`, `not a calendar date: ${v.citation.effectiveFrom}`);
        if (j > 0 && v.effectiveFrom <= p.versions[j - 1]!.effectiveFrom) throw new CatalogFileError(file, `${vAt}/effectiveFrom`, 'versions must be in ascending order of effectiveFrom, one per date');
        const problem = valueProblems(p.key, v.value)[0];
        if (problem) throw new CatalogFileError(file, `${vAt}/value${problem.path}`, problem.reason);
      });
      out.push({
        key: p.key,
        name: p.name,
        unit: p.unit,
        scope: p.scope,
        ...(p.description ? { description: p.description.trim() } : {}),
        file,
        versions: p.versions.map((v) => ({ effectiveFrom: v.effectiveFrom, value: v.value, citation: v.citation, scope: v.scope ?? p.scope })),
      });
    });
  }
  // Rules read parameters as a nested context (param.unemployment.max_months_bands), so no key
  // may be the prefix of another: `a.b` and `a.b.c` cannot both be values.
  const keys = [...seen.keys()].sort();
  for (let i = 1; i < keys.length; i++) {
    if (keys[i]!.startsWith(`${keys[i - 1]}.`)) throw new CatalogFileError(seen.get(keys[i]!)!, '/parameters', `key ${keys[i]} nests inside parameter ${keys[i - 1]}`);
  }
  return out;
}

const CalendarFileSchema = Type.Object(
  {
    year: Type.Integer({ minimum: 1990, maximum: 2200 }),
    citation: CitationSchema,
    holidays: Type.Array(Type.Object({ name: Name, from: Type.String({ pattern: DatePattern }), to: Type.String({ pattern: DatePattern }) }, { additionalProperties: false })),
    makeUpWorkingDays: Type.Array(Type.Object({ date: Type.String({ pattern: DatePattern }), for: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** One year of the State Council's holiday notice. */
export interface CalendarYear {
  year: number;
  citation: Citation;
  holidays: { name: { zh: string; en: string }; from: string; to: string }[];
  makeUpWorkingDays: { date: string; for: string }[];
}

/** Reads and checks every calendar of `<catalogDir>/calendars`. */
export function loadCalendarCatalog(catalogDir: string): CalendarYear[] {
  const out: CalendarYear[] = [];
  for (const file of yamlFiles(path.join(catalogDir, 'calendars'))) {
    const doc = readYaml(file);
    firstSchemaError(file, CalendarFileSchema, doc);
    const cal = doc as CalendarYear;
    if (out.some((c) => c.year === cal.year)) throw new CatalogFileError(file, '/year', `year ${cal.year} is defined twice`);
    cal.holidays.forEach((h, i) => {
      for (const f of ['from', 'to'] as const) {
        if (!isDate(h[f]) || Number(h[f].slice(0, 4)) !== cal.year) throw new CatalogFileError(file, `/holidays/${i}/${f}`, `not a date of ${cal.year}: ${h[f]}`);
      }
      if (h.to < h.from) throw new CatalogFileError(file, `/holidays/${i}/to`, 'ends before it starts');
    });
    cal.makeUpWorkingDays.forEach((d, i) => {
      if (!isDate(d.date) || Number(d.date.slice(0, 4)) !== cal.year) throw new CatalogFileError(file, `/makeUpWorkingDays/${i}/date`, `not a date of ${cal.year}: ${d.date}`);
    });
    out.push(cal);
  }
  return out.sort((a, b) => a.year - b.year);
}
