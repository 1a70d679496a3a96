import fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openDatabase, type DbHandle } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';
import { SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { checkArchive } from '../archives/checks.js';
import { FsArchiveStore } from '../archives/store.js';
import { verifyAny } from '../documents/verify.js';
import { progressBar } from '../../cli/progress.js';
import { signAuditCheckpoint } from './checkpoints.js';
import { createKey, getKey, listKeys, presentKey, revokeKey } from './keys.js';
import { configureSeals } from './master-key.js';
import { KEY_PURPOSES, SEAL_ALGORITHMS, type KeyPurpose, type SealAlgorithm } from './schema.js';

const CLI_ACTOR: Actor = { ...SYSTEM_ACTOR, userId: `cli:${process.env.USER ?? 'operator'}`, role: 'operator', channel: 'cli' };

async function open(): Promise<{ h: DbHandle; store: FsArchiveStore }> {
  const config = loadConfig();
  configureSeals({ dataDir: config.dataDir });
  const h = await openDatabase(config);
  await migrateToLatest(h.db);
  return { h, store: FsArchiveStore.forDataDir(config.dataDir) };
}

/** `tongban archive check`, `tongban verify FILE`, `tongban keys …`, `tongban audit checkpoint`. */
export function registerTrustCommands(program: Command, audit: Command): void {
  const archive = program.command('archive').description('Electronic archives (电子档案)');
  archive
    .command('check')
    .description('Four-property check (四性检测) of every record: authenticity, integrity, usability, security; exits 1 and names each failing record and why')
    .action(async () => {
      const { h, store } = await open();
      const bar = progressBar('records');
      const report = await checkArchive(h.db, store, bar.update);
      bar.stop();
      console.log(JSON.stringify({ ok: report.failed.length === 0, checked: report.checked, failed: report.failed }, null, 2));
      await h.close();
      if (report.failed.length) process.exit(1);
    });

  program
    .command('verify <file>')
    .description('Verify a document: a PDF, or a text file holding the QR content (TB1:…); prints JSON, exits 1 when invalid')
    .action(async (file: string) => {
      const bytes = fs.readFileSync(file);
      const { h } = await open();
      const result = await verifyAny(h.db, bytes);
      console.log(JSON.stringify(result, null, 2));
      await h.close();
      if (!result.valid) process.exit(1);
    });

  audit
    .command('checkpoint')
    .description('Sign the current head of the audit chain now (the server also does it periodically)')
    .action(async () => {
      const { h } = await open();
      console.log(JSON.stringify(await signAuditCheckpoint(h.db)));
      await h.close();
    });

  const keys = program.command('keys').description('Seal keys (SM2/SM3 and Ed25519)');
  keys
    .command('list')
    .description('Every key with status, validity and revocation (public parts only)')
    .action(async () => {
      const { h } = await open();
      console.log(JSON.stringify((await listKeys(h.db)).map(presentKey).map(({ publicKeyPem: _pem, ...k }) => k), null, 2));
      await h.close();
    });
  keys
    .command('rotate <purpose>')
    .alias('create')
    .description(`Create a new active key for a purpose (${KEY_PURPOSES.join(', ')}); the previous one is kept for verification`)
    .option('--algorithm <alg>', `one of ${SEAL_ALGORITHMS.join(', ')}`, 'SM2-SM3')
    .option('--department <name>', 'owner department shown on the seal')
    .action(async (purpose: string, opts: { algorithm: string; department?: string }) => {
      if (!(KEY_PURPOSES as readonly string[]).includes(purpose)) throw new Error(`unknown purpose ${purpose}`);
      if (!(SEAL_ALGORITHMS as readonly string[]).includes(opts.algorithm)) throw new Error(`unknown algorithm ${opts.algorithm}`);
      const { h } = await open();
      const k = await createKey(h.db, CLI_ACTOR, { purpose: purpose as KeyPurpose, algorithm: opts.algorithm as SealAlgorithm, ...(opts.department ? { ownerDepartment: opts.department } : {}) });
      console.log(JSON.stringify(presentKey(k), null, 2));
      await h.close();
    });
  keys
    .command('revoke <keyId>')
    .description('Revoke a key; with --effective, from an earlier instant (documents signed since then stop verifying)')
    .requiredOption('--reason <text>', 'why (recorded in the registry and the audit trail)')
    .option('--effective <iso>', 'effective time, ISO 8601 (default now)')
    .action(async (keyId: string, opts: { reason: string; effective?: string }) => {
      const { h } = await open();
      if (!(await getKey(h.db, keyId))) {
        await h.close();
        process.stderr.write(`no key ${keyId}\n`);
        process.exit(1);
      }
      const at = opts.effective ? new Date(opts.effective) : new Date();
      if (Number.isNaN(at.getTime())) throw new Error('--effective must be an ISO 8601 time');
      console.log(JSON.stringify(presentKey(await revokeKey(h.db, CLI_ACTOR, keyId, { reason: opts.reason, effectiveAt: at })), null, 2));
      await h.close();
    });
}
