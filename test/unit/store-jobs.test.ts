// The SQLite store, in memory: jobs.
import { describe, it, expect, beforeEach } from 'vitest';
import type { User, App, Version } from '../../server/store/index.js';
import { memoryStoreEach } from '../helpers/store.js';

const { store, startBuilding } = memoryStoreEach();

describe('jobs', () => {
  let alice: User;
  let bob: User;
  let app: App;
  let version: Version;
  beforeEach(() => {
    alice = store().users.create({ name: 'alice', email: 'a@example.org' }).user;
    bob = store().users.create({ name: 'bob', email: 'b@example.org' }).user;
    app = store().apps.create('myapp', alice.id, false);
    version = startBuilding(app, alice, '1.0');
    store().versions.finish(version.id, { state: 'ready', imageId: 'i' }, '');
  });

  const newJob = (userId: number, param = '') => store().jobs.create({ userId, appId: app.id, versionId: version.id, param, queue: 'standard' });

  it('creates a new job with its app, version and a random salt for its download key', () => {
    const job = newJob(bob.id, '-v input.txt');
    expect(job).toMatchObject({ userId: bob.id, appName: 'myapp', versionLabel: '1.0', param: '-v input.txt', queue: 'standard', state: 'new', result: null, startedAt: null, legacyKeyHash: null });
    expect(job.keySalt).toMatch(/^[0-9a-f]{32}$/);
    expect(newJob(bob.id).keySalt).not.toBe(job.keySalt);
  });

  it('moves a job from new to waiting to running', () => {
    const job = newJob(bob.id);
    store().jobs.markWaiting(job.id);
    expect(store().jobs.byId(job.id)?.state).toBe('waiting');
    expect(store().jobs.markRunning(job.id, '2024-05-01T10:00:00.000Z')).toBe(true);
    expect(store().jobs.byId(job.id)).toMatchObject({ state: 'running', startedAt: '2024-05-01T10:00:00.000Z' });
  });

  it('does not move a running job back to waiting, nor start it twice', () => {
    const job = newJob(bob.id);
    store().jobs.markRunning(job.id, '2024-05-01T10:00:00.000Z');
    store().jobs.markWaiting(job.id);
    expect(store().jobs.byId(job.id)?.state).toBe('running');
    expect(store().jobs.markRunning(job.id, '2024-05-01T11:00:00.000Z')).toBe(false);
    expect(store().jobs.byId(job.id)?.startedAt).toBe('2024-05-01T10:00:00.000Z');
  });

  it('finishes a job once: a second report changes nothing', () => {
    const job = newJob(bob.id);
    store().jobs.markRunning(job.id, '2024-05-01T10:00:00.000Z');
    expect(store().jobs.finish(job.id, { result: 'success', exitCode: 0, message: 'done', finishedAt: '2024-05-01T10:01:00.000Z' })).toBe(true);
    expect(store().jobs.finish(job.id, { result: 'error', exitCode: 1, message: 'late' })).toBe(false);
    expect(store().jobs.byId(job.id)).toMatchObject({
      state: 'done',
      result: 'success',
      exitCode: 0,
      message: 'done',
      startedAt: '2024-05-01T10:00:00.000Z',
      finishedAt: '2024-05-01T10:01:00.000Z',
    });
  });

  it('keeps the recorded start time when the finish report brings another', () => {
    const job = newJob(bob.id);
    store().jobs.markRunning(job.id, '2024-05-01T10:00:00.000Z');
    store().jobs.finish(job.id, { result: 'timeout', exitCode: null, message: 't', startedAt: '2024-05-01T09:59:59.000Z' });
    expect(store().jobs.byId(job.id)?.startedAt).toBe('2024-05-01T10:00:00.000Z');
  });

  it('takes the start time from the finish report when the job was never marked running', () => {
    const job = newJob(bob.id);
    store().jobs.finish(job.id, { result: 'error', exitCode: 2, message: 'x', startedAt: '2024-05-01T09:00:00.000Z' });
    expect(store().jobs.byId(job.id)).toMatchObject({ state: 'done', startedAt: '2024-05-01T09:00:00.000Z' });
    expect(store().jobs.byId(job.id)?.finishedAt).not.toBeNull();
  });

  it('does not start a finished job', () => {
    const job = newJob(bob.id);
    store().jobs.finish(job.id, { result: 'aborted', exitCode: null, message: 'aborted' });
    expect(store().jobs.markRunning(job.id, '2024-05-01T10:00:00.000Z')).toBe(false);
    expect(store().jobs.byId(job.id)?.state).toBe('done');
  });

  it('lists a user’s jobs newest first, a page at a time with beforeId', () => {
    const ids = Array.from({ length: 5 }, () => newJob(bob.id).id);
    newJob(alice.id);
    expect(store().jobs.listForUser(bob.id).map((j) => j.id)).toEqual([...ids].reverse());
    const page1 = store().jobs.listForUser(bob.id, 2);
    expect(page1.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    const page2 = store().jobs.listForUser(bob.id, 2, page1[1].id);
    expect(page2.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const page3 = store().jobs.listForUser(bob.id, 2, page2[1].id);
    expect(page3.map((j) => j.id)).toEqual([ids[0]]);
    expect(store().jobs.listForUser(bob.id, 2, ids[0])).toEqual([]);
  });

  it('lists only the jobs that may still be reported on as unfinished', () => {
    const fresh = newJob(bob.id);
    const waiting = newJob(bob.id);
    store().jobs.markWaiting(waiting.id);
    const running = newJob(bob.id);
    store().jobs.markRunning(running.id, '2024-05-01T10:00:00.000Z');
    const done = newJob(bob.id);
    store().jobs.finish(done.id, { result: 'success', exitCode: 0, message: '' });
    expect(store().jobs.listUnfinished().map((j) => j.id).sort((a, b) => a - b)).toEqual([fresh.id, waiting.id, running.id]);
  });

  it('discards only a job that never reached the queue', () => {
    const fresh = newJob(bob.id);
    const waiting = newJob(bob.id);
    store().jobs.markWaiting(waiting.id);
    store().jobs.discard(fresh.id);
    store().jobs.discard(waiting.id);
    expect(store().jobs.byId(fresh.id)).toBeNull();
    expect(store().jobs.byId(waiting.id)?.state).toBe('waiting');
  });

  it('never reuses the id of a discarded job', () => {
    const first = newJob(bob.id);
    store().jobs.discard(first.id);
    expect(newJob(bob.id).id).toBeGreaterThan(first.id);
  });
});
