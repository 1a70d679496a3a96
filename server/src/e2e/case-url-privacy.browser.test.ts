/**
 * Scenario 5 (issue 5): a citizen cannot open another person's case by editing the URL —
 * neither the page nor the API behind it shows anything of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { cookieFrom } from '../test/fixtures.js';
import { assertAccessible, citizenLogin, giveCard, launchBrowser, newContext, PASSWORD, PHONE, screenshot, startServer, type TestServer } from './browser.js';

let server: TestServer;
let browser: Browser;
let liCase: { id: string; trackingNo: string };

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const li = server.city.persons.li!;
  await giveCard(server.handle.db, li.personId, 'SC3710020002');
  // 李娜 reports her card lost through the public API, as any channel would.
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/citizen/login', payload: { residentId: li.residentId, password: PASSWORD } });
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/cases',
    headers: { cookie: cookieFrom(login), 'idempotency-key': 'e2e-li-card-loss' },
    payload: { itemCode: '371000-SK-0002', channel: 'web', answers: { lossType: 'temporary' }, materials: [] },
  });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json() as { case: { id: string; trackingNo: string } };
  liCase = body.case;
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("a citizen who edits the URL to another person's case sees nothing of it", { timeout: 120_000 }, async () => {
  const zhang = server.city.persons.zhang!;
  const context = await newContext(browser, { viewport: PHONE });
  const page = await context.newPage();
  await citizenLogin(page, server.url, zhang.residentId, PASSWORD);

  // 张伟's own list does not have it.
  await page.goto(`${server.url}/me/cases`);
  await page.getByTestId('no-cases').waitFor();
  assert.ok(!(await page.content()).includes(liCase.trackingNo));

  // Typing the case's URL: "not found", and none of its data on the page.
  await page.goto(`${server.url}/me/cases/${liCase.id}`);
  await page.getByTestId('case-not-found').waitFor();
  const html = await page.content();
  assert.ok(!html.includes(liCase.trackingNo), 'the tracking number must not appear');
  assert.ok(!html.includes('李娜'), "the other person's name must not appear");
  await screenshot(page, 's5-01-other-case-zh-phone');
  await assertAccessible(page, 'case not found');

  // The API behind it answers 404 (not 403: it does not even confirm the case exists), for the case, its decision and its rating.
  for (const path of [`/api/cases/${liCase.id}`, `/api/cases/${liCase.id}/decision`]) {
    const r = await page.request.get(`${server.url}${path}`);
    assert.equal(r.status(), 404, path);
    assert.ok(!(await r.text()).includes(liCase.trackingNo));
  }
  const rate = await page.request.post(`${server.url}/api/cases/${liCase.id}/rating`, { data: { score: 1 }, headers: { 'idempotency-key': 'e2e-rate-other' } });
  assert.equal(rate.status(), 404);
  const search = await page.request.get(`${server.url}/api/cases?trackingNo=${liCase.trackingNo}`);
  assert.equal(search.status(), 200);
  assert.deepEqual(((await search.json()) as { items: unknown[] }).items, []);
  const rating = await server.handle.db.selectFrom('ratings').selectAll().where('case_id', '=', liCase.id).execute();
  assert.equal(rating.length, 0);

  // In English too.
  await page.getByTestId('lang-switch').click();
  await page.getByText('Application not found').waitFor();
  await screenshot(page, 's5-02-other-case-en-phone');

  // Her own case, for contrast, opens for her.
  const li = server.city.persons.li!;
  const context2 = await newContext(browser, { viewport: PHONE });
  const page2 = await context2.newPage();
  await citizenLogin(page2, server.url, li.residentId, PASSWORD);
  await page2.goto(`${server.url}/me/cases/${liCase.id}`);
  await page2.getByTestId('case-title').getByText(liCase.trackingNo).waitFor();
  await screenshot(page2, 's5-03-own-case-zh-phone');
  await context.close();
  await context2.close();
});
