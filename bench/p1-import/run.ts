// P1: bulk import of persons from CSV into PostgreSQL, against raw COPY of the same file.
//   cd /work/main && npx tsx bench/p1-import/run.ts      (ROWS=1000000 by default)
// Generates a deterministic CSV (about 0.5 % bad rows), creates a fresh database,
// migrates it, COPYs the file into an unindexed table of text columns, then runs the
// platform's importer (validation, dedup, history, outbox, audit) on the same file.
// Prints JSON with rows/s of both and the ratio, and drops the database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openDatabase, pgPoolOf } from '../../server/src/db/connect.js';
import { migrateToLatest } from '../../server/src/db/migrate.js';
import { makeResidentId } from '../../server/src/modules/masterdata/identity/resident-id.js';
import { importPersonsFile } from '../../server/src/modules/masterdata/import.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const ADMIN_URL = process.env.BENCH_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = process.env.BENCH_DB ?? 'tongban_bench_p1';
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);
const FILE = process.env.P1_FILE ?? path.join(os.tmpdir(), `tongban-p1-${ROWS}.csv`);

const AREAS = ['371002', '371003', '371082', '371083'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志林文斌宇浩凯健俊帆帅旭宁欣然婷雪琳晨阳博瑞泽轩航思雨梓涵子怡佳琪嘉鑫磊晶慧颖倩丹蕾莉燕'.split('');
const STREETS = ['文化路', '统一路', '新威路', '青岛路', '海滨路', '昆明路', '世昌大道', '峰山路'];

/** Small deterministic PRNG (mulberry32), so every run imports the same file. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(file: string, rows: number): Promise<void> {
  const rnd = prng(2026);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  // Written under a temporary name, so an interrupted run never leaves a short file to reuse.
  const out = fs.createWriteStream(`${file}.part`);
  out.write('身份证号,姓名,性别,出生日期,手机,地址,行政区划\n');
  const firstDay = Date.UTC(1940, 0, 1);
  const DAYS = 25_000; // 1940 … 2008
  let buf = '';
  for (let i = 0; i < rows; i++) {
    // (area, day, order) is a bijection of i within each block of DAYS rows: IDs are unique.
    const area = AREAS[i % AREAS.length]!;
    const day = (i * 7919) % DAYS;
    const order = Math.floor(i / DAYS) * 7 + 1 + (i % 5);
    const birth = new Date(firstDay + day * 86_400_000).toISOString().slice(0, 10);
    let id = makeResidentId(area, birth, order % 1000);
    if (i % 200 === 7) id = id.slice(0, 17) + (id[17] === '1' ? '2' : '1'); // a mistyped check digit
    const name = pick(SURNAMES) + pick(GIVEN) + (rnd() < 0.6 ? pick(GIVEN) : '');
    const sex = (order % 1000) % 2 === 1 ? '男' : '女';
    const phone = `1${3 + Math.floor(rnd() * 6)}${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}`;
    const address = `${pick(STREETS)}${1 + Math.floor(rnd() * 300)}号`;
    const region = `${area}${String(1 + Math.floor(rnd() * 12)).padStart(3, '0')}`;
    buf += `${id},${name},${sex},${birth},${phone},${address},${region}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  fs.renameSync(`${file}.part`, file);
}

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function rawCopy(file: string): Promise<number> {
  const c = new pg.Client({ connectionString: DB_URL });
  await c.connect();
  try {
    await c.query('create table p1_raw (resident_id text, name text, sex text, birth_date text, phone text, address text, region_code text)');
    const t0 = performance.now();
    await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), c.query(copyFrom('copy p1_raw from stdin with (format csv, header true)')));
    const seconds = (performance.now() - t0) / 1000;
    await c.query('drop table p1_raw');
    return seconds;
  } finally {
    await c.end();
  }
}

async function main() {
  const g0 = performance.now();
  if (!fs.existsSync(FILE)) await generate(FILE, ROWS);
  const generateSeconds = (performance.now() - g0) / 1000;
  await admin(`drop database if exists ${DB} with (force)`);
  await admin(`create database ${DB}`);
  try {
    const h = await openDatabase({ databaseUrl: DB_URL, poolSize: 4 });
    await migrateToLatest(h.db);
    await h.close();

    const copySeconds = await rawCopy(FILE);

    const h2 = await openDatabase({ databaseUrl: DB_URL, poolSize: 4 });
    // Idle clients still closing when the database is dropped must not crash the run.
    pgPoolOf(h2.db)?.on('error', () => undefined);
    const t0 = performance.now();
    const result = await importPersonsFile(h2.db, FILE, { reportPath: `${FILE}.rejected.csv` });
    const importSeconds = (performance.now() - t0) / 1000;
    await h2.close();

    const copyRowsPerSecond = Math.round(ROWS / copySeconds);
    const importRowsPerSecond = Math.round(ROWS / importSeconds);
    console.log(
      JSON.stringify(
        {
          benchmark: 'P1 import',
          rows: ROWS,
          file: FILE,
          fileMiB: Math.round(fs.statSync(FILE).size / 1048576),
          generateSeconds: +generateSeconds.toFixed(1),
          copy: { seconds: +copySeconds.toFixed(2), rowsPerSecond: copyRowsPerSecond },
          import: { seconds: +importSeconds.toFixed(2), rowsPerSecond: importRowsPerSecond, created: result.created, rejected: result.rejected, queued: result.queued, updated: result.updated, unchanged: result.unchanged },
          ratio: +(importRowsPerSecond / copyRowsPerSecond).toFixed(3),
          goal: 0.5,
        },
        null,
        2,
      ),
    );
  } finally {
    await admin(`drop database if exists ${DB} with (force)`);
  }
}

await main();
