/**
 * Issue 5, administration: an administrator creates a reviewer with a generated one-time
 * password, finds them in the list and disables them (their session ends at once); the roles
 * tab shows what each role may do; the working-day calendar marks the 2026 National Day holiday
 * and its make-up working Saturday. Chinese on a desktop, English on a phone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { assertAccessible, assertNoHorizontalScroll, browserSuite, newContext, PASSWORD, PHONE, SCREENSHOTS, screenshot, staffLogin, WIDE } from './browser.js';

const suite = browserSuite();

async function shot(page: Page, name: string) {
  await assertNoHorizontalScroll(page, name);
  await screenshot(page, `admin-users-calendar-${name}`);
}

/** Signs in over the API (as another browser would) and returns the session cookie. */
async function apiLogin(username: string, password: string): Promise<string | null> {
  const res = await fetch(`${suite.server.url}/api/auth/staff/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const cookie = res.headers.get('set-cookie');
  return res.status === 204 && cookie ? cookie.split(';')[0]! : null;
}
const meStatus = async (cookie: string) => (await fetch(`${suite.server.url}/api/me`, { headers: { cookie } })).status;

/** Shows the given year in the calendar, whatever year it is today. */
async function showYear(page: Page, year: number) {
  for (let i = 0; i < 20; i++) {
    const label = await page.getByTestId('calendar-year-label').innerText();
    const shown = Number(/\d{4}/.exec(label)![0]);
    if (shown === year) break;
    await page.getByTestId(shown < year ? 'calendar-next' : 'calendar-prev').click();
    await page.getByTestId('calendar-year-label').getByText(String(shown < year ? shown + 1 : shown - 1)).waitFor();
  }
  await page.locator(`[data-testid="calendar-year"][data-year="${year}"]`).waitFor();
}

test('an administrator creates a reviewer, finds and disables them, and reads the roles and the 2026 calendar', { timeout: 300_000 }, async () => {
  const ctx = await newContext(suite.browser, { viewport: WIDE });
  const page = await ctx.newPage();
  await staffLogin(page, suite.server.url, 'admin', PASSWORD);
  await page.waitForURL(`${suite.server.url}/staff/search`);
  await page.getByTestId('nav-adminUsers').click();
  const list = page.getByTestId('user-list');
  await list.getByText('teller.hc').first().waitFor();
  assert.equal(await list.getByText('rev.sun').count(), 0);
  await shot(page, '01-users-zh-desktop');
  await assertAccessible(page, 'users list');

  // ---- Create a reviewer with a generated one-time password.
  await page.getByTestId('user-create-open').click();
  const drawer = page.getByTestId('user-create');
  await drawer.getByLabel('用户名').fill('rev.sun');
  await drawer.getByLabel('姓名').fill('孙立新');
  await drawer.getByLabel('审核员').check();
  await drawer.getByLabel('所属网点').click();
  await page.locator('.ant-select-item-option', { hasText: 'SP371000' }).click();
  await shot(page, '02-create-zh-desktop');
  await assertAccessible(page, 'create drawer');
  await drawer.getByTestId('user-create-submit').click();
  const generated = (await page.getByTestId('generated-password').innerText()).trim();
  assert.match(generated, /^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
  await drawer.waitFor({ state: 'hidden' });
  await shot(page, '03-one-time-password-zh-desktop');
  await page.getByTestId('generated-close').click();
  await page.getByTestId('users-notice').getByText('已创建账号 rev.sun').waitFor();
  const row = list.locator('tr', { hasText: 'rev.sun' });
  await row.getByText('审核员').waitFor();
  await row.getByText('启用').filter({ visible: true }).waitFor();

  // The reviewer signs in elsewhere with the one-time password.
  const reviewerCookie = await apiLogin('rev.sun', generated);
  assert.ok(reviewerCookie, 'the generated password signs in');
  assert.equal(await meStatus(reviewerCookie), 200);

  // ---- Search for them and disable the account: their session ends at once.
  await page.getByTestId('user-search').getByRole('searchbox').fill('孙立新');
  await page.getByTestId('user-search').getByRole('searchbox').press('Enter');
  await list.locator('tbody tr').filter({ hasText: 'teller.hc' }).waitFor({ state: 'detached' });
  assert.equal(await list.locator('tbody tr').count(), 1);
  await page.getByTestId('user-edit-rev.sun').click();
  const dialog = page.getByRole('dialog', { name: /编辑账号/ });
  await dialog.getByTestId('user-enabled').click();
  await dialog.getByTestId('user-edit-save').click();
  await page.getByTestId('users-notice').getByText('已保存').waitFor();
  await row.getByText('已停用').filter({ visible: true }).waitFor();
  await dialog.waitFor({ state: 'hidden' });
  await shot(page, '04-disabled-zh-desktop');
  assert.equal(await meStatus(reviewerCookie), 401, 'the disabled reviewer’s session ended');
  assert.equal(await apiLogin('rev.sun', generated), null, 'and they cannot sign in again');
  const audit = await suite.server.handle.db.selectFrom('audit_log').select('action').where('action', 'in', ['user.create', 'user.password_set', 'user.disable']).orderBy('seq').execute();
  assert.deepEqual(audit.map((a) => a.action), ['user.create', 'user.password_set', 'user.disable']);

  // The administrator's own account: the switch is locked.
  await page.getByTestId('user-search').getByRole('searchbox').fill('admin');
  await page.getByTestId('user-search').getByRole('searchbox').press('Enter');
  await page.getByTestId('user-edit-admin').click();
  const own = page.getByRole('dialog', { name: /编辑账号/ });
  assert.ok(await own.getByTestId('user-enabled').isDisabled());
  await own.getByText('不能停用本人账号').first().waitFor();
  await own.getByRole('button', { name: /^取\s?消$/ }).click();

  // ---- Roles and their permissions.
  await page.getByRole('tab', { name: '角色与权限' }).click();
  const adminRole = page.getByTestId('role-administrator');
  await adminRole.getByText('管理工作人员账号和角色').waitFor();
  assert.match(await adminRole.innerText(), /user\.manage/);
  assert.doesNotMatch(await page.getByTestId('role-teller').innerText(), /user\.manage/);
  await shot(page, '05-roles-zh-desktop');
  await assertAccessible(page, 'roles tab');

  // ---- The working-day calendar: National Day 2026 and the Saturday worked for it.
  await page.getByTestId('nav-adminCalendars').click();
  await showYear(page, 2026);
  const national = page.getByTestId('day-2026-10-01');
  assert.equal(await national.getAttribute('data-kind'), 'holiday');
  assert.match((await national.getAttribute('title'))!, /国庆节/);
  assert.match(await national.innerText(), /国庆节/, 'named for screen readers too');
  assert.equal(await page.getByTestId('day-2026-10-10').getAttribute('data-kind'), 'make-up-working-day');
  assert.equal(await page.getByTestId('day-2026-10-11').getAttribute('data-kind'), 'weekend');
  await page.getByTestId('calendar-notes').getByText('2026-10-01 至 2026-10-07，共 7 天').waitFor();
  assert.match(await page.getByTestId('calendar-source').innerText(), /国务院办公厅关于2026年部分节假日安排的通知/);
  // The due-date calculator is still there, on the same calendar: 9/30 + 3 working days skips the holiday week.
  await page.getByTestId('calendar-calc').click();
  await page.getByTestId('calendar-due').getByText('2026-10-10').waitFor();
  await shot(page, '06-calendar-zh-desktop');
  await assertAccessible(page, 'calendar');
  // A year without a loaded notice says so.
  await showYear(page, 2027);
  await page.getByTestId('calendar-assumed').waitFor();
  await ctx.close();

  // ---- English, on a phone.
  const phone = await newContext(suite.browser, { viewport: PHONE, lang: 'en' });
  const p = await phone.newPage();
  await staffLogin(p, suite.server.url, 'admin', PASSWORD);
  await p.waitForURL(`${suite.server.url}/staff/search`);
  await p.goto(`${suite.server.url}/admin/users`);
  const enRow = p.getByTestId('user-list').locator('tr', { hasText: 'rev.sun' });
  await enRow.getByText('Disabled').filter({ visible: true }).waitFor();
  await enRow.getByText('Reviewer').waitFor();
  await shot(p, '07-users-en-phone');
  await assertAccessible(p, 'users list (en, phone)');
  await p.getByTestId('user-create-open').click();
  await p.getByTestId('user-create').getByText('Generate a one-time password').waitFor();
  await shot(p, '08-create-en-phone');
  await p.getByRole('button', { name: 'Cancel', exact: true }).click();
  await p.goto(`${suite.server.url}/admin/calendars?year=2026`);
  const enNational = p.getByTestId('day-2026-10-01');
  await enNational.waitFor();
  assert.match((await enNational.getAttribute('title'))!, /National Day · Public holiday/);
  await p.getByTestId('calendar-notes').getByText('Make-up working day (National Day)').first().waitFor();
  await shot(p, '09-calendar-en-phone');
  await p.getByTestId('month-2026-10').screenshot({ path: path.join(SCREENSHOTS, 'admin-users-calendar-10-october-en-phone.png') });
  await assertAccessible(p, 'calendar (en, phone)');
  await phone.close();
});
