// A waiting job's estimated start (server/jobs/start-estimate.ts) and the queue history it
// reads (server/store/queue-history.ts).
import { describe, it, expect } from 'vitest';
import { estimateStart, MIN_HISTORY } from '../../server/jobs/start-estimate.js';
import { memoryStoreEach } from '../helpers/store.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('the estimated start', () => {
  it('says it cannot tell when the queue has too little history', () => {
    expect(estimateStart({ queue: 'standard', position: 1, durations: [10, 20], running: 1, concurrency: null, now: NOW })).toEqual({
      at: null,
      basis: `not enough history: 2 finished runs in queue standard (${MIN_HISTORY} needed)`,
    });
  });

  it('is the place in line times the median run, shared over the jobs running at once', () => {
    const e = estimateStart({ queue: 'batch', position: 4, durations: [10, 30, 20, 1000, 20], running: 2, concurrency: null, now: NOW });
    // median 20 s; 4 in line over 2 at once: 40 s.
    expect(e).toEqual({ at: '2026-12-01T12:00:40.000Z', basis: 'position 4 in queue batch, 2 running at once, median run 20 s over its last 5 runs' });
    // A queue's cap, when it has one, is how many run at once.
    expect(estimateStart({ queue: 'batch', position: 4, durations: [10, 30, 20, 1000, 20], running: 0, concurrency: 4, now: NOW }).at).toBe('2026-12-01T12:00:20.000Z');
  });
});

describe('the queue history', () => {
  const { store, startBuilding } = memoryStoreEach();

  it("reads the run times of the queue's finished jobs, newest first, and counts its running ones", () => {
    const s = store();
    const alice = s.users.create({ name: 'alice', email: 'a@example.org' }).user;
    const app = s.apps.create('samusa', alice.id, false);
    const v = startBuilding(app, alice, '1.0');
    const job = (queue: string) => s.jobs.create({ userId: alice.id, appId: app.id, versionId: v.id, param: '', params: null, queue, inputs: [], bytes: 0 });
    for (const [i, seconds] of [5, 7].entries()) {
      const j = job('standard');
      s.jobs.finish(j.id, { result: 'success', exitCode: 0, message: 'ok', startedAt: `2026-12-01T10:0${i}:00.000Z`, finishedAt: new Date(Date.parse(`2026-12-01T10:0${i}:00.000Z`) + seconds * 1000).toISOString() });
    }
    const other = job('batch');
    s.jobs.finish(other.id, { result: 'success', exitCode: 0, message: 'ok', startedAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T11:00:00.000Z' });
    const running = job('standard');
    s.jobs.markRunning(running.id, '2026-12-01T10:10:00.000Z');
    const d = s.queueHistory.recentDurations('standard');
    expect(d.map((x) => Math.round(x))).toEqual([7, 5]);
    expect(s.queueHistory.running('standard')).toBe(1);
    expect(s.queueHistory.running('batch')).toBe(0);
  });
});
