/**
 * Scenario 2 (issue 5): a teller at a town office in 环翠区 accepts a card replacement for a
 * person registered in 文登区 (同城通办); a reviewer in the central back office completes it;
 * the citizen sees it completed and rates it (好差评).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { addStaff, assertAccessible, assertNoHorizontalScroll, citizenLogin, giveCard, launchBrowser, newContext, PASSWORD, PHONE, screenshot, staffLogin, startServer, WIDE, type TestServer } from './browser.js';
import { smallPng } from './fixtures-files.js';

let server: TestServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await giveCard(server.handle.db, server.city.persons.wang!.personId, 'SC3710030001');
  // The central back office of the bureau (the small city has no reviewer of its own).
  await addStaff(server.handle.db, 'reviewer', 'reviewer', 'SP371000', '3710');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function shot(page: Page, name: string) {
  await assertNoHorizontalScroll(page, name);
  await screenshot(page, `s2x-${name}`);
}

test('a teller accepts a card replacement for a person of another district; the back office completes it; the citizen rates it', { timeout: 300_000 }, async () => {
  const wang = server.city.persons.wang!;

  // ---- The teller at 环翠楼街道便民服务中心 (scope 371002); 王建国 lives in 文登区 (371003).
  const tellerCtx = await newContext(browser, { viewport: WIDE });
  const teller = await tellerCtx.newPage();
  await staffLogin(teller, server.url, 'teller.wd', PASSWORD);
  await teller.waitForURL(`${server.url}/staff/search`);
  const box = teller.getByRole('searchbox', { name: '查询人员' });
  await box.fill(wang.residentId);
  await box.press('Enter');
  await teller.getByTestId('open-person').click();
  await teller.getByTestId('person-view-name').getByText('王建国').waitFor();
  await shot(teller, '02-person-view-zh-desktop');
  await assertAccessible(teller, 'person view');

  // Start the item from the person view: search the catalogue in Chinese.
  await teller.getByRole('searchbox', { name: '搜索事项' }).fill('补换');
  await teller.getByTestId('service-371000-SK-0004').click();
  await teller.getByTestId('wizard-start').click();
  // The dense one-screen form at the counter, with the rules beside it.
  const form = teller.getByTestId('dense-form');
  await form.waitFor();
  await form.getByRole('radio', { name: '损坏' }).check();
  await form.getByRole('radio', { name: '网点领取' }).check();
  await shot(teller, '03-dense-form-zh-desktop');
  await assertAccessible(teller, 'dense form');
  await teller.getByTestId('wizard-next').click();
  await teller.getByTestId('wizard-heading').getByText('提交前请核对').waitFor();
  // The old card is needed (damaged): the teller scans it at the counter.
  await teller.getByTestId('file-old_card').setInputFiles({ name: '旧卡扫描.png', mimeType: 'image/png', buffer: smallPng() });
  await teller.getByTestId('material-old_card').getByText('已上传').waitFor();
  await teller.getByTestId('file-identity_card').setInputFiles({ name: 'id.png', mimeType: 'image/png', buffer: smallPng() });
  await teller.getByTestId('material-identity_card').getByText('已上传').waitFor();
  await shot(teller, '04-check-with-scan-zh-desktop');
  await teller.getByTestId('wizard-submit').click();
  await teller.getByTestId('confirmation').waitFor();
  const trackingNo = (await teller.getByTestId('confirmation-no').innerText()).trim();
  await shot(teller, '05-teller-receipt-zh-desktop');
  const c = await server.handle.db.selectFrom('cases').selectAll().where('tracking_no', '=', trackingNo).executeTakeFirstOrThrow();
  assert.equal(c.person_id, wang.personId);
  assert.equal(c.channel, 'counter');
  
  assert.ok(['accepted', 'approved'].includes(c.status), `accepted at the counter, not ${c.status}`);
  await tellerCtx.close();

  // ---- The reviewer in the central back office.
  const revCtx = await newContext(browser, { viewport: WIDE });
  const rev = await revCtx.newPage();
  await staffLogin(rev, server.url, 'reviewer', PASSWORD);
  await rev.waitForURL(`${server.url}/backoffice`);
  const row = rev.getByTestId('task-list').locator('tr', { hasText: trackingNo });
  await row.waitFor();
  await shot(rev, '06-queue-zh-desktop');
  await assertAccessible(rev, 'queue');
  await row.getByTestId('open-task').click();
  await rev.getByTestId('claim').click();
  // Materials beside the rules trace with its citations.
  await rev.getByTestId('task-trace').getByText('持有（或曾持有）社会保障卡').waitFor();
  assert.match(await rev.getByTestId('task-trace').innerText(), /依据：《[^》]+》/);
  assert.match(await rev.getByTestId('task-materials').innerText(), /旧卡扫描\.png/);
  const action = rev.locator('[data-testid^="action-"]').filter({ hasNotText: '退回' }).first();
  const actionName = (await action.getAttribute('data-testid'))!.replace('action-', '');
  await action.click();
  await shot(rev, '07-task-zh-desktop');
  await assertAccessible(rev, 'task');
  await rev.getByTestId('action-confirm').click();
  await rev.getByTestId('task-done').waitFor();
  // English view of the back office, for the record.
  await rev.getByTestId('lang-switch').click();
  await rev.getByText('Rules checked').waitFor();
  await shot(rev, '08-task-done-en-desktop');
  await revCtx.close();
  assert.ok(['complete', 'approve'].includes(actionName), actionName);

  // ---- If the card is handed over at the counter (deliver step), the teller does it.
  let after = await server.handle.db.selectFrom('cases').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
  assert.ok(['completed', 'delivered', 'approved'].includes(after.status), after.status);

  // ---- The citizen sees it completed and rates it.
  const citCtx = await newContext(browser, { viewport: PHONE });
  const cit = await citCtx.newPage();
  await citizenLogin(cit, server.url, wang.residentId, PASSWORD);
  await cit.getByTestId('nav-myCases').click();
  const item = cit.getByTestId('case-item').filter({ hasText: trackingNo });
  await item.waitFor();
  assert.match(await item.innerText(), /已办结|已送达/);
  await shot(cit, '09-my-cases-zh-phone');
  await item.getByRole('link').click();
  await cit.getByTestId('case-title').getByText(trackingNo).waitFor();
  await cit.getByTestId('rating-form').waitFor();
  await cit.getByTestId('rating-stars').locator('[role="radio"]').nth(4).click();
  await cit.getByRole('textbox', { name: '意见和建议（选填）' }).fill('外区户籍也能就近办理，很方便');
  await shot(cit, '10-rating-zh-phone');
  await assertAccessible(cit, 'rating');
  await cit.getByTestId('rating-submit').click();
  await cit.getByTestId('rating-done').waitFor();
  await shot(cit, '11-rated-zh-phone');
  const rating = await server.handle.db.selectFrom('ratings').selectAll().where('case_id', '=', c.id).executeTakeFirstOrThrow();
  assert.equal(rating.score, 5);
  assert.equal(rating.comment, '外区户籍也能就近办理，很方便');
  after = await server.handle.db.selectFrom('cases').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
  await citCtx.close();
});
