import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { dropTemplates, freshDatabase } from '../../test/db.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { setInsuredStatus } from './status.js';

after(() => dropTemplates());

test('setInsuredStatus changes one insurance, audits it and publishes an event; the same status again writes nothing', async () => {
  const h = await freshDatabase();
  try {
    const personId = '0192f000-0000-7000-8000-0000000000aa';
    await h.db.insertInto('insured_status').values({ person_id: personId, insurance_type: 'unemployment', status: 'active', since: '2020-01-01', prior_months: 12 }).execute();
    await h.db.transaction().execute(async (trx) => {
      const r = await setInsuredStatus(trx, SYSTEM_ACTOR, { personId, insuranceType: 'unemployment', status: 'suspended', since: '2026-11-27', reason: 'test', caseId: null });
      assert.deepEqual(r, { from: 'active', to: 'suspended' });
    });
    const row = await h.db.selectFrom('insured_status').selectAll().where('person_id', '=', personId).executeTakeFirstOrThrow();
    assert.equal(row.status, 'suspended');
    assert.equal(row.since, '2026-11-27');
    assert.equal(row.prior_months, 12, 'prior months are kept');
    const again = await h.db.transaction().execute((trx) => setInsuredStatus(trx, SYSTEM_ACTOR, { personId, insuranceType: 'unemployment', status: 'suspended', since: '2026-11-28', reason: 'again' }));
    assert.equal(again, null);
    assert.equal((await h.db.selectFrom('outbox').select('id').where('type', '=', 'insured.status_changed').execute()).length, 1);
    assert.equal((await h.db.selectFrom('audit_log').select('seq').where('action', '=', 'insured.status_changed').execute()).length, 1);
    await assert.rejects(
      h.db.transaction().execute((trx) => setInsuredStatus(trx, SYSTEM_ACTOR, { personId, insuranceType: 'unemployment', status: 'gone' as never, since: '2026-11-28', reason: 'x' })),
      (e: Error & { code?: string }) => e.code === 'VALIDATION_FAILED',
    );
  } finally {
    await h.close();
  }
});
