// At start the webhooks send the `completed` events a stop left unsent: the store finds those
// jobs, and only by the rows still unsent, so the search does not grow with every job that
// ever had a webhook.
import { describe, expect, it } from 'vitest';
import { publishApp } from '../../support/seed-store.js';
import { memoryStoreEach } from '../helpers/store.js';

const { store: current } = memoryStoreEach();

describe('completed events left unsent', () => {
  it('are the finished jobs asking for them whose event is not claimed yet', () => {
    const store = current();
    const { user } = store.users.create({ name: 'ada', email: 'ada@example.org' });
    const app = publishApp(store, { name: 'samusa', owner: user });
    const versionId = store.versions.byLabel(app.id, '1.0')!.id;
    const job = (events: string[], finish: boolean) => {
      const j = store.jobs.create({ userId: user.id, appId: app.id, versionId, param: '', queue: 'standard' });
      store.webhooks.setForJob(j.id, 'https://hooks.example.org/', events as never, 'https://allgo.example.org');
      if (finish) store.jobs.finish(j.id, { result: 'success', exitCode: 0, message: 'ok' });
      return j.id;
    };
    const sent = job(['completed'], true);
    const unsent = job(['start', 'completed'], true);
    job(['completed'], false);
    job(['start'], true);
    expect(store.webhooks.claimCompleted(sent)).toBe(true);
    expect(store.webhooks.unsentCompleted()).toEqual([unsent]);
  });

  it('are found by the index of the unsent rows, not by walking every finished job', () => {
    const store = current();
    const sql = (store.webhooks as unknown as { sql: { unsentCompleted: { source: string } } }).sql.unsentCompleted.source;
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
    expect(plan[0]).toMatch(/job_webhooks USING INDEX job_webhooks_unsent/);
    expect(plan.join('\n')).not.toMatch(/jobs_state/);
  });
});
