import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sm3Hex } from '../../lib/hash.js';

/**
 * Where archived bytes live, addressed by their SM3 digest. Put twice, stored once.
 * Implementations: the filesystem (default); an object store would be another folder.
 */
export interface ArchiveStore {
  /** Stores the bytes and returns their key (the SM3 hex digest). */
  put(bytes: Uint8Array): Promise<string>;
  get(key: string): Promise<Uint8Array | null>;
  exists(key: string): Promise<boolean>;
  /** Removes the bytes: only the approved disposal workflow calls this. */
  remove(key: string): Promise<void>;
  /** Whether a key is well formed and names a location inside the store (the security check). */
  contains(key: string): boolean;
}

const KEY = /^[0-9a-f]{64}$/;

/**
 * `<root>/ab/cd/<sm3>`: no part of a path ever comes from a client. Writes go to a
 * temporary file in the same folder and are renamed into place, so a reader never
 * sees half a file and a crash leaves no truncated record.
 */
export class FsArchiveStore implements ArchiveStore {
  constructor(readonly root: string) {}

  static forDataDir(dataDir: string): FsArchiveStore {
    return new FsArchiveStore(path.join(dataDir, 'archives'));
  }

  pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not an archive key: ${JSON.stringify(key).slice(0, 80)}`);
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  contains(key: string): boolean {
    if (!KEY.test(key)) return false;
    const p = path.resolve(this.pathOf(key));
    return p.startsWith(path.resolve(this.root) + path.sep);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = sm3Hex(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const file = this.pathOf(key);
    if (await this.exists(key)) return key;
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, bytes, { mode: 0o640 });
    await fs.rename(tmp, file);
    return key;
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await fs.readFile(this.pathOf(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async remove(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }
}

// The store the HTTP app was built with: services called without one (sealSubmission) use it.
let defaultStore: ArchiveStore | undefined;
export function setDefaultArchiveStore(store: ArchiveStore): void {
  defaultStore = store;
}
export function defaultArchiveStore(): ArchiveStore {
  if (!defaultStore) throw new Error('no archive store configured (buildApp sets one from config.dataDir)');
  return defaultStore;
}
