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
for (const page of ['LoginPage', 'StaffSearchPage', 'CitizenHomePage']) {
  const chunk = files.find((f) => f.startsWith(page + '-'));
  if (!chunk) continue;
  const all = closure(chunk, new Set(base));
  rows.push({ route: page, chunks: all.size, gzip: [...all].reduce((s, f) => s + gz(f), 0) });
}
console.log('chunk sizes (gzip -9):');
for (const f of files.sort((a, b) => gz(b) - gz(a))) console.log(`  ${f.padEnd(40)} ${kb(fs.statSync(path.join(assets, f)).size).padStart(9)}  gz ${kb(gz(f)).padStart(8)}`);
console.log('per route (entry + page + static imports):');
for (const r of rows) console.log(`  ${r.route.padEnd(18)} ${String(r.chunks).padStart(2)} chunks  gz ${kb(r.gzip)}`);
const login = rows.find((r) => r.route === 'LoginPage');
if (login && login.gzip > 300 * 1024) {
  console.error('login route exceeds the 300 KB gzipped budget');
  process.exit(1);
}
