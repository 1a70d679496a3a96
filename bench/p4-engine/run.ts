// P4: 10,000 cases of a 4-step item (accept → review → approve → complete) run to
// completion by the case engine, all state in PostgreSQL (case, tasks, history, timers,
// audit chain, outbox), against the npm package bpmn-engine running the same four
// user tasks with its getState() saved to the same PostgreSQL after every step.
//   cd /work/main && node --import tsx bench/p4-engine/run.ts     (CASES=10000, CONCURRENCY=8;
//   ONLY=engine: the case engine alone, for profiling)
// Creates a fresh database, prints JSON (cases/s of both, ratio; goal ≥ 3) and drops it.
import pg from 'pg';
import { Engine } from 'bpmn-engine';
import { openDatabase, pgPoolOf } from '../../server/src/db/connect.js';
import { migrateToLatest } from '../../server/src/db/migrate.js';
import { DEFAULT_CATALOG_DIR } from '../../server/src/config.js';
import { syncParameterCatalog } from '../../server/src/modules/policy/parameters.js';
import { SYSTEM_ACTOR } from '../../server/src/modules/audit/service.js';
import { installTestItems, TEST_ITEM } from '../../server/src/modules/cases/testkit.js';
import { createCase } from '../../server/src/modules/cases/submit.js';
import { completeTask, runInTx, type Staff } from '../../server/src/modules/cases/engine.js';
import { ports } from '../../server/src/modules/cases/ports.js';
import { uuid7 } from '../../server/src/lib/uuid7.js';
import type { Decision, Facts } from '../../server/src/modules/policy/types.js';

const CASES = Number(process.env.CASES ?? 10_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const ADMIN_URL = process.env.BENCH_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = process.env.BENCH_DB ?? 'tongban_bench_p4';
const DB_URL = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`);

const ITEM = { ...TEST_ITEM, chains: [] };

const BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p4" targetNamespace="http://tongban/bench">
  <process id="enrolment" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f0" sourceRef="start" targetRef="accept" />
    <userTask id="accept" name="受理" />
    <sequenceFlow id="f1" sourceRef="accept" targetRef="review" />
    <userTask id="review" name="审核" />
    <sequenceFlow id="f2" sourceRef="review" targetRef="approve" />
    <userTask id="approve" name="审批" />
    <sequenceFlow id="f3" sourceRef="approve" targetRef="complete" />
    <userTask id="complete" name="办结" />
    <sequenceFlow id="f4" sourceRef="complete" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>`;

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function pool<T>(n: number, worker: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        await worker(i);
      }
    }),
  );
}

async function main() {
  await admin(`drop database if exists ${DB} with (force)`);
  await admin(`create database ${DB}`);
  const h = await openDatabase({ databaseUrl: DB_URL, poolSize: CONCURRENCY + 2 });
  pgPoolOf(h.db)?.on('error', () => undefined);
  try {
    await migrateToLatest(h.db);
    await syncParameterCatalog(h.db, DEFAULT_CATALOG_DIR);
    await installTestItems(h.db, [ITEM]);
    const version = (await ports.itemVersionAt(h.db, ITEM.code, '2026-11-27'))!;
    const staff: Record<string, Staff> = {
      teller: { userId: uuid7(), roles: ['teller'], scopeRegion: '371002' },
      reviewer: { userId: uuid7(), roles: ['reviewer'], scopeRegion: '3710' },
      approver: { userId: uuid7(), roles: ['approver'], scopeRegion: '3710' },
    };
    const decision: Decision = { outcome: 'eligible', asOf: '2026-11-27', trace: [], parameters: [], results: {}, factsHash: '0'.repeat(64) };
    const facts = { asOf: '2026-11-27', applicant: { kind: 'person', name: '测试', regionCode: '371002001' }, rights: { insured: {}, contributionMonths: {} }, answers: {} } as unknown as Facts;
    const actions = [
      ['teller', 'accept'],
      ['reviewer', 'approve'],
      ['approver', 'approve'],
      ['approver', 'complete'],
    ] as const;

    // --- the case engine
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await pool(CASES, async (i) => {
      const ctx = { actor: SYSTEM_ACTOR, now: new Date() };
      let opened: string | null = null;
      const made = await runInTx(h.db, ctx, async (trx, ctx) => {
        const out = await createCase(trx, ctx, {
          version,
          applicant: { kind: 'person', personId: uuid7(), orgId: null, name: '测试', regionCode: '371002001' },
          answers: { employer: `E${i}`, disabled: false },
          materials: {},
          facts,
          decision,
          channel: 'web',
          servicePointId: null,
          submittedBy: null,
          clientKey: null,
          acceptBy: null,
        });
        opened = ctx.deferred?.opened.at(-1)?.id ?? null;
        return out;
      });
      // Each step hands on the task it opened, as the back office's queue would show it.
      for (const [who, action] of actions) {
        if (!opened) throw new Error(`case ${made.case.tracking_no}: no open task for ${action}`);
        opened = (await completeTask(h.db, { actor: SYSTEM_ACTOR, now: new Date() }, staff[who]!, opened, { action })).next?.id ?? null;
      }
    });
    const engineSeconds = (performance.now() - t0) / 1000;
    const engineCpu = process.cpuUsage(cpu0);
    const completed = Number((await h.db.selectFrom('cases').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'completed').executeTakeFirstOrThrow()).n);

    // This process's share of the time (the rest is PostgreSQL): which side to make leaner.
    const engineNodeCpu = +((engineCpu.user + engineCpu.system) / 1e6 / engineSeconds).toFixed(2);
    if (process.env.ONLY === 'engine') {
      console.log(JSON.stringify({ cases: CASES, caseEngine: { seconds: +engineSeconds.toFixed(2), casesPerSecond: +(CASES / engineSeconds).toFixed(1), nodeCpuCores: engineNodeCpu, completed } }));
      return;
    }
    // --- bpmn-engine, its state in the same PostgreSQL after every step
    const pgPool = pgPoolOf(h.db)!;
    await pgPool.query('create table bpmn_state (id text primary key, step int not null, state jsonb not null, updated_at timestamptz not null default now())');
    const save = (id: string, step: number, state: unknown) =>
      pgPool.query('insert into bpmn_state (id, step, state) values ($1, $2, $3) on conflict (id) do update set step = excluded.step, state = excluded.state, updated_at = now()', [id, step, JSON.stringify(state)]);
    const t1 = performance.now();
    let bpmnCompleted = 0;
    await pool(CASES, async (i) => {
      const id = `bpmn-${i}`;
      const engine = new Engine({ name: id, source: BPMN });
      const waiting: string[] = [];
      const listener = new (await import('node:events')).EventEmitter();
      listener.on('activity.wait', (api: { id: string }) => waiting.push(api.id));
      const ended = new Promise<void>((resolve) => engine.once('end', () => resolve()));
      const execution = await engine.execute({ listener });
      await save(id, 0, await engine.getState());
      for (let step = 1; step <= 4; step++) {
        const taskId = waiting.shift();
        if (!taskId) throw new Error(`bpmn-engine: no waiting task at step ${step}`);
        execution.signal({ id: taskId });
        await save(id, step, await engine.getState());
      }
      await ended;
      bpmnCompleted++;
    });
    const bpmnSeconds = (performance.now() - t1) / 1000;

    const engineRate = CASES / engineSeconds;
    const bpmnRate = CASES / bpmnSeconds;
    console.log(
      JSON.stringify(
        {
          cases: CASES,
          concurrency: CONCURRENCY,
          caseEngine: { seconds: +engineSeconds.toFixed(2), casesPerSecond: +engineRate.toFixed(1), transitionsPerSecond: +((CASES * 5) / engineSeconds).toFixed(1), nodeCpuCores: engineNodeCpu, completed },
          bpmnEngine: { seconds: +bpmnSeconds.toFixed(2), casesPerSecond: +bpmnRate.toFixed(1), completed: bpmnCompleted },
          ratio: +(engineRate / bpmnRate).toFixed(2),
          goal: '≥ 3',
        },
        null,
        2,
      ),
    );
  } finally {
    await h.close();
    await admin(`drop database if exists ${DB} with (force)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
