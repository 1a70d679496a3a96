import type { Db } from '../../db/connect.js';

// Placeholder while the bulk importer is written (see issue 2, section 3).
export async function importPersonsFile(_db: Db, _file: string, _opts: { reportPath?: string | undefined; onProgress?: (done: number, total: number) => void }): Promise<Record<string, unknown>> {
  throw new Error('importer not written yet');
}
