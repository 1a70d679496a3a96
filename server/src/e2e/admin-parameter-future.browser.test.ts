/**
 * Scenario 4 (issue 5): an administrator publishes a parameter change with a future effective
 * date (four eyes: a second administrator publishes the draft); an application made before
 * that date is still decided with the old value.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { addStaff, assertAccessible, assertNoHorizontalScroll, citizenLogin, giveCard, launchBrowser, newContext, PASSWORD, screenshot, staffLogin, startServer, WIDE, type TestServer } from './browser.js';
import { smallPng } from './fixtures-files.js';

let server: TestServer;
let browser: Browser;
const KEY = 'unemployment.min_contribution_months';
const FUTURE = '2027-01-01';

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await addStaff(server.handle.db, 'admin2', 'administrator', 'SP371000', '3710');
  // 李娜: 18 months of unemployment insurance — enough under the rule in force (12), not under the new one (24).
  const li = server.city.persons.li!;
  await server.handle.db.insertInto('insured_status').values([{ person_id: li.personId, insurance_type: 'unemployment', status: 'active', since: '2025-05-01', prior_months: 18 }]).execute();
  await giveCard(server.handle.db, li.personId, 'SC3710020002');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function shot(page: Page, name: string) {
  await assertNoHorizontalScroll(page, name);
  await screenshot(page, `s4-${name}`);
}

test('a parameter change published for a future date leaves applications made before it on the old value', { timeout: 300_000 }, async () => {
  // ---- The first administrator proposes 24 months from a future date.
  const ctx1 = await newContext(browser, { viewport: WIDE });
  const a1 = await ctx1.newPage();
  await staffLogin(a1, server.url, 'admin', PASSWORD);
  await a1.waitForURL(`${server.url}/staff/search`);
  await a1.getByTestId('nav-adminParameters').click();
  await a1.getByTestId(`param-${KEY}`).click();
  const detail = a1.getByTestId('param-detail');
  await detail.getByTestId('param-timeline').getByText('2011-07-01').waitFor();
  await shot(a1, '01-parameters-zh-desktop');
  await assertAccessible(a1, 'parameters');
  const form = a1.getByTestId('param-form');
  await form.getByLabel(/^取值/).fill('24');
  await form.getByLabel('生效日期').fill(FUTURE);
  await form.getByLabel('依据文件').fill('《中华人民共和国社会保险法》（演示：假设的修订）');
  await form.getByLabel('条款 / 文号').fill('第四十五条第一项');
  await form.getByLabel('调整理由').fill('演示：未来生效的参数调整');
  await a1.getByTestId('param-propose').click();
  await a1.getByTestId('param-notice').getByText('须由另一位管理员审核发布').waitFor();
  // The drafter cannot publish their own draft.
  assert.ok(await detail.getByTestId('publish-draft').isDisabled());
  await shot(a1, '02-draft-zh-desktop');
  await ctx1.close();

  // ---- A second administrator publishes it.
  const ctx2 = await newContext(browser, { viewport: WIDE, lang: 'en' });
  const a2 = await ctx2.newPage();
  await staffLogin(a2, server.url, 'admin2', PASSWORD);
  await a2.waitForURL(`${server.url}/staff/search`);
  await a2.goto(`${server.url}/admin/parameters`);
  await a2.getByTestId(`param-${KEY}`).click();
  await a2.getByTestId('publish-draft').click();
  await a2.getByTestId('param-notice').getByText('Published').waitFor();
  const future = a2.getByTestId(`version-${FUTURE}`);
  await future.getByText('Published').waitFor();
  assert.match(await future.innerText(), /24/);
  await shot(a2, '03-published-en-desktop');
  await ctx2.close();
  const published = await server.handle.db.selectFrom('parameter_versions').selectAll().where('key', '=', KEY).where('effective_from', '=', FUTURE).executeTakeFirstOrThrow();
  assert.equal(published.status, 'published');

  // ---- Today, before that date, 李娜 applies: the rule still reads 12 and she qualifies.
  const li = server.city.persons.li!;
  const ctx3 = await newContext(browser, { viewport: WIDE });
  const cit = await ctx3.newPage();
  await citizenLogin(cit, server.url, li.residentId, PASSWORD);
  await cit.goto(`${server.url}/me/apply/371000-SB-0010`);
  const rules = cit.getByTestId('rules');
  await rules.getByText('失业前缴纳失业保险费满一年').waitFor();
  assert.equal(await rules.locator('li[data-result="pass"]', { hasText: '失业前缴纳失业保险费满一年' }).count(), 1, 'decided with the value in force today (12 months)');
  await shot(cit, '04-eligibility-old-value-zh-desktop');
  await cit.getByTestId('wizard-start').click();
  // The wide portal form: all questions on one page.
  const dense = cit.getByTestId('dense-form');
  await dense.getByLabel('解除/终止劳动关系日期').fill('2026-10-31');
  await dense.getByRole('radiogroup', { name: '是否本人意愿中断就业（主动辞职）' }).getByRole('radio', { name: '否' }).check();
  await dense.getByRole('radiogroup', { name: '已办理失业登记' }).getByRole('radio', { name: '是' }).check();
  await dense.getByRole('radiogroup', { name: '有求职要求，愿意接受职业介绍' }).getByRole('radio', { name: '是' }).check();
  await cit.getByTestId('wizard-next').click();
  await cit.getByTestId('wizard-heading').getByText('提交前请核对').waitFor();
  // Upload what the application still needs, then submit.
  for (const code of ['separation_certificate', 'identity_card']) {
    const input = cit.getByTestId(`file-${code}`);
    if (await input.count()) {
      await input.setInputFiles({ name: `${code}.png`, mimeType: 'image/png', buffer: smallPng() });
      await cit.getByTestId(`material-${code}`).getByText('已上传').waitFor();
    }
  }
  await cit.getByTestId('wizard-submit').click();
  await cit.getByTestId('confirmation').waitFor();
  const trackingNo = (await cit.getByTestId('confirmation-no').innerText()).trim();
  await shot(cit, '05-receipt-zh-desktop');

  // The stored decision names the parameter version it used: the old one, value 12.
  const c = await server.handle.db.selectFrom('cases').selectAll().where('tracking_no', '=', trackingNo).executeTakeFirstOrThrow();
  const res = await cit.request.get(`${server.url}/api/cases/${c.id}/decision`);
  assert.equal(res.status(), 200);
  const { decision } = (await res.json()) as { decision: { outcome: string; parameters: { key: string; versionId: string; value: unknown }[] } };
  const used = decision.parameters.find((p) => p.key === KEY);
  assert.ok(used, JSON.stringify(decision.parameters));
  assert.equal(used.value, 12);
  assert.notEqual(used.versionId, published.version_id);
  assert.notEqual(decision.outcome, 'ineligible');
  await ctx3.close();
});
