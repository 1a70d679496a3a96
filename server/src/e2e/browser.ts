/**
 * Helpers for the browser tests: a real Tongban server on a free port (in-process,
 * embedded PGlite in a temp folder, a small seeded city) and Debian Chromium driven
 * by playwright-core. The built web app (web/dist) is required: the test command
 * builds it first, and a missing build is a failure, never a skip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../config.js';
import { openDatabase, type DbHandle } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { buildApp, type App } from '../http/app.js';
import { seedSmallCity } from '../test/fixtures.js';

export { PASSWORD } from '../test/fixtures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SERVER_ROOT = path.resolve(here, '../..');
export const WEB_DIST = path.resolve(SERVER_ROOT, '../web/dist');
export const SCREENSHOTS = path.join(SERVER_ROOT, 'test-output/screenshots');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export function assertWebBuilt(): void {
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`The web app is not built (${WEB_DIST}/index.html missing): run \`npm run build -w web\` first.`);
  }
}

export interface TestServer {
  url: string;
  app: App;
  handle: DbHandle;
  city: Awaited<ReturnType<typeof seedSmallCity>>;
  close(): Promise<void>;
}

/** The real server, in this process, on a free port, over a fresh on-disk PGlite database. */
export async function startServer(): Promise<TestServer> {
  assertWebBuilt();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-e2e-'));
  const handle = await openDatabase({ dataDir });
  try {
    await migrateToLatest(handle.db);
    const city = await seedSmallCity(handle.db);
    const config = { ...loadConfig({}), dataDir, logLevel: 'silent', cookieSecure: true };
    const app = await buildApp({ db: handle.db, config, logger: false, webDist: WEB_DIST });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return {
      url: `http://127.0.0.1:${address.port}`,
      app,
      handle,
      city,
      close: async () => {
        await app.close();
        await handle.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A fresh browser profile (no cookies, empty localStorage) in the given language. */
export async function newContext(browser: Browser, opts: { viewport?: { width: number; height: number }; lang?: 'zh-CN' | 'en' } = {}): Promise<BrowserContext> {
  const phone = opts.viewport?.width === PHONE.width;
  const context = await browser.newContext({
    viewport: opts.viewport ?? DESKTOP,
    locale: 'zh-CN',
    deviceScaleFactor: 1,
    isMobile: phone,
    hasTouch: phone,
  });
  if (opts.lang) {
    const lang = opts.lang;
    await context.addInitScript((l) => {
      if (!localStorage.getItem('tongban.lang')) localStorage.setItem('tongban.lang', l);
    }, lang);
  }
  context.setDefaultTimeout(15_000);
  return context;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** How far the page is wider than the viewport (0 = no horizontal overflow). */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: window.innerWidth }));
}

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core in the page (WCAG 2.1 A/AA rules) and returns the violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const res = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

export function seriousOrWorse(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function staffLogin(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  // Only the visible (staff) tab panel: the resident tab has its own password field.
  const panel = page.getByRole('tabpanel', { name: /工作人员|Staff/ });
  await panel.getByLabel(/^(用户名|Username)$/).fill(username);
  await panel.getByLabel(/^(密码|Password)$/).fill(password);
  await panel.getByRole('button', { name: /^(登\s?录|Sign in)$/ }).click();
}
