#!/usr/bin/env node
// Measures the JavaScript each page needs before it can render, from the production build in
// dist/: the module script and modulepreloads of index.html, plus the chunk that holds the
// page's route module and that chunk's static imports. Each file is gzipped (level 9) as a
// server would send it. Prints a table; exits 1 when a budgeted page is over budget.
//
// Usage: node scripts/bundle-size.mjs [--json] [--budget-kb=150]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const args = process.argv.slice(2);
const budgetArg = args.find((arg) => arg.startsWith('--budget-kb='));
const BUDGET_KB = budgetArg ? Number(budgetArg.split('=')[1]) : 150;
const KB = 1000;

const PAGES = [
  { page: 'Sign in (/sign-in)', module: 'src/features/auth/routes/SignInRoute.tsx', budgeted: true },
  { page: 'Cases (/cases)', module: 'src/features/cases/routes/CasesRoute.tsx', budgeted: true },
  { page: 'Case detail (/cases/:id)', module: 'src/features/cases/routes/CaseDetailRoute.tsx', budgeted: false },
  { page: 'New case (/cases/new)', module: 'src/features/cases/routes/NewCaseRoute.tsx', budgeted: false },
  { page: 'Documents (/documents)', module: 'src/features/documents/routes/DocumentsRoute.tsx', budgeted: false },
  { page: 'My products (/products)', module: 'src/features/products/routes/ProductsRoute.tsx', budgeted: false },
  { page: 'Appointments (/appointments)', module: 'src/features/appointments/routes/AppointmentsRoute.tsx', budgeted: false },
  { page: 'Book an appointment (/appointments/book)', module: 'src/features/appointments/routes/BookAppointmentRoute.tsx', budgeted: false },
];

function fail(message) {
  console.error(`bundle-size: ${message}`);
  process.exit(2);
}

if (!existsSync(join(dist, 'index.html'))) fail('dist/index.html not found; run `npm run build` first');
const manifestPath = join(dist, '.vite', 'manifest.json');
if (!existsSync(manifestPath)) fail('dist/.vite/manifest.json not found; the build must set build.manifest');

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

/** `/assets/x.js` -> `assets/x.js` */
const toFile = (url) => url.replace(/^\//, '');

function attribute(tag, name) {
  return new RegExp(`\\s${name}\\s*=\\s*["']([^"']+)["']`, 'i').exec(tag)?.[1];
}

// What index.html makes the browser fetch up front.
const initialFiles = [];
for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
  if (/type\s*=\s*["']module["']/i.test(tag) && attribute(tag, 'src')) initialFiles.push(toFile(attribute(tag, 'src')));
  else if (!attribute(tag, 'src')) fail('index.html contains an inline script, which the CSP forbids');
}
for (const tag of html.match(/<link\b[^>]*>/gi) ?? []) {
  if (/rel\s*=\s*["']modulepreload["']/i.test(tag)) initialFiles.push(toFile(attribute(tag, 'href')));
}
if (/<style\b/i.test(html)) fail('index.html contains an inline <style>, which the CSP forbids');
if (initialFiles.length === 0) fail('index.html has no module script');

// Manifest entries by output file, to follow static imports.
const byFile = new Map(Object.values(manifest).map((entry) => [entry.file, entry]));
function withStaticImports(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const key of byFile.get(file)?.imports ?? []) {
    const imported = manifest[key]?.file;
    if (imported) withStaticImports(imported, seen);
  }
  return seen;
}

// Which chunk holds a source module: read from the (hidden) source maps.
const assets = join(dist, 'assets');
const chunkOfModule = new Map();
for (const name of readdirSync(assets)) {
  if (!name.endsWith('.js.map')) continue;
  const map = JSON.parse(readFileSync(join(assets, name), 'utf8'));
  for (const source of map.sources ?? []) {
    const normalized = source.replace(/\\/g, '/');
    const at = normalized.indexOf('src/');
    if (at >= 0 && !normalized.includes('node_modules')) chunkOfModule.set(normalized.slice(at), `assets/${name.slice(0, -4)}`);
  }
}

const gzipCache = new Map();
function sizes(file) {
  if (!gzipCache.has(file)) {
    const bytes = readFileSync(join(dist, file));
    gzipCache.set(file, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return gzipCache.get(file);
}

const initial = new Set();
for (const file of initialFiles) withStaticImports(file, initial);

const rows = PAGES.map(({ page, module, budgeted }) => {
  const files = new Set(initial);
  const chunk = chunkOfModule.get(module);
  if (!chunk) fail(`no chunk contains ${module}; is the build up to date and are source maps on?`);
  withStaticImports(chunk, files);
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    raw += sizes(file).raw;
    gzip += sizes(file).gzip;
  }
  const over = budgeted && gzip > BUDGET_KB * KB;
  return { page, files: [...files].sort(), raw, gzip, budgeted, over };
});

const fmt = (bytes) => `${(bytes / KB).toFixed(1)} kB`;
if (args.includes('--json')) {
  console.log(JSON.stringify({ budgetKb: BUDGET_KB, initialFiles, pages: rows }, null, 2));
} else {
  console.log(`Initial JavaScript per page (gzip -9), budget ${BUDGET_KB} kB for the budgeted pages\n`);
  console.log('| Page | Files | Raw | Gzipped | Budget |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of rows) {
    const status = row.budgeted ? (row.over ? `OVER (${BUDGET_KB} kB)` : `ok (${BUDGET_KB} kB)`) : '–';
    console.log(`| ${row.page} | ${row.files.length} | ${fmt(row.raw)} | ${fmt(row.gzip)} | ${status} |`);
  }
  console.log('\n| File | Raw | Gzipped |');
  console.log('| --- | ---: | ---: |');
  const allFiles = [...new Set(rows.flatMap((row) => row.files))].sort();
  for (const file of allFiles) console.log(`| ${file} | ${fmt(sizes(file).raw)} | ${fmt(sizes(file).gzip)} |`);
}

const over = rows.filter((row) => row.over);
if (over.length > 0) {
  console.error(`\nbundle-size: over budget: ${over.map((row) => `${row.page} ${fmt(row.gzip)}`).join(', ')}`);
  process.exit(1);
}
