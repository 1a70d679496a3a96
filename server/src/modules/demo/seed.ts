import type { Db } from '../../db/connect.js';

// Placeholder while the demo city generator is written (see issue 2, section 7).
export const DEMO_ACCOUNTS = {
  password: 'Tongban#2026',
  staff: [] as { username: string; role: string; scope: string }[],
  citizens: [] as { residentId: string; name: string }[],
};

export async function seedDemoCity(_db: Db, _opts: { persons: number; seed: number; onProgress?: (done: number, total: number) => void }): Promise<Record<string, number>> {
  throw new Error('demo city generator not written yet');
}
