// Which earlier job the result cache may serve (store, in memory): a successful one with its
// outputs recorded, of the same user or of a public app, never one whose files have expired.
import { describe, it, expect, beforeEach } from 'vitest';
import type { User, App, Version } from '../../server/store/index.js';
import { differingFiles } from '../../server/provenance/file-digests.js';
import { memoryStoreEach } from '../helpers/store.js';

const { store, startBuilding } = memoryStoreEach();
const KEY = 'k'.repeat(64);
const OUT = [{ name: 'out.txt', size: 3, sha256: 'a'.repeat(64) }];

describe('result cache sources', () => {
  let alice: User;
  let bob: User;
  let pub: App;
  let priv: App;
  const versions = new Map<number, Version>();
  beforeEach(() => {
    alice = store().users.create({ name: 'alice', email: 'a@example.org' }).user;
    bob = store().users.create({ name: 'bob', email: 'b@example.org' }).user;
    pub = store().apps.create('pub', alice.id, false);
    priv = store().apps.create('priv', alice.id, true);
    for (const app of [pub, priv]) {
      const v = startBuilding(app, alice, '1.0');
      store().versions.finish(v.id, { state: 'ready', imageId: 'i' }, '');
      versions.set(app.id, v);
    }
  });

  const ranJob = (userId: number, app: App, result: 'success' | 'error' = 'success', outputs = OUT) => {
    const job = store().jobs.create({ userId, appId: app.id, versionId: versions.get(app.id)!.id, param: '', queue: 'standard', cacheKey: KEY });
    store().jobs.setOutputs(job.id, outputs, null);
    store().jobs.finish(job.id, { result, exitCode: result === 'success' ? 0 : 1, message: '' });
    return store().jobs.byId(job.id)!;
  };

  it('serves the newest successful job of the same key', () => {
    ranJob(alice.id, pub);
    const newer = ranJob(alice.id, pub);
    ranJob(alice.id, pub, 'error');
    expect(store().jobs.cachedResult(KEY, alice.id)?.id).toBe(newer.id);
    expect(store().jobs.cachedResult('x'.repeat(64), alice.id)).toBeNull();
  });

  it('serves a public app\'s result to anyone, a private app\'s only to the same user', () => {
    const onPublic = ranJob(alice.id, pub);
    expect(store().jobs.cachedResult(KEY, bob.id)?.id).toBe(onPublic.id);
    store().jobs.markDeleted(onPublic.id);
    const onPrivate = ranJob(alice.id, priv);
    expect(store().jobs.cachedResult(KEY, alice.id)?.id).toBe(onPrivate.id);
    expect(store().jobs.cachedResult(KEY, bob.id)).toBeNull();
  });

  it('never serves a job whose files have expired (archived) or were deleted', () => {
    const job = ranJob(alice.id, pub);
    expect(store().jobs.markArchived(job.id)).toBe(true);
    expect(store().jobs.cachedResult(KEY, alice.id)).toBeNull();
    const other = ranJob(alice.id, pub);
    store().jobs.markDeleted(other.id);
    expect(store().jobs.cachedResult(KEY, alice.id)).toBeNull();
  });

  it('serves the job that ran, not a copy served from it', () => {
    const ran = ranJob(alice.id, pub);
    const copy = store().jobs.create({ userId: alice.id, appId: pub.id, versionId: versions.get(pub.id)!.id, param: '', queue: 'standard', cacheKey: KEY });
    expect(store().jobs.finishFromCache(copy.id, ran, { message: 'served', outputFiles: OUT, bytes: 3 })).toBe(true);
    expect(store().jobs.byId(copy.id)).toMatchObject({ state: 'done', result: 'success', cachedFrom: ran.id, outputFiles: OUT });
    expect(store().jobs.cachedResult(KEY, alice.id)?.id).toBe(ran.id);
  });
});

describe('differing files', () => {
  it('names the files whose hash differs, and those only one side has', () => {
    const f = (name: string, c: string) => ({ name, size: 1, sha256: c.repeat(64) });
    expect(differingFiles([f('a', '1'), f('b', '2'), f('gone', '3')], [f('a', '1'), f('b', '9'), f('new', '4')])).toEqual(['b', 'gone', 'new']);
    expect(differingFiles([f('a', '1')], [f('a', '1')])).toEqual([]);
  });
});
