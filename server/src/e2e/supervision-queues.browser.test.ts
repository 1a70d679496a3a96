/**
 * The supervision queues (issue 5): a city supervisor confirms an override another staff member
 * asked for, and records the follow-up of a poor rating (差评回访). An approver who also
 * supervises sees their own request but cannot confirm it. Data is made through the API, as the
 * tellers, approvers and citizens would make it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createStaffUser } from '../modules/iam/service.js';
import { installTestItems } from '../modules/cases/testkit.js';
import { PRINTOUT_ITEM, SUBSIDY_ITEM } from '../modules/cases/supervision-testkit.js';
import { assertAccessible, assertNoHorizontalScroll, browserSuite, newContext, PASSWORD, PHONE, screenshot, staffLogin, WIDE } from './browser.js';

const suite = browserSuite(seed);
const { call, staffCookie, citizenCookie } = suite;
let zhangCase: { id: string; trackingNo: string };
let wangCase: { id: string; trackingNo: string };
let poorRating: { id: string; trackingNo: string };
let overrideId: string;
let ownOverrideId: string;

/** The data of these tests: staff users, and cases made through the API as tellers and citizens would make them. */
async function seed() {
  const db = suite.server.handle.db;
  await installTestItems(db, [SUBSIDY_ITEM, PRINTOUT_ITEM]);
  for (const [username, roles] of [
    ['supervisor', ['supervisor']],
    ['approver', ['approver']],
    ['approver.sup', ['approver', 'supervisor']],
  ] as const) {
    await createStaffUser(db, { username, displayName: username === 'supervisor' ? '周监督' : username === 'approver' ? '吴审批' : '郑科长', password: PASSWORD, roles: [...roles], servicePointId: 'SP371000', scopeRegion: '3710' });
  }
  const { zhang, li, wang } = suite.server.city.persons;
  // Two subsidy applications taken at the counter; both fail the age condition and wait at approval.
  const counter = async (teller: string, personId: string) => {
    const body = await call('POST', '/api/cases', await staffCookie(teller), { itemCode: SUBSIDY_ITEM.code, applicantId: personId, channel: 'counter', answers: {}, materials: [] });
    return { id: body.case.id as string, trackingNo: body.case.trackingNo as string };
  };
  zhangCase = await counter('teller.hc', zhang!.personId);
  wangCase = await counter('teller.wd', wang!.personId);
  overrideId = (await call('POST', `/api/cases/${zhangCase.id}/overrides`, await staffCookie('approver'), { ruleId: 'under_40', reason: '受理延误导致申请时已满四十周岁，经核实按受理日计算' })).id;
  ownOverrideId = (await call('POST', `/api/cases/${wangCase.id}/overrides`, await staffCookie('approver.sup'), { ruleId: 'under_40', reason: '退役军人自主创业，按政策放宽年龄' })).id;
  // Print-outs done at once on the phone, then rated: one poor (张伟), one very good (李娜).
  const rated = async (residentId: string, score: number, comment: string) => {
    const cookie = await citizenCookie(residentId);
    const body = await call('POST', '/api/cases', cookie, { itemCode: PRINTOUT_ITEM.code, channel: 'mobile', answers: {}, materials: [] });
    await call('POST', `/api/cases/${body.case.id}/rating`, cookie, { score, comment });
    return { id: body.case.id as string, trackingNo: body.case.trackingNo as string };
  };
  poorRating = await rated(zhang!.residentId, 1, '页面提示不清楚，打印了三次才成功');
  await rated(li!.residentId, 5, '很方便');
}

async function shot(page: Page, name: string) {
  await assertNoHorizontalScroll(page, name);
  await screenshot(page, `sq-${name}`);
}

test('a supervisor confirms an override asked for by an approver and follows up a poor rating', { timeout: 300_000 }, async () => {
  const db = suite.server.handle.db;
  const ctx = await newContext(suite.browser, { viewport: WIDE });
  const page = await ctx.newPage();
  await staffLogin(page, suite.server.url, 'supervisor', PASSWORD);
  await page.waitForURL(`${suite.server.url}/supervision`);
  await page.getByTestId('overdue-board').waitFor();

  // ---- 待复核的例外: both pending overrides of the city; the approver's is confirmed.
  await page.getByTestId('tab-overrides').getByText('待复核的例外（2）').click();
  const entry = page.getByTestId('override-entry').filter({ hasText: zhangCase.trackingNo });
  await entry.waitFor();
  assert.equal(await page.getByTestId('override-entry').count(), 2);
  const text = await entry.innerText();
  for (const part of ['青年创业补贴申领', '未满四十周岁', '受理延误导致申请时已满四十周岁', '吴审批']) assert.ok(text.includes(part), `${part} in ${text}`);
  await shot(page, '01-overrides-zh-desktop');
  await assertAccessible(page, 'overrides');
  await entry.getByTestId('override-confirm').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText(`确认规则例外 · ${zhangCase.trackingNo}`).waitFor();
  // The reason is required. (The field first: the dialog's body and footer finish animating in together.)
  await dialog.getByLabel('意见').waitFor();
  await dialog.getByTestId('decide-submit').click();
  await dialog.getByText('请填写意见').waitFor();
  await dialog.getByLabel('意见').fill('已核实受理日期，同意按受理日计算年龄');
  await shot(page, '02-confirm-dialog-zh-desktop');
  await assertAccessible(page, 'confirm dialog');
  await dialog.getByTestId('decide-submit').click();
  await page.getByTestId('decide-done').getByText(`已确认办件 ${zhangCase.trackingNo} 的规则例外`).waitFor();
  await page.getByTestId('tab-overrides').getByText('待复核的例外（1）').waitFor();
  assert.equal(await page.getByTestId('override-entry').filter({ hasText: zhangCase.trackingNo }).count(), 0);
  const o = await db.selectFrom('overrides').selectAll().where('id', '=', overrideId).executeTakeFirstOrThrow();
  assert.equal(o.status, 'approved');
  assert.equal(o.decision_note, '已核实受理日期，同意按受理日计算年龄');
  const sup = await db.selectFrom('users').select('user_id').where('username', '=', 'supervisor').executeTakeFirstOrThrow();
  assert.equal(o.decided_by, sup.user_id);
  await page.getByTestId('override-status').getByText('已处理').click();
  const decided = page.getByTestId('override-entry').filter({ hasText: zhangCase.trackingNo });
  await decided.getByText('已确认').waitFor();
  assert.match(await decided.innerText(), /周监督/);

  // ---- 评价: the poor rating waits for a follow-up; the counts say 1 of 2 is poor.
  await page.getByTestId('tab-ratings').getByText('评价（1）').click();
  const rating = page.getByTestId('rating-entry').filter({ hasText: poorRating.trackingNo });
  await rating.waitFor();
  assert.match(await rating.innerText(), /页面提示不清楚，打印了三次才成功/);
  assert.match(await rating.innerText(), /1 星（非常不满意）/);
  const counts = await page.getByTestId('rating-counts').innerText();
  assert.match(counts, /好评率\s*50\.0\s*%/);
  assert.match(counts, /待回访\s*1/);
  await shot(page, '03-ratings-zh-desktop');
  await assertAccessible(page, 'ratings');
  await rating.getByTestId('follow-up').click();
  const fu = page.getByRole('dialog');
  await fu.getByText(`差评回访 · ${poorRating.trackingNo}`).waitFor();
  await fu.getByRole('radio', { name: '已整改' }).check();
  await fu.getByTestId('follow-up-submit').click();
  await fu.getByText('请填写回访记录').waitFor();
  await fu.getByLabel('回访记录').fill('已电话联系张先生致歉，打印页面已增加操作提示');
  await shot(page, '04-follow-up-dialog-zh-desktop');
  await assertAccessible(page, 'follow-up dialog');
  await fu.getByTestId('follow-up-submit').click();
  await page.getByTestId('follow-up-done').getByText(`已记录办件 ${poorRating.trackingNo} 的回访`).waitFor();
  await page.getByTestId('ratings-empty').getByText('没有待回访的差评').waitFor();
  await page.getByTestId('tab-ratings').getByText(/^评价$/).waitFor();
  const row = await db.selectFrom('rating_follow_ups').selectAll().where('case_id', '=', poorRating.id).executeTakeFirstOrThrow();
  assert.equal(row.outcome, 'rectified');
  assert.equal(row.followed_up_by, sup.user_id);
  const audit = await db.selectFrom('audit_log').select(['actor_id', 'object_id']).where('action', '=', 'rating.followed_up').execute();
  assert.deepEqual(audit, [{ actor_id: sup.user_id, object_id: poorRating.id }]);
  await page.getByTestId('rating-filter').getByText('差评已回访').click();
  const done = page.getByTestId('rating-entry').filter({ hasText: poorRating.trackingNo });
  await done.getByText('已电话联系张先生致歉，打印页面已增加操作提示').waitFor();
  assert.match(await done.innerText(), /已整改/);
  assert.match(await done.innerText(), /周监督/);

  // ---- The same in English.
  await page.getByTestId('lang-switch').click();
  await done.getByText('Rectified').waitFor();
  await page.getByText('Satisfaction rate').waitFor();
  await shot(page, '05-ratings-followed-up-en-desktop');
  await assertAccessible(page, 'ratings en');
  await page.getByTestId('tab-overrides').click();
  await page.getByRole('heading', { name: 'Overrides awaiting a second person' }).waitFor();
  await page.getByTestId('override-status').getByText('Awaiting').click();
  await page.getByTestId('override-entry').filter({ hasText: wangCase.trackingNo }).getByText('Under 40').waitFor();
  await shot(page, '06-overrides-en-desktop');
  await assertAccessible(page, 'overrides en');
  await ctx.close();
});

test('the approver who asked for an override sees it on a phone but cannot confirm it', { timeout: 180_000 }, async () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    const ctx = await newContext(suite.browser, { viewport: PHONE, lang });
    const page = await ctx.newPage();
    await staffLogin(page, suite.server.url, 'approver.sup', PASSWORD);
    await page.waitForURL(`${suite.server.url}/backoffice`);
    await page.goto(`${suite.server.url}/supervision?tab=overrides`);
    const own = page.getByTestId('override-entry').filter({ hasText: wangCase.trackingNo });
    await own.waitFor();
    await own.getByTestId('override-own').getByText(lang === 'en' ? 'You asked for this override: someone else must confirm it.' : '这是您提出的例外，须由另一人确认。').waitFor();
    assert.equal(await own.getByTestId('override-confirm').isDisabled(), true);
    assert.equal(await own.getByTestId('override-refuse').isDisabled(), true);
    await shot(page, `07-own-override-${lang}-phone`);
    await assertAccessible(page, `own override ${lang}`);
    await page.getByTestId('tab-ratings').click();
    await page.getByTestId('rating-filter').getByText(lang === 'en' ? 'All' : '全部', { exact: true }).click();
    await page.getByTestId('rating-entry').first().waitFor();
    assert.equal(await page.getByTestId('rating-entry').count(), 2);
    await shot(page, `08-ratings-${lang}-phone`);
    await assertAccessible(page, `ratings phone ${lang}`);
    await ctx.close();
  }
  const still = await suite.server.handle.db.selectFrom('overrides').select('status').where('id', '=', ownOverrideId).executeTakeFirstOrThrow();
  assert.equal(still.status, 'requested');
});
