/**
 * Overriding a rule outcome needs a reason and a second person (issue 3), from the back
 * office: an approver whose case failed the age condition asks for an override on the task
 * page, sees it waiting and cannot approve; a supervisor confirms it on the supervision page;
 * the approver then approves. And the applicant sees on their case that their poor rating
 * was followed up (outcome and date), while staff also read the supervisor's record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createStaffUser } from '../modules/iam/service.js';
import { installTestItems } from '../modules/cases/testkit.js';
import { PRINTOUT_ITEM, SUBSIDY_ITEM } from '../modules/cases/supervision-testkit.js';
import { assertAccessible, assertNoHorizontalScroll, browserSuite, citizenLogin, newContext, PASSWORD, PHONE, screenshot, staffLogin, WIDE } from './browser.js';

const suite = browserSuite(seed);
const { call, staffCookie, citizenCookie } = suite;
let subsidy: { id: string; trackingNo: string };
let printout: { id: string; trackingNo: string };
const ids: Record<string, string> = {};

/** The data of these tests: staff users, and cases made through the API as tellers and citizens would make them. */
async function seed() {
  const db = suite.server.handle.db;
  await installTestItems(db, [SUBSIDY_ITEM, PRINTOUT_ITEM]);
  for (const [username, role, displayName] of [
    ['approver', 'approver', '吴审批'],
    ['supervisor', 'supervisor', '周监督'],
  ] as const) {
    ids[username] = await createStaffUser(db, { username, displayName, password: PASSWORD, roles: [role], servicePointId: 'SP371000', scopeRegion: '3710' });
  }
  const zhang = suite.server.city.persons.zhang!;
  // 张伟 (41) applies at the counter for the youth start-up subsidy: the age condition fails, the case waits for approval.
  const body = await call('POST', '/api/cases', await staffCookie('teller.hc'), { itemCode: SUBSIDY_ITEM.code, applicantId: zhang.personId, channel: 'counter', answers: {}, materials: [] });
  subsidy = { id: body.case.id, trackingNo: body.case.trackingNo };
  // A print-out on the phone, rated poorly, then followed up by the supervisor.
  const citizen = await citizenCookie(zhang.residentId);
  const p = await call('POST', '/api/cases', citizen, { itemCode: PRINTOUT_ITEM.code, channel: 'mobile', answers: {}, materials: [] });
  printout = { id: p.case.id, trackingNo: p.case.trackingNo };
  await call('POST', `/api/cases/${printout.id}/rating`, citizen, { score: 1, comment: '页面提示不清楚' });
  await call('POST', `/api/ratings/${printout.id}/follow-up`, await staffCookie('supervisor'), { outcome: 'rectified', note: '已电话联系张先生致歉，打印页面已增加操作提示' });
}

async function shot(page: Page, name: string) {
  await assertNoHorizontalScroll(page, name);
  await screenshot(page, `or-${name}`);
}

/** The age condition in the task page's rules trace. */
const rule = (page: Page) => page.locator('[data-testid="trace-rule"][data-rule="under_40"]');

test('an approver asks for an override with a reason, a supervisor confirms it, then the approver approves', { timeout: 300_000 }, async () => {
  const db = suite.server.handle.db;
  const ctx = await newContext(suite.browser, { viewport: WIDE });
  const page = await ctx.newPage();
  await staffLogin(page, suite.server.url, 'approver', PASSWORD);
  await page.waitForURL(`${suite.server.url}/backoffice`);
  await page.getByRole('link', { name: subsidy.trackingNo }).click();
  await page.getByTestId('claim').click();
  await page.getByTestId('action-approve').waitFor();

  // The failed condition, with its override action; approval is blocked and says why.
  const under40 = rule(page);
  await under40.getByText('不符合').waitFor();
  assert.equal(await page.getByTestId('action-approve').isDisabled(), true);
  const blocked = page.getByTestId('action-blocked');
  assert.match(await blocked.innerText(), /暂不能“审核通过”/);
  assert.match(await blocked.innerText(), /未满四十周岁/);
  await under40.getByRole('button', { name: '为条件“未满四十周岁”申请例外' }).click();

  // The reason is required.
  const dialog = page.getByRole('dialog');
  await dialog.getByText('申请规则例外 · 未满四十周岁').waitFor();
  await dialog.getByTestId('override-submit').click();
  await dialog.getByText('请填写理由').waitFor();
  await dialog.getByLabel('理由').fill('受理延误');
  await dialog.getByText('理由至少 5 个字').waitFor();
  const reason = '受理延误导致申请时已满四十周岁，经核实按受理日计算';
  await dialog.getByLabel('理由').fill(reason);
  await shot(page, '01-request-dialog-zh-desktop');
  await assertAccessible(page, 'request dialog');
  await dialog.getByTestId('override-submit').click();
  await page.getByTestId('override-sent').getByText('已为条件“未满四十周岁”申请例外，待第二人确认').waitFor();
  await under40.getByTestId('override-status').getByText('待第二人确认').waitFor();
  assert.match(await under40.innerText(), new RegExp(`吴审批 于 .* 申请，理由：${reason}`));
  assert.equal(await under40.getByTestId('override-request').count(), 0, 'no second request while one waits');
  assert.equal(await page.getByTestId('action-approve').isDisabled(), true, 'still blocked until someone else confirms');
  const o = await db.selectFrom('overrides').selectAll().where('case_id', '=', subsidy.id).executeTakeFirstOrThrow();
  assert.equal(o.status, 'requested');
  assert.equal(o.rule_id, 'under_40');
  assert.equal(o.reason, reason);
  assert.equal(o.requested_by, ids.approver);
  await shot(page, '02-pending-zh-desktop');
  await assertAccessible(page, 'pending override');

  // The same, on a phone in English.
  const phone = await newContext(suite.browser, { viewport: PHONE, lang: 'en' });
  const small = await phone.newPage();
  await staffLogin(small, suite.server.url, 'approver', PASSWORD);
  await small.waitForURL(`${suite.server.url}/backoffice`);
  await small.goto(`${suite.server.url}/backoffice/cases/${subsidy.id}`);
  await rule(small).getByTestId('override-status').getByText('Awaiting a second person').waitFor();
  await small.getByTestId('action-blocked').getByText('“Approve” is blocked').waitFor();
  assert.match(await small.getByTestId('action-blocked').innerText(), /Under 40/);
  await shot(small, '03-pending-en-phone');
  await assertAccessible(small, 'pending override en phone');
  await phone.close();

  // The second person: the supervisor confirms it on the supervision page.
  const sup = await newContext(suite.browser, { viewport: WIDE });
  const supPage = await sup.newPage();
  await staffLogin(supPage, suite.server.url, 'supervisor', PASSWORD);
  await supPage.waitForURL(`${suite.server.url}/supervision`);
  await supPage.goto(`${suite.server.url}/supervision?tab=overrides`);
  const entry = supPage.getByTestId('override-entry').filter({ hasText: subsidy.trackingNo });
  assert.match(await entry.innerText(), new RegExp(reason));
  await entry.getByTestId('override-confirm').click();
  const decide = supPage.getByRole('dialog');
  // As a person would: the dialog is open, its field shown (the form mounted), before the click.
  await decide.getByLabel('意见').waitFor();
  await decide.getByTestId('decide-submit').click();
  await decide.getByText('请填写意见').waitFor();
  await decide.getByLabel('意见').fill('已核实受理日期，同意按受理日计算年龄');
  await decide.getByTestId('decide-submit').click();
  await supPage.getByTestId('decide-done').waitFor();
  await sup.close();

  // Back on the task page: confirmed, by whom and when; approval goes through.
  await page.reload();
  await under40.getByTestId('override-status').getByText('例外已确认').waitFor();
  assert.match(await under40.getByTestId('override-decided').innerText(), /周监督 于 .* 确认 · 意见：已核实受理日期，同意按受理日计算年龄/);
  await page.getByTestId('action-approve').waitFor();
  assert.equal(await page.getByTestId('action-approve').isDisabled(), false);
  assert.equal(await page.getByTestId('action-blocked').count(), 0);
  await shot(page, '04-confirmed-zh-desktop');
  await page.getByTestId('lang-switch').click();
  await under40.getByTestId('override-status').getByText('Override confirmed').waitFor();
  assert.match(await under40.getByTestId('override-decided').innerText(), /Confirmed by 周监督 on/);
  await shot(page, '05-confirmed-en-desktop');
  await assertAccessible(page, 'confirmed override en');
  await page.getByTestId('action-approve').click();
  await page.getByTestId('action-confirm').click();
  await page.getByTestId('task-done').waitFor();
  const c = await db.selectFrom('cases').select('status').where('id', '=', subsidy.id).executeTakeFirstOrThrow();
  assert.ok(['approved', 'completed'].includes(c.status), c.status);
  await ctx.close();
});

test('the applicant sees their poor rating was followed up; staff also read the record', { timeout: 180_000 }, async () => {
  const zhang = suite.server.city.persons.zhang!;
  const note = '已电话联系张先生致歉，打印页面已增加操作提示';
  for (const lang of ['zh-CN', 'en'] as const) {
    // Signed in in Chinese (the login helper reads the Chinese form), then switched.
    const ctx = await newContext(suite.browser, { viewport: PHONE });
    const page = await ctx.newPage();
    await citizenLogin(page, suite.server.url, zhang.residentId, PASSWORD);
    await page.goto(`${suite.server.url}/me/cases/${printout.id}`);
    if (lang === 'en') await page.getByTestId('lang-switch').click();
    const fu = page.getByTestId('rating-follow-up');
    await fu.getByText(lang === 'en' ? 'Followed up' : '已回访').waitFor();
    const text = await fu.innerText();
    assert.match(text, lang === 'en' ? /The problem has been put right/ : /问题已整改/);
    assert.match(text, /\d{4}-\d{2}-\d{2}/);
    assert.equal(text.includes(note), false, 'the supervisor’s record is not shown to the applicant');
    assert.equal(text.includes('周监督'), false);
    await shot(page, `06-followed-up-${lang}-phone`);
    await assertAccessible(page, `followed up ${lang}`);
    await ctx.close();
  }
  const ctx = await newContext(suite.browser, { viewport: WIDE });
  const page = await ctx.newPage();
  await staffLogin(page, suite.server.url, 'teller.hc', PASSWORD);
  await page.waitForURL(/\/staff\/search$/);
  await page.goto(`${suite.server.url}/staff/cases/${printout.id}`);
  const read = page.getByTestId('rating-read');
  await read.getByText('已回访').waitFor();
  const text = await read.innerText();
  for (const part of ['1 星（非常不满意）', '页面提示不清楚', '已整改', note, '周监督']) assert.ok(text.includes(part), `${part} in ${text}`);
  await shot(page, '07-followed-up-staff-zh-desktop');
  await assertAccessible(page, 'followed up staff');
  await ctx.close();
});
