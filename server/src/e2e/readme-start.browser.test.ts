/**
 * The README's start command as a user runs it: `node bin/tongban.mjs serve` on an
 * empty data folder generates the demo city, prints that it is running, and a demo
 * staff account can sign in in the browser and reach the person search.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { assertWebBuilt, DESKTOP, launchBrowser, newContext, screenshot, SERVER_ROOT, staffLogin } from './browser.js';

const DEMO_PASSWORD = 'Tongban#2026';

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let dataDir: string;
let output = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

before(() => {
  assertWebBuilt();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-readme-'));
});

after(async () => {
  await browser?.close();
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('`tongban serve` on an empty data folder starts a demo city that admin can sign in to', { timeout: 240_000 }, async () => {
  const port = await freePort();
  child = spawn(process.execPath, ['bin/tongban.mjs', 'serve'], {
    cwd: SERVER_ROOT,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, SEED_PERSONS: '300', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /is running: (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child!.once('exit', (code, signal) => reject(new Error(`serve exited (code ${code}, signal ${signal}) before it was running:\n${output}`)));
  });
  const printed = await running;
  assert.equal(printed, `http://localhost:${port}/`);
  assert.match(output, /admin/, 'the start banner lists the demo accounts');

  browser = await launchBrowser();
  const context = await newContext(browser, { viewport: DESKTOP });
  const page = await context.newPage();
  const base = `http://localhost:${port}`;
  await staffLogin(page, base, 'admin', DEMO_PASSWORD);
  await page.waitForURL(`${base}/staff/search`);
  await page.getByRole('searchbox', { name: /查询人员|Search persons/ }).waitFor();
  await page.getByTestId('current-user').waitFor();
  await screenshot(page, 'readme-start-admin-search');
  await context.close();
});
