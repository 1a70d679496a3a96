import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  axeViolations,
  browserSuite,
  DESKTOP,
  horizontalOverflow,
  newContext,
  PASSWORD,
  PHONE,
  screenshot,
  seriousOrWorse,
  staffLogin,
} from './browser.js';

const suite = browserSuite();

async function searchFor(page: Page, q: string): Promise<void> {
  const box = page.getByRole('searchbox', { name: /查询人员|Search persons/ });
  await box.fill(q);
  await box.press('Enter');
  await page.getByTestId('result-count').waitFor();
}

function resultRows(page: Page) {
  return page.locator('[data-testid="results"] tbody tr.ant-table-row');
}

describe('web shell: sign-in, person search, citizen home', () => {
  test('a teller signs in in Chinese, finds 张伟 masked, and unmasks him with a reason', async () => {
    const context = await newContext(suite.browser, { viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${suite.server.url}/login`);
    assert.equal(await page.title(), '通办 · 人社公共服务平台');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await page.getByRole('tab', { name: '工作人员' }).waitFor();
    await screenshot(page, 'login-zh-desktop');

    await staffLogin(page, suite.server.url, 'teller.hc', PASSWORD);
    await page.waitForURL(`${suite.server.url}/staff/search`);
    // The header names the signed-in user and their role.
    await assert.doesNotReject(page.getByTestId('current-user').getByText('teller.hc').waitFor());
    await page.getByText('综合柜员').waitFor();

    await searchFor(page, '张伟');
    const rows = resultRows(page);
    assert.equal(await rows.count(), 1);
    const row = rows.first();
    const fullId = suite.server.city.persons.zhang!.residentId;
    const rowText = await row.innerText();
    assert.match(rowText, /张伟/);
    assert.ok(!rowText.includes(fullId), 'the search result must not show the full resident ID');
    assert.match(rowText, new RegExp(`${fullId.slice(0, 4)}\\*{6,}${fullId.slice(-4)}`), 'the resident ID is shown masked');
    await screenshot(page, 'search-zh-desktop');

    await row.getByRole('button', { name: /查看完整信息/ }).click();
    const dialog = page.getByRole('dialog');
    // A reason is required.
    await dialog.getByRole('button', { name: '确认查看' }).click();
    await dialog.getByText('请填写查看事由').waitFor();
    await dialog.getByLabel('查看事由').fill('办理社保卡补换，核对本人身份');
    await dialog.getByRole('button', { name: '确认查看' }).click();
    await dialog.getByTestId('full-resident-id').waitFor();
    assert.equal(await dialog.getByTestId('full-resident-id').innerText(), fullId);
    await screenshot(page, 'unmask-zh-desktop');

    // The unmasking is in the audit trail with the reason.
    const audit = await suite.server.handle.db.selectFrom('audit_log').selectAll().where('action', '=', 'person.unmask').execute();
    assert.equal(audit.length, 1);
    assert.match(JSON.stringify(audit[0]), /办理社保卡补换/);

    // Signing out returns to the login page, and the session is gone.
    await dialog.getByRole('button', { name: '关闭' }).first().click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${suite.server.url}/login`);
    await page.goto(`${suite.server.url}/staff/search`);
    await page.waitForURL(`${suite.server.url}/login`);
    await context.close();
  });

  test('a citizen signs in with ID and password, sees their own record, and cannot open another person', async () => {
    const zhang = suite.server.city.persons.zhang!;
    await suite.server.handle.db
      .insertInto('insured_status')
      .values([
        { person_id: zhang.personId, insurance_type: 'pension_employee', status: 'active', since: '2008-07-01', prior_months: 180 },
        { person_id: zhang.personId, insurance_type: 'unemployment', status: 'active', since: '2008-07-01', prior_months: 175 },
      ])
      .execute();
    const context = await newContext(suite.browser, { viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${suite.server.url}/login`);
    await page.getByRole('tab', { name: '居民' }).click();
    const panel = page.getByRole('tabpanel', { name: '居民' });
    await panel.getByLabel('身份证号', { exact: true }).fill(suite.server.city.persons.zhang!.residentId);
    await panel.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await panel.getByRole('button', { name: /^登\s?录$/ }).click();
    await page.waitForURL(`${suite.server.url}/me`);
    await page.getByTestId('citizen-name').getByText('张伟').waitFor();
    const record = await page.getByTestId('own-record').innerText();
    assert.ok(record.includes(suite.server.city.persons.zhang!.residentId), 'a citizen sees their own full ID');
    const insurance = page.getByTestId('insurance-table');
    await insurance.getByText('职工基本养老保险').waitFor();
    const pensionRow = insurance.locator('tr', { hasText: '职工基本养老保险' });
    assert.match(await pensionRow.innerText(), /正常参保[\s\S]*180 个月/);
    await screenshot(page, 'citizen-home-zh-desktop');
    const bad = seriousOrWorse(await axeViolations(page));
    assert.deepEqual(bad, [], `/me: ${JSON.stringify(bad, null, 2)}`);

    // The same page in English names the insurance in English.
    await page.getByRole('button', { name: /Switch the language to English/ }).click();
    await insurance.getByText('Employee basic pension').waitFor();
    await screenshot(page, 'citizen-home-en-desktop');

    const other = await page.goto(`${suite.server.url}/api/persons/${suite.server.city.persons.li!.personId}`);
    assert.equal(other?.status(), 404);
    const own = await page.goto(`${suite.server.url}/api/persons/${suite.server.city.persons.zhang!.personId}`);
    assert.equal(own?.status(), 200);
    await context.close();
  });

  test('a citizen signs in with an SMS code sent to the phone on record', async () => {
    const li = suite.server.city.persons.li!;
    const context = await newContext(suite.browser, { viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${suite.server.url}/login`);
    await page.getByRole('tab', { name: '居民' }).click();
    const panel = page.getByRole('tabpanel', { name: '居民' });
    await panel.getByText('短信验证码登录').click();
    await panel.getByLabel('身份证号', { exact: true }).fill(li.residentId);
    await panel.getByRole('button', { name: '获取验证码' }).click();
    await panel.getByText('验证码已发送').waitFor();
    // The button counts down instead of sending again at once.
    assert.ok(await panel.getByTestId('send-code').isDisabled());
    const sms = await suite.server.handle.db.selectFrom('sms_messages').selectAll().where('phone', '=', '13906305678').execute();
    assert.equal(sms.length, 1);
    const code = /\d{6}/.exec(sms[0]!.text)?.[0];
    assert.ok(code, `no code in "${sms[0]!.text}"`);
    await panel.getByLabel('短信验证码', { exact: true }).fill(code);
    await screenshot(page, 'login-sms-zh-phone');
    await panel.getByRole('button', { name: /^登\s?录$/ }).click();
    await page.waitForURL(`${suite.server.url}/me`);
    await page.getByTestId('citizen-name').getByText('李娜').waitFor();
    const o = await horizontalOverflow(page);
    assert.ok(o.scrollWidth <= o.innerWidth, `/me is ${o.scrollWidth}px wide on a ${o.innerWidth}px screen`);
    await screenshot(page, 'citizen-home-zh-phone');
    await context.close();
  });

  test('a wrong password shows the server message in Chinese, and in English after switching language', async () => {
    const context = await newContext(suite.browser, { viewport: DESKTOP });
    const page = await context.newPage();
    await staffLogin(page, suite.server.url, 'teller.wd', 'not-the-password');
    const error = page.getByRole('alert').filter({ hasText: /账号或密码错误|Wrong account or password/ });
    await error.waitFor();
    assert.match(await error.innerText(), /账号或密码错误/);
    assert.equal(page.url(), `${suite.server.url}/login`);
    await screenshot(page, 'login-error-zh-desktop');

    await page.getByRole('button', { name: /Switch the language to English/ }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong account or password' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.getByRole('tab', { name: 'Staff' }).waitFor();
    await screenshot(page, 'login-error-en-desktop');

    // The choice is remembered.
    await page.reload();
    await page.getByRole('tab', { name: 'Resident' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await context.close();
  });

  test('on a 390×844 phone the login and search pages do not scroll sideways', async () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const context = await newContext(suite.browser, { viewport: PHONE, lang });
      const page = await context.newPage();
      const suffix = lang === 'en' ? 'en' : 'zh';
      await page.goto(`${suite.server.url}/login`);
      await page.getByRole('tab').first().waitFor();
      let o = await horizontalOverflow(page);
      assert.ok(o.scrollWidth <= o.innerWidth, `login (${lang}) is ${o.scrollWidth}px wide on a ${o.innerWidth}px screen`);
      await screenshot(page, `login-${suffix}-phone`);

      await staffLogin(page, suite.server.url, 'teller.hc', PASSWORD);
      await page.waitForURL(`${suite.server.url}/staff/search`);
      await searchFor(page, 'zhang');
      // On a phone the results are a list of cards, not a wide table.
      const items = page.getByTestId('result-item');
      assert.ok((await items.count()) >= 1);
      o = await horizontalOverflow(page);
      assert.ok(o.scrollWidth <= o.innerWidth, `search (${lang}) is ${o.scrollWidth}px wide on a ${o.innerWidth}px screen`);
      // The name, masked ID and unmask action stay visible on a phone.
      const first = items.first();
      assert.match(await first.innerText(), /张伟/);
      assert.ok(await first.getByRole('button', { name: /查看完整信息|Show full record/ }).isVisible());
      const bad = seriousOrWorse(await axeViolations(page));
      assert.deepEqual(bad, [], `/staff/search on a phone (${lang}): ${JSON.stringify(bad, null, 2)}`);
      await screenshot(page, `search-${suffix}-phone`);
      await context.close();
    }
  });

  test('axe-core finds no serious or critical accessibility problems on /login and /staff/search', async () => {
    const context = await newContext(suite.browser, { viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${suite.server.url}/login`);
    await page.getByRole('tab').first().waitFor();
    let bad = seriousOrWorse(await axeViolations(page));
    assert.deepEqual(bad, [], `/login: ${JSON.stringify(bad, null, 2)}`);

    await page.getByRole('tab', { name: '居民' }).click();
    await page.getByText('短信验证码登录').click();
    await page.getByTestId('send-code').waitFor();
    bad = seriousOrWorse(await axeViolations(page));
    assert.deepEqual(bad, [], `/login (citizen, SMS code): ${JSON.stringify(bad, null, 2)}`);

    await staffLogin(page, suite.server.url, 'teller.hc', PASSWORD);
    await page.waitForURL(`${suite.server.url}/staff/search`);
    await searchFor(page, '张');
    bad = seriousOrWorse(await axeViolations(page));
    assert.deepEqual(bad, [], `/staff/search: ${JSON.stringify(bad, null, 2)}`);
    await context.close();
  });
});
