/**
 * Helpers for the browser tests: a real Tongban server on a free port (in-process,
 * embedded PGlite in a temp folder, a small seeded city) and Debian Chromium driven
 * by playwright-core. The built web app (web/dist) is required: the test command
 * builds it first, and a missing build is a failure, never a skip.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../config.js';
import { openDatabase, type DbHandle } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { buildApp, type App } from '../http/app.js';
import { seedSmallCity } from '../test/fixtures.js';
import { syncParameterCatalog } from '../modules/policy/parameters.js';
import { syncCatalogue } from '../modules/catalogue/service.js';
import { startCaseWorkers } from '../modules/cases/worker.js';
import { createStaffUser } from '../modules/iam/service.js';
import type { Role } from '../modules/iam/roles.js';
import type { Db } from '../db/connect.js';

import { cookieFrom, PASSWORD } from '../test/fixtures.js';

export { PASSWORD };

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

export const KIOSK = { width: 1080, height: 1920 };
export const WIDE = { width: 1440, height: 900 };

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
    // As `tongban serve` does: the policy parameters, calendars and service items from catalog/.
    await syncParameterCatalog(handle.db, config.catalogDir);
    await syncCatalogue(handle.db, config.catalogDir);
    const app = await buildApp({ db: handle.db, config, logger: false, webDist: WEB_DIST });
    // Case timers and business chains (a card reported lost becomes lost), as in `serve`.
    const stopWorkers = startCaseWorkers(handle.db, { error: () => undefined, info: () => undefined, warn: () => undefined } as never, 200);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return {
      url: `http://127.0.0.1:${address.port}`,
      app,
      handle,
      city,
      close: async () => {
        await stopWorkers();
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

/**
 * A test file's server and browser, started before its tests and closed after them, with the
 * API at hand for making data as staff and citizens would.
 */
export interface Suite {
  server: TestServer;
  browser: Browser;
  /** Calls the API in this process as the holder of `cookie`; anything but a success fails the test. */
  call(method: 'GET' | 'POST', url: string, cookie: string, payload?: object): Promise<any>;
  staffCookie(username: string): Promise<string>;
  citizenCookie(residentId: string): Promise<string>;
}

/** Registers the before/after hooks of a browser test file; `seed` makes its data once the server is up. */
export function browserSuite(seed?: () => Promise<void>): Suite {
  const suite: Suite = {
    server: undefined as unknown as TestServer,
    browser: undefined as unknown as Browser,
    async call(method, url, cookie, payload) {
      const res = await suite.server.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    },
    staffCookie: async (username) => cookieFrom(await suite.server.app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username, password: PASSWORD } })),
    citizenCookie: async (residentId) => cookieFrom(await suite.server.app.inject({ method: 'POST', url: '/api/auth/citizen/login', payload: { residentId, password: PASSWORD } })),
  };
  before(async () => {
    suite.server = await startServer();
    suite.browser = await launchBrowser();
    await seed?.();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server?.close();
  });
  return suite;
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A fresh browser profile (no cookies, empty localStorage) in the given language. */
export async function newContext(browser: Browser, opts: { viewport?: { width: number; height: number }; lang?: 'zh-CN' | 'en' } = {}): Promise<BrowserContext> {
  const phone = opts.viewport?.width === PHONE.width || opts.viewport?.width === KIOSK.width;
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
  // From the top: a sticky header would otherwise be drawn where the page was scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
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
  // What a person sees once things stand still: a dropdown still sliding shut after a choice
  // (its unnamed a11y listbox still in the tree) is not the page's state. A motion class that
  // stays for seconds is not an animation (antd's Segmented thumb keeps its "appear" class).
  const MOVING = ['leave', 'enter', 'appear'].map((phase) => `[class*="-${phase}-active"]:not(.ant-segmented-thumb)`).join(', ');
  await page.waitForFunction((sel) => !document.querySelector(sel), MOVING, { timeout: 3000 }).catch(() => undefined);
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

export async function citizenLogin(page: Page, base: string, residentId: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByRole('tab', { name: /居民|Resident/ }).click();
  const panel = page.getByRole('tabpanel', { name: /居民|Resident/ });
  await panel.getByLabel(/^(身份证号|Resident ID number)$/).fill(residentId);
  // By the form field's id: in English the sign-in method's option "Password" has the same label.
  await panel.locator('input#citizen_password').fill(password);
  await panel.getByRole('button', { name: /^(登\s?录|Sign in)$/ }).click();
  await page.waitForURL(`${base}/me`);
}

/** Another staff member for a test (the small city has no reviewer and one administrator). */
export async function addStaff(db: Db, username: string, role: Role, servicePointId: string, scopeRegion: string): Promise<string> {
  return createStaffUser(db, { username, displayName: username, password: PASSWORD_FOR_STAFF, roles: [role], servicePointId, scopeRegion });
}
const PASSWORD_FOR_STAFF = 'Tongban#2026';

/** A social security card for a person of the small city (the fixtures give none). */
export async function giveCard(db: Db, personId: string, cardNo: string): Promise<void> {
  await db.insertInto('ss_cards').values({ card_no: cardNo, person_id: personId, status: 'active', issued_at: '2020-05-01' }).execute();
}

/** No sideways scrolling: the page is no wider than the viewport. */
export async function assertNoHorizontalScroll(page: Page, where: string): Promise<void> {
  const o = await horizontalOverflow(page);
  if (o.scrollWidth > o.innerWidth) throw new Error(`${where}: page is ${o.scrollWidth}px wide in a ${o.innerWidth}px viewport`);
}

/** No serious or critical axe-core violation. */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  const bad = seriousOrWorse(await axeViolations(page));
  if (bad.length) throw new Error(`${where}: ${JSON.stringify(bad, null, 2)}`);
}
