/**
 * Scenario 3 (issue 5): at the kiosk (1080 × 1920 portrait, touch) a card loss is reported
 * and confirmed in under ten taps, counted here; then the idle timer warns and wipes the session.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { assertAccessible, assertNoHorizontalScroll, giveCard, KIOSK, launchBrowser, newContext, screenshot, startServer, type TestServer } from './browser.js';

let server: TestServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await giveCard(server.handle.db, server.city.persons.zhang!.personId, 'SC3710020001');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function latestCode(phone: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const rows = await server.handle.db.selectFrom('sms_messages').selectAll().where('phone', '=', phone).orderBy('id').execute();
    const m = /(\d{6})/.exec(rows.at(-1)?.text ?? '');
    if (m) return m[1]!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no SMS code sent');
}

test('at the kiosk a card loss is reported and confirmed in under ten taps; idle sessions are wiped', { timeout: 180_000 }, async () => {
  const zhang = server.city.persons.zhang!;
  const context = await newContext(browser, { viewport: KIOSK });
  const page = await context.newPage();
  let taps = 0;
  const tap = async (l: Locator) => {
    taps++;
    await l.tap();
  };
  const shot = async (p: Page, name: string) => {
    await assertNoHorizontalScroll(p, name);
    await screenshot(p, `s3-${name}`);
  };

  // The simulated card reader holds 张伟's ID card.
  await page.goto(`${server.url}/kiosk?card=${zhang.residentId}`);
  await page.getByTestId('kiosk-card-loss').waitFor();
  await shot(page, '01-home-zh-kiosk');
  await assertAccessible(page, 'kiosk home');
  // Large touch targets.
  const box = await page.getByTestId('kiosk-card-loss').boundingBox();
  assert.ok(box && box.height >= 100 && box.width >= 300, `tile is ${box?.width}×${box?.height}`);

  await tap(page.getByTestId('kiosk-card-loss')); // 1
  await page.getByTestId('read-id-card').waitFor();
  await shot(page, '02-identify-zh-kiosk');
  await assertAccessible(page, 'kiosk identify');
  await tap(page.getByTestId('read-id-card')); // 2: reads the card and sends the SMS code
  await page.getByTestId('code-keypad').waitFor();
  // The reader filled the ID; on screen it shows masked.
  const shown = await page.getByTestId('kiosk-id-read').innerText();
  assert.ok(shown.includes(`${zhang.residentId.slice(0, 4)}**********${zhang.residentId.slice(-4)}`), shown);
  assert.ok(!shown.includes(zhang.residentId));
  const code = await latestCode('13806301234');
  await shot(page, '03-code-zh-kiosk');
  for (const digit of code) await tap(page.getByTestId('code-keypad').locator(`[data-key="${digit}"]`)); // 3–8
  await page.getByTestId('kiosk-confirm-loss').waitFor();
  await shot(page, '04-confirm-zh-kiosk');
  await tap(page.getByTestId('kiosk-confirm-loss')); // 9
  await page.getByTestId('kiosk-loss-done').waitFor();
  assert.ok(taps < 10, `${taps} taps`);
  assert.equal(taps, 9);
  const trackingNo = (await page.getByTestId('tracking-no').innerText()).trim();
  await shot(page, '05-receipt-zh-kiosk');
  await assertAccessible(page, 'kiosk receipt');

  // The case is an instant one, done at once on the kiosk channel, and the card becomes lost.
  const c = await server.handle.db.selectFrom('cases').selectAll().where('tracking_no', '=', trackingNo).executeTakeFirstOrThrow();
  assert.equal(c.person_id, zhang.personId);
  assert.equal(c.channel, 'kiosk');
  assert.equal(c.status, 'completed');
  let status = '';
  for (let i = 0; i < 50 && status !== 'lost'; i++) {
    status = (await server.handle.db.selectFrom('ss_cards').select('status').where('person_id', '=', zhang.personId).executeTakeFirstOrThrow()).status;
    if (status !== 'lost') await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 'lost');

  // The slip prints on its own: the kiosk chrome is hidden for print.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.tb-kiosk-top').isVisible(), false);
  assert.ok(await page.getByTestId('receipt').isVisible());
  await screenshot(page, 's3-06-receipt-print-zh-kiosk');
  await page.emulateMedia({ media: 'screen' });

  // In English.
  await page.getByTestId('lang-switch').tap();
  await page.getByText('Card reported lost').waitFor();
  await shot(page, '07-receipt-en-kiosk');

  // Left alone: a warning, then the session is wiped and the kiosk is back at its start.
  await page.goto(`${server.url}/kiosk?idle=1&warn=2`);
  await page.getByTestId('kiosk-user').waitFor();
  await page.getByTestId('idle-warning-text').waitFor({ timeout: 5000 });
  await screenshot(page, 's3-08-idle-warning-en-kiosk');
  await page.getByTestId('kiosk-user').waitFor({ state: 'detached', timeout: 8000 });
  await page.getByTestId('kiosk-card-loss').waitFor();
  const me = await page.request.get(`${server.url}/api/me`);
  assert.equal(me.status(), 401, 'the session is gone on the server');
  await context.close();
});
