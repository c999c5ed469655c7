// The store keeps the records every request reads (the caller's user, a done job) in memory.
// None may outlive a write: its own (it forgets what it writes), nor another connection's
// (`allgo user add` beside the server writes the same file) a few milliseconds later,
// nor be kept as "not found".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { openStore, type Store, type App, type User, type Version } from '../../server/store/index.js';
import { versionInput } from '../helpers/store.js';

describe('records kept in memory by the store', () => {
  let dir: string;
  let server: Store;
  let beside: Store;
  let alice: User;
  let aliceToken: string;
  let app: App;
  let version: Version;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allgo-unit-read-cache-'));
    server = openStore(join(dir, 'allgo.db'));
    beside = openStore(join(dir, 'allgo.db'));
    ({ user: alice, token: aliceToken } = server.users.create({ name: 'alice', email: 'a@example.org' }));
    app = server.apps.create('myapp', alice.id, false);
    version = server.versions.startBuilding(versionInput(app, alice, '1.0'));
    server.versions.finish(version.id, { state: 'ready', imageId: 'i' }, '');
  });

  afterEach(() => {
    server.close();
    beside.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What another process's commit takes to be seen: the store asks SQLite at most every 5 ms. */
  const aMomentLater = () => new Promise((resolve) => setTimeout(resolve, 10));

  const doneJob = () => {
    const job = server.jobs.create({ userId: alice.id, appId: app.id, versionId: version.id, param: '', queue: 'standard' });
    server.jobs.finish(job.id, { result: 'success', exitCode: 0, message: 'ok' });
    return job.id;
  };

  it('a done job archived or deleted by the store that kept it shows its new state', () => {
    const a = doneJob();
    const b = doneJob();
    expect(server.jobs.byId(a)?.state).toBe('done');
    expect(server.jobs.byId(b)?.state).toBe('done');
    server.jobs.markArchived(a);
    server.jobs.markDeleted(b);
    expect(server.jobs.byId(a)?.state).toBe('archived');
    expect(server.jobs.byId(b)?.state).toBe('deleted');
  });

  it('a done job changed through another connection shows its new state a moment later', async () => {
    const id = doneJob();
    expect(server.jobs.byId(id)?.state).toBe('done');
    beside.jobs.markArchived(id);
    await aMomentLater();
    expect(server.jobs.byId(id)?.state).toBe('archived');
  });

  it('a user’s limits set by the store that kept them apply at once, and through another connection a moment later', async () => {
    expect(server.users.byToken(aliceToken)?.limits.maxRunning).toBeNull();
    server.users.setLimits(alice.id, { maxRunning: 3, maxWaiting: null, perMinute: null, storageGb: null });
    expect(server.users.byToken(aliceToken)?.limits.maxRunning).toBe(3);
    beside.users.setLimits(alice.id, { maxRunning: 5, maxWaiting: null, perMinute: null, storageGb: null });
    await aMomentLater();
    expect(server.users.byToken(aliceToken)?.limits.maxRunning).toBe(5);
  });

  it('a token unknown a moment ago works as soon as another connection adds its user', () => {
    // No wait: what is not found is never kept.
    expect(server.users.byToken('allgo_not-yet')).toBeNull();
    beside.users.create({ name: 'bob', email: 'b@example.org', token: 'allgo_not-yet' });
    expect(server.users.byToken('allgo_not-yet')?.name).toBe('bob');
  });

  it('hands out kept records frozen: no caller can change what the others read', () => {
    const id = doneJob();
    server.jobs.byId(id);
    expect(Object.isFrozen(server.jobs.byId(id))).toBe(true);
    expect(Object.isFrozen(server.users.byToken(aliceToken))).toBe(true);
  });
});
