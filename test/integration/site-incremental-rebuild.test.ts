// One app (re)published rebuilds only what shows it: its page and the catalog page, rendered by
// the renderer the last full build left. Other apps' pages stay the same files, and still right;
// an app that leaves the catalog loses its page; a change of the site's sources (a template)
// rebuilds every page; and what the incremental path writes is what a full build writes. The
// catalog page's cards of the apps that did not change are kept from the build before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import Fastify from 'fastify';
import { pino } from 'pino';
import { openStore, type Store, type User } from '../../server/store/index.js';
import { loadConfig } from '../../common/config.js';
import { buildSite, siteDir, type SiteBuildDeps } from '../../server/site/build-site.js';
import { CatalogMirror } from '../../server/site/catalog-mirror.js';
import { sourceDigest } from '../../server/site/site-sources.js';
import { CARDS_FILE } from '../../server/site/incremental.js';
import { siteRoutes } from '../../server/site/serve.js';
import { packageRoot } from '../../schemas/index.js';
import { publishApp } from '../../support/seed-store.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let dataDir: string;
let store: Store;
let owner: User;
let deps: SiteBuildDeps;
/** The site's sources as the builds see them: a test changes it to stand for a template edit. */
let sources = '';

const page = (path: string) => readFileSync(join(siteDir(dataDir), path), 'utf8');
const inode = (path: string) => statSync(join(siteDir(dataDir), path)).ino;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'allgo-site-incremental-'));
  store = openStore(join(dataDir, 'allgo.db'));
  owner = store.users.create({ name: 'ada', email: 'ada@example.org' }).user;
  for (const name of ['alpha', 'beta', 'gamma']) publishApp(store, { name, owner, manifest: { title: `The ${name} app`, tags: [name] }, description: `# ${name}\n\nThe ${name} app counts things.\n` });
  sources = await sourceDigest(packageRoot());
  const config = loadConfig({ ALLGO_DATA_DIR: dataDir, ALLGO_PUBLIC_URL: 'https://allgo.example.org' });
  // One catalog kept across the builds, as the server keeps it: each exports only the apps that changed.
  deps = { store, config, log, sources: async () => sources, catalog: new CatalogMirror() };
});
afterAll(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('incremental catalog rebuilds', () => {
  it('re-renders only the re-published app\'s page and the catalog page, leaving the others\' files as they were', async () => {
    const first = await buildSite(deps);
    expect(first).toMatchObject({ mode: 'full', apps: 3, pages: 4 });
    const beta = { text: page('apps/beta/index.html'), ino: inode('apps/beta/index.html'), br: inode('apps/beta/index.html.br') };
    const alpha = inode('apps/alpha/index.html');
    expect(beta.text).toContain('The beta app');

    // The other apps' cards on the catalog page are the ones the full build kept, not rendered
    // again: a mark put in beta's kept card shows on the next catalog page.
    const cards = () => JSON.parse(page(CARDS_FILE)) as Record<string, string>;
    const kept = cards();
    expect(Object.keys(kept)).toEqual(['alpha', 'beta', 'gamma']);
    writeFileSync(join(siteDir(dataDir), CARDS_FILE), JSON.stringify({ ...kept, beta: `${kept.beta}<!--kept-->` }));

    publishApp(store, { name: 'alpha', owner, manifest: { title: 'The alpha app, revised', tags: ['alpha', 'new'] }, description: '# alpha\n\nNow it also sorts them.\n', versions: ['2.0'] });
    const second = await buildSite(deps);
    expect(page('index.html')).toContain(`${kept.beta}<!--kept-->`);
    expect(cards().alpha).not.toBe(kept.alpha);
    writeFileSync(join(siteDir(dataDir), CARDS_FILE), JSON.stringify({ ...cards(), beta: kept.beta }));
    expect(second).toMatchObject({ mode: 'incremental', apps: 3, pages: 2 });
    expect(page('apps/alpha/index.html')).toContain('The alpha app, revised');
    expect(page('apps/alpha/index.html')).toContain('Now it also sorts them.');
    expect(page('apps/alpha/index.html')).toContain('2.0');
    expect(inode('apps/alpha/index.html')).not.toBe(alpha);
    expect(page('index.html')).toContain('The alpha app, revised');
    expect(page('index.html')).toMatch(/data-tag="new"/);
    // The other apps' pages are the same files, with the same text.
    expect(inode('apps/beta/index.html')).toBe(beta.ino);
    expect(inode('apps/beta/index.html.br')).toBe(beta.br);
    expect(page('apps/beta/index.html')).toBe(beta.text);
    // The build before keeps its own catalog page: the new one is a file of the new build.
    expect(readFileSync(join(first.dir, 'index.html'), 'utf8')).not.toContain('revised');
    expect(existsSync(join(siteDir(dataDir), 'apps/alpha/index.html.br'))).toBe(true);
  });

  it('adds a new app\'s page and drops the page of an app that left the catalog', async () => {
    publishApp(store, { name: 'delta', owner, manifest: { title: 'The delta app' }, description: 'Delta.' });
    publishApp(store, { name: 'gamma', owner, manifest: { title: 'The gamma app', private: true }, versions: ['1.1'] });
    const r = await buildSite(deps);
    expect(r).toMatchObject({ mode: 'incremental', apps: 3, pages: 2 });
    expect(page('apps/delta/index.html')).toContain('The delta app');
    expect(existsSync(join(siteDir(dataDir), 'apps/gamma'))).toBe(false);
    expect(page('index.html')).toContain('/apps/delta/');
    expect(page('index.html')).not.toContain('/apps/gamma/');
    expect(await buildSite(deps)).toMatchObject({ mode: 'unchanged', pages: 0 });

    // Two rebuilds later the full build whose app pages they share is neither served nor the
    // one before: it is kept, and the site serves every page, compressed copies included.
    const beta = page('apps/beta/index.html');
    publishApp(store, { name: 'delta', owner, manifest: { title: 'The delta app, again' }, description: 'Delta again.', versions: ['1.1'] });
    expect(await buildSite(deps)).toMatchObject({ mode: 'incremental', pages: 2 });
    const app = Fastify();
    await app.register(async (scope) => siteRoutes(scope, { dataDir, enabled: true }));
    try {
      for (const [path, text] of [['/apps/beta/', 'The beta app'], ['/apps/delta/', 'The delta app, again'], ['/', 'The delta app, again']]) {
        const res = await app.inject({ url: path, headers: { 'accept-encoding': 'br' } });
        expect(res.statusCode, path).toBe(200);
        expect(res.headers['content-encoding'], path).toBe('br');
        expect(brotliDecompressSync(res.rawPayload).toString(), path).toContain(text);
      }
      expect((await app.inject({ url: '/apps/gamma/' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
    expect(page('apps/beta/index.html')).toBe(beta);
  });

  it('rebuilds every page when the site\'s sources change, and writes what the incremental rebuilds wrote', async () => {
    const incremental = { index: page('index.html'), alpha: page('apps/alpha/index.html'), delta: page('apps/delta/index.html'), beta: inode('apps/beta/index.html') };
    sources = `${sources}, with a template edited`;
    const r = await buildSite(deps);
    expect(r).toMatchObject({ mode: 'full', apps: 3, pages: 4 });
    expect(inode('apps/beta/index.html')).not.toBe(incremental.beta);
    expect(page('index.html')).toBe(incremental.index);
    expect(page('apps/alpha/index.html')).toBe(incremental.alpha);
    expect(page('apps/delta/index.html')).toBe(incremental.delta);
  });
});
