/**
 * Issue 5, the employer portal: an employer's agent on a phone-sized screen sees the
 * employees, enrols one (增员), declares contribution bases by form and by xlsx upload
 * (a bad row is named, the good rows are kept), sees the month's bill, and reads it all
 * in English.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../modules/audit/service.js';
import { creditCodeFor } from '../modules/demo/employers.js';
import { createEmployerAgent } from '../modules/iam/service.js';
import { assessEmployerMonth, employeeLines } from '../modules/insurance/assessment.js';
import { enrolEmployee, registerEmployer } from '../modules/insurance/employers.js';
import { baseLimitsAt, contributionRates } from '../modules/insurance/parameters.js';
import { assertAccessible, assertNoHorizontalScroll, launchBrowser, newContext, PASSWORD, PHONE, screenshot, staffLogin, startServer, type TestServer } from './browser.js';

let server: TestServer;
let browser: Browser;
let orgId: string;
const MONTH = '2026-10';
const RISK_CLASS = 2;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const db = server.handle.db;
  // As the bureau registers it: an insured employer with two employees since September, and its agent's account.
  const employer = await registerEmployer(db, { creditCode: creditCodeFor('91', '371002', 'MA3EP001'), name: '威海海韵渔具有限公司', regionCode: '371002001', riskClass: RISK_CLASS, registeredOn: '2026-01-05' }, SYSTEM_ACTOR);
  orgId = employer.orgId;
  for (const key of ['zhang', 'li'] as const) await enrolEmployee(db, { orgId, personId: server.city.persons[key]!.personId, startMonth: '2026-09', wageFen: 800_000 }, SYSTEM_ACTOR);
  await createEmployerAgent(db, { username: 'agent.haiyun', displayName: '海韵经办人', password: PASSWORD, orgId });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function check(page: Page, name: string) {
  await assertNoHorizontalScroll(page, name);
  // Nor inside a table: a column scrolled out of sight (the 减员 button, a bill's status) is as good as missing.
  const clipped = await page.locator('.tb-table-wrap').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.querySelector('table')?.dataset.testid));
  assert.deepEqual(clipped, [], `${name}: tables wider than the screen`);
  await screenshot(page, `employer-${name}`);
  await assertAccessible(page, name);
}

/** The declaration spreadsheet as an HR clerk fills it: header, then one row per employee and month. */
async function declarationXlsx(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('缴费基数申报');
  ws.addRow(['身份证号', '姓名', '月份', '缴费工资']);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const yuan = (fen: number) => `${Math.floor(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')}`;

test('an employer agent on a phone enrols an employee, declares bases by form and xlsx, and sees the bill', { timeout: 240_000 }, async () => {
  const db = server.handle.db;
  const { zhang, li, wang } = server.city.persons as Record<'zhang' | 'li' | 'wang', { personId: string; residentId: string }>;
  const context = await newContext(browser, { viewport: PHONE });
  const page = await context.newPage();

  // Signs in with the staff form and lands on the employer portal.
  await staffLogin(page, server.url, 'agent.haiyun', PASSWORD);
  await page.waitForURL(`${server.url}/employer`);
  await page.getByRole('heading', { level: 1, name: '威海海韵渔具有限公司' }).waitFor();
  const employees = page.getByTestId('employees');
  await employees.getByText('张伟').waitFor();
  const listed = await employees.innerText();
  assert.match(listed, /李娜/);
  assert.match(listed, /2026-09/);
  assert.match(listed, /8,000\.00/, 'the wage declared at enrolment');
  // Resident IDs are masked in the list, never shown in full.
  assert.ok(!listed.includes(zhang.residentId) && !(await page.content()).includes(zhang.residentId), 'no full resident ID on the page');
  await check(page, '01-employees-zh-phone');

  // 增员: 王建国 from October, at a wage of 6,800 yuan.
  const enrol = page.locator('form#enrol');
  await enrol.getByLabel('身份证号').fill(wang.residentId);
  await enrol.getByLabel('起始月份').fill(MONTH);
  await enrol.getByLabel('月工资（元）').fill('6800');
  await page.getByTestId('enrol-submit').click();
  await page.getByTestId('notice-employees').getByText('已增员').waitFor();
  await employees.getByText('王建国').waitFor();
  const employment = await db.selectFrom('employments').selectAll().where('org_id', '=', orgId).where('person_id', '=', wang.personId).executeTakeFirstOrThrow();
  assert.equal(employment.start_month, MONTH);
  assert.equal(employment.end_month, null);
  // Enrolling the same person again is refused with a message, not a silent second spell.
  await enrol.getByLabel('身份证号').fill(wang.residentId);
  await enrol.getByLabel('起始月份').fill(MONTH);
  await page.getByTestId('enrol-submit').click();
  // Shown under the form, where a phone's screen is, not at the top of the page.
  await page.getByTestId('error-employees').getByText('该人员在此期间已有单位为其参保，请先办理减员').waitFor();
  assert.equal((await db.selectFrom('employments').select('employment_id').where('person_id', '=', wang.personId).execute()).length, 1);
  await check(page, '02-enrolled-zh-phone');

  // Declaration by form: 张伟's October wage. A wage with three decimals is refused in the form first.
  const declare = page.locator('form#declare');
  await declare.getByLabel('职工').click();
  await page.locator('.ant-select-item-option', { hasText: '张伟' }).click();
  await declare.getByLabel('月份').fill(MONTH);
  await declare.getByLabel('月工资（元）').fill('9500.125');
  await page.getByTestId('declare-submit').click();
  await declare.getByText('请填写金额（元），至多两位小数').waitFor();
  await declare.getByLabel('月工资（元）').fill('9500');
  await page.getByTestId('declare-submit').click();
  await page.getByTestId('notice-declare').getByText('已申报').waitFor();
  await employees.locator('tr', { hasText: '张伟' }).getByText('9,500.00').waitFor();
  const formRow = await db.selectFrom('contribution_declarations').selectAll().where('org_id', '=', orgId).where('person_id', '=', zhang.personId).where('month', '=', MONTH).executeTakeFirstOrThrow();
  assert.equal(Number(formRow.wage_fen), 950_000);
  assert.equal(formRow.source, 'form');
  await check(page, '03-declared-by-form-zh-phone');

  // Declaration by xlsx: row 3 has a wage that is not an amount; rows 2 and 4 are good and kept.
  const file = await declarationXlsx([
    [li.residentId, '李娜', MONTH, 8800.5],
    [wang.residentId, '王建国', '2026-11', '七千'],
    [wang.residentId, '王建国', '2026-11', 7200],
  ]);
  await page.getByTestId('declaration-xlsx').setInputFiles({ name: '缴费基数申报.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: file });
  const result = page.getByTestId('xlsx-result');
  await result.getByText('已申报 2 行，1 行有误').waitFor();
  const bad = page.getByTestId('xlsx-errors').locator('li');
  assert.equal(await bad.count(), 1);
  const badText = await bad.first().innerText();
  assert.match(badText, /^第 3 行：缴费工资应为金额（元），至多两位小数（填写的是“七千”）/);
  assert.ok(!badText.includes(wang.residentId), 'the bad row names the person by a masked ID');
  const batch = await db.selectFrom('contribution_declarations').selectAll().where('org_id', '=', orgId).where('source', '=', 'xlsx').orderBy('month').execute();
  assert.deepEqual(
    batch.map((d) => [d.person_id, d.month, Number(d.wage_fen)]),
    [
      [li.personId, MONTH, 880_050],
      [wang.personId, '2026-11', 720_000],
    ],
  );
  await employees.locator('tr', { hasText: '李娜' }).getByText('8,800.50').waitFor();
  await check(page, '04-declared-by-xlsx-zh-phone');

  // The bureau's monthly assessment issues October's bill; the agent finds it among the unpaid bills.
  const { bill } = await assessEmployerMonth(db, { orgId, month: MONTH }, SYSTEM_ACTOR);
  const date = `${MONTH}-01`;
  const [rates, limits] = [await contributionRates(db, date), await baseLimitsAt(db, date)];
  // October's wages in force: 张伟 by form, 李娜 by xlsx, 王建国 at enrolment (his 7,200 is from November).
  const expected = [950_000, 880_050, 680_000].flatMap((w) => employeeLines(w, limits, rates, RISK_CLASS)).reduce((s, l) => s + l.employerFen + l.employeeFen, 0);
  assert.equal(bill.principalFen, expected);
  await page.getByRole('combobox', { name: '账单状态' }).click();
  await page.locator('.ant-select-item-option', { hasText: '未缴' }).click();
  const bills = page.getByTestId('bills');
  const billRow = bills.locator('tbody tr', { hasText: MONTH });
  await billRow.waitFor();
  const shown = await billRow.innerText();
  assert.match(shown, new RegExp(yuan(expected).replace('.', '\\.')));
  assert.match(shown, new RegExp(bill.dueDate));
  assert.match(shown, /未缴/);
  await check(page, '05-bill-zh-phone');

  // The same page in English: the bad row, the employees and the bill are worded in English.
  await page.getByTestId('lang-switch').click();
  await page.getByRole('heading', { name: 'Bills' }).waitFor();
  assert.match(await result.innerText(), /Rows declared: 2; rows with errors: 1/);
  assert.match(await bad.first().innerText(), /^Row 3: the wage must be an amount in yuan with at most two decimals \(found "七千"\)/);
  assert.match(await billRow.innerText(), /Unpaid/);
  assert.match(await employees.innerText(), /Wage \(yuan\)/);
  await check(page, '06-bill-en-phone');
  await context.close();
});
