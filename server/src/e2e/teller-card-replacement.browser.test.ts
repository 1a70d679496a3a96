/**
 * Scenario 2 (issue 5): a teller at a town office in 环翠区 accepts a card replacement for a
 * person registered in 文登区 (同城通办); a reviewer in the central back office completes it;
 * the citizen sees it completed and rates it (好差评). The card was lost: the teller first takes the
 * loss report, then the replacement — neither needs a scan.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { addStaff, assertAccessible, assertNoHorizontalScroll, citizenLogin, giveCard, launchBrowser, newContext, PASSWORD, PHONE, screenshot, staffLogin, startServer, WIDE, type TestServer } from './browser.js';

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
  await screenshot(page, `s2-${name}`);
}

test('a teller accepts a card replacement for a person of another district; the back office completes it; the citizen rates it', { timeout: 300_000 }, async () => {
  const wang = server.city.persons.wang!;

  // ---- The teller at 环翠楼街道便民服务中心 (scope 371002); 王建国 lives in 文登区 (371003).
  const tellerCtx = await newContext(browser, { viewport: WIDE });
  const teller = await tellerCtx.newPage();
  await staffLogin(teller, server.url, 'teller.hc', PASSWORD);
  await teller.waitForURL(`${server.url}/staff/search`);
  const box = teller.getByRole('searchbox', { name: '查询人员' });
  await box.fill(wang.residentId);
  await box.press('Enter');
  await teller.getByTestId('result-count').getByText('共找到 0 人').waitFor();
  // Not in this district's search: the teller reads the ID card instead.
  await teller.getByTestId('counter-resident-id').fill(wang.residentId);
  await shot(teller, '01-teller-identify-zh-desktop');
  await teller.getByTestId('counter-identify').click();
  await teller.waitForURL(new RegExp(`/staff/persons/${wang.personId}$`));
  await teller.getByTestId('person-view-name').getByText('王建国').waitFor();
  await teller.getByText('此人户籍不在本辖区，按同城通办受理').waitFor();
  await shot(teller, '02-person-view-zh-desktop');
  await assertAccessible(teller, 'person view');

  // 王建国 lost his card: first the loss report (即办件), then the replacement, both from the person view.
  await teller.getByRole('searchbox', { name: '搜索事项' }).fill('挂失');
  await teller.getByTestId('service-371000-SK-0002').click();
  await teller.getByTestId('wizard-start').click();
  await teller.getByTestId('dense-form').getByRole('radio', { name: '正式挂失' }).check();
  await teller.getByTestId('wizard-next').click();
  await teller.getByTestId('wizard-submit').click();
  await teller.getByTestId('confirmation').waitFor();
  await shot(teller, '03-loss-reported-zh-desktop');
  // The business chain marks the card lost.
  for (let i = 0; i < 50; i++) {
    const card = await server.handle.db.selectFrom('ss_cards').select('status').where('person_id', '=', wang.personId).executeTakeFirstOrThrow();
    if (card.status === 'lost') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await teller.getByTestId('back-to-person').click();
  await teller.getByTestId('person-view-name').getByText('王建国').waitFor();
  await teller.getByRole('searchbox', { name: '搜索事项' }).fill('补换');
  await teller.getByTestId('service-371000-SK-0004').click();
  await teller.getByTestId('wizard-start').click();
  // The dense one-screen form at the counter, with the rules beside it.
  const form = teller.getByTestId('dense-form');
  await form.waitFor();
  await form.getByRole('radio', { name: '遗失' }).check();
  await form.getByRole('radio', { name: '网点领取' }).check();
  await shot(teller, '04-dense-form-zh-desktop');
  await assertAccessible(teller, 'dense form');
  await teller.getByTestId('wizard-next').click();
  await teller.getByTestId('wizard-heading').getByText('提交前请核对').waitFor();
  // Lost: no old card to hand in; the ID card was checked at the counter (免提交).
  assert.equal(await teller.getByTestId('material-old_card').count(), 0);
  assert.match(await teller.getByTestId('material-identity_card').innerText(), /免提交/);
  await shot(teller, '05-check-zh-desktop');
  await teller.getByTestId('wizard-submit').click();
  await teller.getByTestId('confirmation').waitFor();
  const trackingNo = (await teller.getByTestId('confirmation-no').innerText()).trim();
  await shot(teller, '06-teller-receipt-zh-desktop');
  const c = await server.handle.db.selectFrom('cases').selectAll().where('tracking_no', '=', trackingNo).executeTakeFirstOrThrow();
  assert.equal(c.person_id, wang.personId);
  assert.equal(c.channel, 'counter');
  assert.equal(c.service_point_id, 'SP371002001');
  assert.ok(['accepted', 'approved'].includes(c.status), `accepted at the counter, not ${c.status}`);
  await tellerCtx.close();

  // ---- The reviewer in the central back office.
  const revCtx = await newContext(browser, { viewport: WIDE });
  const rev = await revCtx.newPage();
  await staffLogin(rev, server.url, 'reviewer', PASSWORD);
  await rev.waitForURL(`${server.url}/backoffice`);
  const row = rev.getByTestId('task-list').locator('tr', { hasText: trackingNo });
  await row.waitFor();
  await shot(rev, '07-queue-zh-desktop');
  await assertAccessible(rev, 'queue');
  await row.getByTestId('open-task').click();
  await rev.getByTestId('claim').click();
  // Materials beside the rules trace with its citations.
  await rev.getByTestId('task-trace').getByText('持有（或曾持有）社会保障卡').waitFor();
  assert.match(await rev.getByTestId('task-trace').innerText(), /依据：《[^》]+》/);
  const action = rev.locator('[data-testid^="action-"]').filter({ hasNotText: '退回' }).first();
  const actionName = (await action.getAttribute('data-testid'))!.replace('action-', '');
  await action.click();
  await shot(rev, '08-task-zh-desktop');
  await assertAccessible(rev, 'task');
  await rev.getByTestId('action-confirm').click();
  await rev.getByTestId('task-done').waitFor();
  // English view of the back office, for the record.
  await rev.getByTestId('lang-switch').click();
  await rev.getByText('Rules checked').waitFor();
  await shot(rev, '09-task-done-en-desktop');
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
  await shot(cit, '10-my-cases-zh-phone');
  await item.getByRole('link').click();
  await cit.getByTestId('case-title').getByText(trackingNo).waitFor();
  await cit.getByTestId('rating-form').waitFor();
  await cit.getByTestId('rating-stars').locator('[role="radio"]').nth(4).click();
  await cit.getByRole('textbox', { name: '意见和建议（选填）' }).fill('外区户籍也能就近办理，很方便');
  await shot(cit, '11-rating-zh-phone');
  await assertAccessible(cit, 'rating');
  await cit.getByTestId('rating-submit').click();
  await cit.getByTestId('rating-done').waitFor();
  await shot(cit, '12-rated-zh-phone');
  const rating = await server.handle.db.selectFrom('ratings').selectAll().where('case_id', '=', c.id).executeTakeFirstOrThrow();
  assert.equal(rating.score, 5);
  assert.equal(rating.comment, '外区户籍也能就近办理，很方便');
  after = await server.handle.db.selectFrom('cases').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
  await citCtx.close();
});
