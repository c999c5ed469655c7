// The catalog rebuild on its own: bursts of changes make one build, a change during a build
// makes exactly one more, and readers of <data dir>/site never see a half-written site.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { openStore, type Store } from '../../server/store/index.js';
import { loadConfig } from '../../common/config.js';
import { buildSite, siteDir } from '../../server/site/build-site.js';
import { SiteRebuilds } from '../../server/site/rebuilds.js';
import { publishApp } from '../../support/seed-store.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const connections: Redis[] = [];
const redis = () => {
  const r = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  connections.push(r);
  return r;
};
afterAll(async () => {
  await Promise.all(connections.map((c) => c.quit()));
});

describe('debounced rebuilds on the site queue', () => {
  let rebuilds: SiteRebuilds;
  afterEach(() => rebuilds?.close());

  it('folds a burst into one build, and a change during a build into exactly one more', async () => {
    const builds: number[] = [];
    let release: () => void = () => undefined;
    let gate: Promise<void> | null = null;
    rebuilds = new SiteRebuilds({
      connection: redis(),
      workerConnection: redis(),
      prefix: `t${randomBytes(4).toString('hex')}`,
      debounceMs: 300,
      build: async () => {
        builds.push(Date.now());
        if (gate) await gate;
      },
      log,
    });
    const started = (n: number) => expect.poll(() => builds.length, { timeout: 5_000, message: `build ${n} never started` }).toBeGreaterThanOrEqual(n);
    // Proving that no further build starts takes waiting longer than the debounce.
    const settle = () => new Promise((r) => setTimeout(r, 1200));

    for (let i = 0; i < 10; i++) await rebuilds.request(`push ${i}`);
    await started(1);
    await settle();
    expect(builds).toHaveLength(1);

    gate = new Promise((r) => (release = r));
    await rebuilds.request('first');
    await started(2);
    expect(builds).toHaveLength(2);
    // Three changes land while that build runs: they make one build after it, not three.
    for (const reason of ['a', 'b', 'c']) await rebuilds.request(reason);
    gate = null;
    release();
    await started(3);
    await settle();
    expect(builds).toHaveLength(3);
  });
});

describe('buildSite', () => {
  let dataDir: string;
  let store: Store;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'allgo-site-'));
    store = openStore(':memory:');
  });
  afterAll(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('swaps each build in whole while readers keep reading, and skips a build that would change nothing', async () => {
    const config = loadConfig({ ALLGO_DATA_DIR: dataDir, ALLGO_PUBLIC_URL: 'http://127.0.0.1:1' });
    // A new instance: the catalog tells a provider how to publish.
    const initial = await buildSite({ store, config, log });
    const empty = readFileSync(join(siteDir(dataDir), 'index.html'), 'utf8');
    expect(empty).toContain('No apps published yet');
    expect(empty).toContain('git remote add allgo http://127.0.0.1:1/git/myapp.git');

    const owner = store.users.create({ name: 'ada', email: 'ada@example.org' }).user;
    publishApp(store, { name: 'first-app', owner, manifest: { title: 'First' } });
    const first = await buildSite({ store, config, log });
    expect(first.unchanged).toBe(false);
    expect(readFileSync(join(siteDir(dataDir), 'index.html'), 'utf8')).toContain('/apps/first-app/');

    publishApp(store, { name: 'second-app', owner, manifest: { title: 'Second' } });
    // Read the served catalog as fast as possible during the whole rebuild.
    let reading = true;
    const seen = { old: 0, new: 0, missing: 0 };
    const reader = (async () => {
      while (reading) {
        let html = '';
        try {
          html = readFileSync(join(siteDir(dataDir), 'index.html'), 'utf8');
        } catch {
          seen.missing++;
        }
        if (html.includes('/apps/second-app/')) seen.new++;
        else if (html.includes('/apps/first-app/')) seen.old++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const second = await buildSite({ store, config, log });
    reading = false;
    await reader;
    expect(second.unchanged).toBe(false);
    expect(seen.missing).toBe(0);
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.new).toBeGreaterThan(0);
    expect(readFileSync(join(siteDir(dataDir), 'apps', 'second-app', 'index.html'), 'utf8')).toContain('Second');

    // Nothing visible changed (a private app was published): no build, same folder served.
    publishApp(store, { name: 'hidden-app', owner, manifest: { private: true } });
    const third = await buildSite({ store, config, log });
    expect(third.unchanged).toBe(true);
    // The served build and the one before it are kept, and the full build (the first) whose app
    // pages those two incremental ones share; no work folders are left behind.
    expect([first.mode, second.mode]).toEqual(['incremental', 'incremental']);
    expect(readdirSync(join(dataDir, 'site-builds')).sort()).toEqual([initial.dir, first.dir, second.dir].map((d) => basename(d)).sort());
    expect(readdirSync(dataDir).filter((n) => n.startsWith('site.next-'))).toEqual([]);
  });
});
