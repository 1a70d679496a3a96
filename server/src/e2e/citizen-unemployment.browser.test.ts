/**
 * Scenario 1 (issue 5): a citizen on a phone-sized screen applies for unemployment benefit,
 * is told (once) the one material still missing, adds it, submits and sees the receipt.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, assertNoHorizontalScroll, citizenLogin, giveCard, launchBrowser, newContext, PASSWORD, PHONE, screenshot, startServer, type TestServer } from './browser.js';
import { smallPng } from './fixtures-files.js';

let server: TestServer;
let browser: Browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const zhang = server.city.persons.zhang!;
  // 张伟: insured for unemployment for years, with an active card (so only the separation certificate is missing).
  await server.handle.db
    .insertInto('insured_status')
    .values([{ person_id: zhang.personId, insurance_type: 'unemployment', status: 'active', since: '2008-07-01', prior_months: 175 }])
    .execute();
  await giveCard(server.handle.db, zhang.personId, 'SC3710020001');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function check(page: Page, name: string) {
  await assertNoHorizontalScroll(page, name);
  await screenshot(page, `s1-${name}`);
}

test('a citizen on a phone applies for unemployment benefit, adds the one missing material, and gets the receipt', { timeout: 180_000 }, async () => {
  const zhang = server.city.persons.zhang!;
  const context = await newContext(browser, { viewport: PHONE });
  const page = await context.newPage();
  await citizenLogin(page, server.url, zhang.residentId, PASSWORD);

  // The portal's services: search in Chinese.
  await page.getByTestId('nav-services').click();
  await page.waitForURL(`${server.url}/me/services`);
  await page.getByRole('searchbox', { name: '搜索事项' }).fill('失业');
  const tile = page.getByTestId('service-371000-SB-0010');
  await tile.waitFor();
  assert.match(await tile.innerText(), /失业保险金申领/);
  await check(page, '01-services-zh-phone');
  await assertAccessible(page, 'services');
  await tile.click();

  // Eligibility first: what the system knows, and the conditions with their legal basis.
  await page.getByTestId('wizard-heading').getByText('先看看您是否符合条件').waitFor();
  const rules = page.getByTestId('rules');
  await rules.getByText('失业前缴纳失业保险费满一年').waitFor();
  assert.match(await rules.innerText(), /社会保险法/);
  assert.equal(await rules.locator('li[data-result="pass"]', { hasText: '失业前缴纳失业保险费满一年' }).count(), 1);
  await check(page, '02-eligibility-zh-phone');
  await assertAccessible(page, 'eligibility');
  await page.getByTestId('wizard-start').click();

  // One question per page on a phone (in the order the server gives them).
  const answers: Record<string, (p: Page) => Promise<void>> = {
    '解除/终止劳动关系日期': (p) => p.getByLabel('解除/终止劳动关系日期').fill('2026-10-31'),
    '是否本人意愿中断就业（主动辞职）': (p) => p.getByRole('radio', { name: '否' }).check(),
    '已办理失业登记': (p) => p.getByRole('radio', { name: '是' }).check(),
    '有求职要求，愿意接受职业介绍': (p) => p.getByRole('radio', { name: '是' }).check(),
  };
  const seen: string[] = [];
  for (let n = 1; n <= 4; n++) {
    await page.getByText(`第 ${n} 题，共 4 题`).waitFor();
    const question = (await page.getByTestId('wizard-heading').innerText()).trim();
    assert.ok(answers[question], `unexpected question ${question}`);
    seen.push(question);
    if (n === 1) {
      // Nothing answered: the question says so instead of moving on.
      await page.getByTestId('wizard-next').click();
      await page.getByText('请回答此问题').waitFor();
      await check(page, '03-question-required-zh-phone');
      await assertAccessible(page, 'question');
    }
    await answers[question]!(page);
    await page.getByTestId('wizard-next').click();
  }
  assert.equal(new Set(seen).size, 4, 'each question asked once');

  // Check your answers, with change links that come back here.
  await page.getByTestId('wizard-heading').getByText('提交前请核对').waitFor();
  assert.equal(await page.getByTestId('answer-separatedOn').innerText(), '2026-10-31');
  await page.getByTestId('change-separatedOn').click();
  await page.getByLabel('解除/终止劳动关系日期').fill('2026-10-30');
  await page.getByTestId('wizard-next').click();
  await page.getByTestId('wizard-heading').getByText('提交前请核对').waitFor();
  assert.equal(await page.getByTestId('answer-separatedOn').innerText(), '2026-10-30');
  assert.equal(await page.getByTestId('answer-leftVoluntarily').innerText(), '否');
  // The ID card is taken from master data (免提交); the separation certificate is not on file.
  assert.match(await page.getByTestId('material-identity_card').innerText(), /免提交/);
  assert.match(await page.getByTestId('material-separation_certificate').innerText(), /需提交/);
  await check(page, '04-check-answers-zh-phone');
  await assertAccessible(page, 'check your answers');

  // Submitting without it: the one-time notice names exactly the one missing material.
  await page.getByTestId('wizard-submit').click();
  await page.getByTestId('notice').waitFor();
  const missing = page.getByTestId('notice-missing').locator('li');
  assert.equal(await missing.count(), 1);
  assert.equal(await missing.first().innerText(), '解除或终止劳动关系证明');
  assert.ok(await page.getByTestId('wizard-resubmit').isDisabled(), 'cannot resubmit before adding it');
  await check(page, '05-one-time-notice-zh-phone');
  await assertAccessible(page, 'one-time notice');
  const notices = await server.handle.db.selectFrom('notices').selectAll().where('person_id', '=', zhang.personId).execute();
  assert.equal(notices.length, 1);

  // Adds it (a real PNG "scan"), then submits.
  await page.getByTestId('file-separation_certificate').setInputFiles({ name: '离职证明.png', mimeType: 'image/png', buffer: smallPng() });
  await page.getByTestId('material-separation_certificate').getByText('已上传').waitFor();
  await check(page, '06-material-added-zh-phone');
  await page.getByTestId('wizard-resubmit').click();

  // The confirmation: reference number, receipt, next steps.
  await page.getByTestId('confirmation').waitFor();
  const trackingNo = (await page.getByTestId('confirmation-no').innerText()).trim();
  assert.match(trackingNo, /^TB\d{8}/);
  assert.equal((await page.getByTestId('tracking-no').innerText()).trim(), trackingNo);
  await check(page, '07-receipt-zh-phone');
  await assertAccessible(page, 'confirmation');

  const cases = await server.handle.db.selectFrom('cases').selectAll().where('person_id', '=', zhang.personId).execute();
  assert.equal(cases.length, 1);
  assert.equal(cases[0]!.tracking_no, trackingNo);
  assert.equal(cases[0]!.channel, 'web');
  const materials = cases[0]!.materials as Record<string, string>;
  const archived = await server.handle.db.selectFrom('archive_records').selectAll().where('id', '=', materials.separation_certificate!).executeTakeFirstOrThrow();
  assert.equal(archived.media_type, 'image/png');
  assert.equal(archived.person_id, zhang.personId);

  // The same receipt in English.
  await page.getByTestId('lang-switch').click();
  await page.getByText('Application accepted').waitFor();
  assert.match(await page.getByTestId('receipt').innerText(), /Unemployment benefit claim/);
  await check(page, '08-receipt-en-phone');

  // My applications lists it with its status.
  await page.getByTestId('view-case').click();
  await page.getByTestId('case-title').getByText(trackingNo).waitFor();
  await check(page, '09-case-en-phone');
  await context.close();
});
