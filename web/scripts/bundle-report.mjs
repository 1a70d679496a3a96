#!/usr/bin/env node
// Gzipped JavaScript each route loads: the entry chunk plus the page chunk and
// everything they import statically (dynamic imports are other routes' business).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dist = path.resolve(import.meta.dirname, '../dist');
const assets = path.join(dist, 'assets');
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const entry = /<script type="module"[^>]*src="\/assets\/([^"]+)"/.exec(html)?.[1];
if (!entry) throw new Error('no entry script in dist/index.html');
const gz = (f) => zlib.gzipSync(fs.readFileSync(path.join(assets, f)), { level: 9 }).length;

function closure(start, seen = new Set()) {
  if (seen.has(start)) return seen;
  seen.add(start);
  const src = fs.readFileSync(path.join(assets, start), 'utf8');
  for (const m of src.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"()]*?from\s*)?["']\.\/([^"']+\.js)["']/g)) closure(m[1], seen);
  return seen;
}
const files = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
const base = closure(entry);
const kb = (n) => (n / 1024).toFixed(1) + ' KB';
const rows = [];
const PAGES = ['LoginPage', 'CitizenHomePage', 'ServicesPage', 'WizardPage', 'MyCasesPage', 'CaseDetailPage', 'KioskPage', 'StaffSearchPage', 'PersonViewPage', 'BackOfficePage', 'TaskPage', 'SupervisionPage', 'AdminItemsPage', 'AdminItemPage', 'AdminParametersPage', 'EmployerPage'];
for (const page of PAGES) {
  const chunk = files.find((f) => f.startsWith(page + '-'));
  if (!chunk) continue;
  const all = closure(chunk, new Set(base));
  rows.push({ route: page, chunks: all.size, gzip: [...all].reduce((s, f) => s + gz(f), 0), heavy: [...all].filter((f) => /^(BpmnViewer|EChart)/.test(f)) });
}
console.log('chunk sizes (gzip -9):');
for (const f of files.sort((a, b) => gz(b) - gz(a))) console.log(`  ${f.padEnd(40)} ${kb(fs.statSync(path.join(assets, f)).size).padStart(9)}  gz ${kb(gz(f)).padStart(8)}`);
console.log('per route (entry + page + static imports):');
for (const r of rows) console.log(`  ${r.route.padEnd(20)} ${String(r.chunks).padStart(2)} chunks  gz ${kb(r.gzip).padStart(9)}${r.heavy.length ? '  (+ on demand: ' + r.heavy.join(', ') + ')' : ''}`);
// The portal's first routes (sign-in, the citizen's home, the list of services) must stay
// within 300 KB of gzipped JavaScript, and never statically pull in bpmn-js or ECharts.
let over = false;
for (const r of rows.filter((r) => ['LoginPage', 'CitizenHomePage', 'ServicesPage'].includes(r.route))) {
  if (r.gzip > 300 * 1024) {
    console.error(`${r.route} exceeds the 300 KB gzipped budget`);
    over = true;
  }
  if (r.heavy.length) {
    console.error(`${r.route} loads ${r.heavy.join(', ')} statically`);
    over = true;
  }
}
if (over) process.exit(1);
