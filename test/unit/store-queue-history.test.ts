// A waiting job's estimated start reads its queue's last runs on every GET: the runs of that
// queue, newest first, found by their own index rather than by walking every job (a backlog's
// waiting jobs are the newest, and would come first).
import { describe, expect, it } from 'vitest';
import { publishApp } from '../../support/seed-store.js';
import { memoryStoreEach } from '../helpers/store.js';

const { store: current } = memoryStoreEach();

describe('a queue’s recent runs', () => {
  it('are its finished runs’ durations, newest first, without the aborted ones or other queues’', () => {
    const store = current();
    const { user } = store.users.create({ name: 'ada', email: 'ada@example.org' });
    const app = publishApp(store, { name: 'samusa', owner: user });
    const versionId = store.versions.byLabel(app.id, '1.0')!.id;
    const run = (queue: string, seconds: number | null, result: 'success' | 'aborted' = 'success') => {
      const j = store.jobs.create({ userId: user.id, appId: app.id, versionId, param: '', queue });
      if (seconds === null) return;
      store.jobs.finish(j.id, { result, exitCode: 0, message: 'ok', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: new Date(Date.parse('2026-01-01T00:00:00.000Z') + seconds * 1000).toISOString() });
    };
    run('standard', 10);
    run('standard', 20);
    run('batch', 30);
    run('standard', 40, 'aborted');
    run('standard', null);
    expect(store.queueHistory.recentDurations('standard').map(Math.round)).toEqual([20, 10]);
  });

  it('are read by the index of finished runs', () => {
    const store = current();
    const sql = (store.queueHistory as unknown as { sql: { durations: { source: string } } }).sql.durations.source;
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('standard') as { detail: string }[]).map((r) => r.detail);
    expect(plan.join('\n')).toMatch(/USING INDEX jobs_queue_runs/);
  });
});
