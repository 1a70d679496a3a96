import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from './config.js';

test('the data folder is ./data where the user ran the command (npm start runs inside server/)', () => {
  assert.equal(loadConfig({ INIT_CWD: '/home/bureau/tongban' }).dataDir, '/home/bureau/tongban/data');
  assert.equal(loadConfig({ INIT_CWD: '/home/bureau/tongban', DATA_DIR: 'var/db' }).dataDir, '/home/bureau/tongban/var/db');
  assert.equal(loadConfig({ INIT_CWD: '/home/bureau/tongban', DATA_DIR: '/srv/tongban' }).dataDir, '/srv/tongban');
});

test('defaults follow the README table, and a bad number is refused with its name', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.seedPersons, 20_000);
  assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
});
