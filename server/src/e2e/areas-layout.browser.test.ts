/**
 * The areas by role, at the three screen sizes the issue names (phone 390 × 844, kiosk
 * 1080 × 1920, desktop 1440 × 900): no sideways scrolling, no serious or critical axe-core
 * violation, keyboard reachable; the administrator's BPMN viewer and the supervisor's chart
 * load only on their pages.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { addStaff, assertAccessible, assertNoHorizontalScroll, citizenLogin, KIOSK, launchBrowser, newContext, PASSWORD, PHONE, screenshot, staffLogin, startServer, WIDE, type TestServer } from './browser.js';

let server: TestServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await addStaff(server.handle.db, 'supervisor', 'supervisor', 'SP371000', '3710');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const SIZES = { phone: PHONE, kiosk: KIOSK, desktop: WIDE } as const;

async function check(page: Page, name: string) {
  await assertNoHorizontalScroll(page, name);
  await assertAccessible(page, name);
}

test('citizen portal pages fit every screen size and pass axe-core', { timeout: 300_000 }, async () => {
  const zhang = server.city.persons.zhang!;
  for (const [size, viewport] of Object.entries(SIZES)) {
    const context = await newContext(browser, { viewport });
    const page = await context.newPage();
    await citizenLogin(page, server.url, zhang.residentId, PASSWORD);
    for (const [path, ready] of [
      ['/me', 'insurance-table'],
      ['/me/services', 'service-list'],
      ['/me/cases', 'no-cases'],
      ['/me/contributions', 'contrib-table'],
      ['/me/documents', 'documents'],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      await page.getByTestId(ready).waitFor();
      await check(page, `${path} (${size})`);
      if (size === 'phone') await screenshot(page, `areas-citizen${path.replace(/\//g, '-')}-zh-phone`);
    }
    await context.close();
  }
});

test('keyboard: the skip link comes first and lands on the content; the service list is reachable by Tab', { timeout: 120_000 }, async () => {
  const context = await newContext(browser, { viewport: WIDE });
  const page = await context.newPage();
  await citizenLogin(page, server.url, server.city.persons.li!.residentId, PASSWORD);
  await page.goto(`${server.url}/me/services`);
  await page.getByTestId('service-list').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'tb-skip-link');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  // Tab on until a service link has the focus, then Enter opens the wizard.
  let found = false;
  for (let i = 0; i < 12 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => document.activeElement?.getAttribute('data-testid')?.startsWith('service-371000') ?? false);
  }
  assert.ok(found, 'a service link is reachable by keyboard');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/me\/apply\//);
  await page.getByTestId('wizard-heading').waitFor();
  await context.close();
});

test("the administrator's item page draws the process with bpmn-js; the supervisor's overdue board renders at desktop and phone sizes", { timeout: 180_000 }, async () => {
  const context = await newContext(browser, { viewport: WIDE });
  const page = await context.newPage();
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(r.url());
  });
  await staffLogin(page, server.url, 'admin', PASSWORD);
  await page.waitForURL(`${server.url}/staff/search`);
  await page.getByTestId('nav-adminItems').click();
  await page.getByTestId('admin-items').getByText('371000-SB-0010').waitFor();
  await check(page, 'admin items');
  assert.ok(!scripts.some((s) => /BpmnViewer/.test(s)), 'bpmn-js is not loaded before the item page');
  await page.getByTestId('admin-items').getByText('371000-SB-0010').click();
  await page.getByTestId('bpmn-canvas').locator('.djs-element').first().waitFor();
  assert.ok(scripts.some((s) => /BpmnViewer/.test(s)), 'bpmn-js loaded with the item page');
  // The lanes name the roles of the steps.
  assert.match(await page.getByTestId('bpmn-canvas').innerText(), /受理|审核/);
  await page.getByTestId('versions').getByText('v1').first().waitFor();
  await screenshot(page, 'areas-admin-item-bpmn-zh-desktop');
  await assertNoHorizontalScroll(page, 'admin item');
  for (const [path, ready] of [
    ['/admin/service-points', 'service-points'],
    ['/admin/calendars', 'calendar-calc'],
    ['/staff/search', 'person-search'],
  ] as const) {
    await page.goto(`${server.url}${path}`);
    await page.getByTestId(ready).waitFor();
    await check(page, path);
    if (path === '/admin/calendars') {
      // 2026-09-30 + 3 working days crosses the National Day holiday (and its make-up days).
      await page.getByTestId('calendar-calc').click();
      await page.getByTestId('calendar-due').waitFor();
      await screenshot(page, 'areas-admin-calendar-zh-desktop');
    }
  }
  await context.close();

  // The supervisor: the board (empty city: nothing overdue) renders and passes axe; at a phone size too.
  for (const viewport of [WIDE, PHONE]) {
    const c2 = await newContext(browser, { viewport });
    const p2 = await c2.newPage();
    await staffLogin(p2, server.url, 'supervisor', PASSWORD);
    await p2.waitForURL(`${server.url}/supervision`);
    await p2.getByTestId('overdue-board').waitFor();
    await check(p2, `supervision ${viewport.width}`);
    await screenshot(p2, `areas-supervision-zh-${viewport.width}`);
    await c2.close();
  }
});
