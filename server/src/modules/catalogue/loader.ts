/**
 * Reads catalog/items/*.yaml: every file parsed, validated and cross-checked (unique codes,
 * chain targets) before anything reaches the database. A bad catalogue stops the server at
 * start with every problem listed as `file path (line): reason`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { canonicalJson } from '../../lib/canonical-json.js';
import { sm3Hex } from '../../lib/hash.js';
import type { ServiceItem } from './types.js';
import { validateItem, type ItemProblem } from './validate.js';

export interface CatalogueProblem extends ItemProblem {
  /** e.g. catalog/items/sb-0009-unemployment-benefit.yaml */
  file: string;
  line?: number;
}

export class CatalogueError extends Error {
  readonly problems: CatalogueProblem[];
  constructor(problems: CatalogueProblem[]) {
    super(
      `The service catalogue is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.file} ${p.path || '/'}${p.line ? ` (line ${p.line})` : ''}: ${p.reason}`).join('\n'),
    );
    this.name = 'CatalogueError';
    this.problems = problems;
  }
}

export interface LoadedItem {
  file: string;
  /** The definition as stored (without the file-only `effectiveFrom`). */
  item: ServiceItem;
  effectiveFrom: string | undefined;
  /** SM3 of the canonical JSON of `item`: equal hashes mean equal definitions. */
  hash: string;
}

/** The stored definition of an item and its content hash. */
export function definitionOf(raw: ServiceItem): { item: ServiceItem; effectiveFrom: string | undefined; hash: string } {
  const { effectiveFrom, ...rest } = raw;
  const item = { ...rest, form: withFieldOrder(rest.form) } as ServiceItem;
  return { item, effectiveFrom, hash: sm3Hex(canonicalJson(item)) };
}

/**
 * The database keeps definitions as jsonb, which does not keep key order; the order in
 * which the form lists its fields is the order the wizard asks them, so it is written
 * down as `x-order`.
 */
export function withFieldOrder(form: Record<string, unknown>): Record<string, unknown> {
  const props = form.properties;
  if (form['x-order'] || !props || typeof props !== 'object') return form;
  return { ...form, 'x-order': Object.keys(props) };
}

/**
 * Parses and validates every `items/*.yaml` under `catalogDir` (the repository's catalog/
 * folder, config.catalogDir). Throws CatalogueError naming each file, path and reason.
 */
export function loadItemCatalog(catalogDir: string): LoadedItem[] {
  const dir = path.join(catalogDir, 'items');
  // Unchanged files (same names, sizes and times) give the same answer: tests start many apps.
  const stamp = fs.existsSync(dir) ? JSON.stringify(fs.readdirSync(dir).sort().map((f) => { const st = fs.statSync(path.join(dir, f)); return [f, st.size, st.mtimeMs]; })) : '';
  const hit = cache.get(dir);
  if (hit && hit.stamp === stamp) return hit.items;
  const items = loadUncached(catalogDir, dir);
  cache.set(dir, { stamp, items });
  return items;
}

const cache = new Map<string, { stamp: string; items: LoadedItem[] }>();

function loadUncached(catalogDir: string, dir: string): LoadedItem[] {
  const label = (f: string) => path.join(path.basename(catalogDir), 'items', f);
  if (!fs.existsSync(dir)) throw new CatalogueError([{ file: label(''), path: '', reason: `folder ${dir} does not exist` }]);
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const problems: CatalogueProblem[] = [];
  const parsed: { file: string; raw: unknown; lineOf: (p: string) => number | undefined }[] = [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) {
      for (const e of doc.errors) problems.push({ file: label(f), path: '', line: e.linePos?.[0].line, reason: `YAML does not parse: ${e.message}` });
      continue;
    }
    const lineOf = (pointer: string): number | undefined => {
      const keys = pointer.split('/').slice(1).map((k) => (/^\d+$/.test(k) ? Number(k) : k.replaceAll('~1', '/').replaceAll('~0', '~')));
      // The deepest node that exists: a missing field is reported at its parent.
      for (let n = keys.length; n >= 0; n--) {
        const node = doc.getIn(keys.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    };
    parsed.push({ file: f, raw: doc.toJS(), lineOf });
  }
  const codes = new Map<string, string>();
  for (const p of parsed) {
    const code = (p.raw as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') continue;
    const first = codes.get(code);
    if (first) problems.push({ file: label(p.file), path: '/code', line: p.lineOf('/code'), reason: `duplicate item code ${code} (also in ${label(first)})` });
    else codes.set(code, p.file);
  }
  const known = new Set(codes.keys());
  const out: LoadedItem[] = [];
  for (const p of parsed) {
    const found = validateItem(p.raw, { knownItemCodes: known });
    if (found.length) {
      for (const e of found) problems.push({ file: label(p.file), path: e.path, line: p.lineOf(e.path), reason: e.reason });
      continue;
    }
    out.push({ file: label(p.file), ...definitionOf(p.raw as ServiceItem) });
  }
  if (problems.length) throw new CatalogueError(problems);
  return out;
}
