// The catalog a rebuild starts from: kept between rebuilds, brought up to date by exporting
// again only the apps the store's triggers named since, whichever connection wrote. What it
// gives must be what a full export of the store gives, at every step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store, type User } from '../../server/store/index.js';
import { loadConfig } from '../../common/config.js';
import { exportCatalog } from '../../server/site/export.js';
import { CatalogMirror } from '../../server/site/catalog-mirror.js';
import { publishApp } from '../../support/seed-store.js';
import { promote, yank } from '../../server/releases.js';

const config = loadConfig({ ALLGO_DATA_DIR: '/nonexistent', ALLGO_PUBLIC_URL: 'https://allgo.example.org' });
let dir: string;
let store: Store;
let ada: User;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'allgo-unit-catalog-mirror-'));
  store = openStore(join(dir, 'allgo.db'));
  ada = store.users.create({ name: 'ada', email: 'ada@example.org' }).user;
  for (const name of ['beta', 'alpha', 'gamma']) publishApp(store, { name, owner: ada, manifest: { tags: [name, 'shared'] }, versions: ['1.0', '1.1'] });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The document without its date, to compare with a full export. */
const undated = ({ generated_at: _at, ...rest }: ReturnType<typeof exportCatalog>) => rest;

describe('the catalog kept between rebuilds', () => {
  it('exports every app first, then only the apps changed since, and gives what a full export gives', () => {
    const mirror = new CatalogMirror();
    const first = mirror.refresh(store, config);
    expect(first.exported).toBe('all');
    expect(first.names).toEqual(['alpha', 'beta', 'gamma']);
    expect(undated(first.whole())).toEqual(undated(exportCatalog(store, config)));

    expect(mirror.refresh(store, config).exported).toBe(0);
    publishApp(store, { name: 'beta', owner: ada, manifest: { title: 'Beta, revised', tags: ['beta'] }, versions: ['2.0'] });
    const next = mirror.refresh(store, config);
    expect(next.exported).toBe(1);
    expect(next.digests.beta).not.toBe(first.digests.beta);
    expect(next.digests.alpha).toBe(first.digests.alpha);
    expect(undated(next.whole())).toEqual(undated(exportCatalog(store, config)));
    expect(next.whole().listing).toEqual({ apps: 3, tags: [{ tag: 'shared', count: 2 }, { tag: 'alpha', count: 1 }, { tag: 'beta', count: 1 }, { tag: 'gamma', count: 1 }] });
  });

  it('sees releases, yanks, apps that come or turn private, and a renamed owner, written by another connection too', () => {
    const mirror = new CatalogMirror();
    mirror.refresh(store, config);
    const beside = openStore(join(dir, 'allgo.db'));
    try {
      const alpha = beside.apps.byName('alpha')!;
      promote(beside, alpha, '1.0', ada);
      yank(beside, beside.apps.byName('gamma')!, '1.1', 'wrong results', ada);
      publishApp(beside, { name: 'aardvark', owner: ada });
      publishApp(beside, { name: 'beta', owner: ada, manifest: { private: true }, versions: ['3.0'] });
      beside.db.prepare("UPDATE users SET name = 'ada2' WHERE id = ?").run(ada.id);
    } finally {
      beside.close();
    }
    const next = mirror.refresh(store, config);
    expect(next.exported).toBe(4);
    expect(next.names).toEqual(['aardvark', 'alpha', 'gamma']);
    const doc = next.whole();
    expect(undated(doc)).toEqual(undated(exportCatalog(store, config)));
    expect(doc.apps.find((a) => a.name === 'alpha')).toMatchObject({ default_version: '1.0', owner: 'ada2' });
    expect(doc.apps.find((a) => a.name === 'gamma')?.versions.map((v) => v.version)).toEqual(['1.0']);
  });

  it('gives a document of only some apps with the whole catalog’s listing', () => {
    const only = new CatalogMirror().refresh(store, config).only(['gamma']);
    expect(only.apps.map((a) => a.name)).toEqual(['gamma']);
    expect(only.listing.apps).toBe(3);
  });

  it('reads each change once: the changes it read are pruned from the store', () => {
    const mirror = new CatalogMirror();
    mirror.refresh(store, config);
    publishApp(store, { name: 'alpha', owner: ada, versions: ['2.0'] });
    expect(store.catalogChanges.since(0).appIds).toEqual([store.apps.byName('alpha')!.id]);
    mirror.refresh(store, config);
    expect(store.catalogChanges.since(0).appIds).toEqual([]);
  });

  it('exports every app again once its full export is older than the resync period', () => {
    let now = 0;
    const mirror = new CatalogMirror({ now: () => now, resyncMs: 1000 });
    mirror.refresh(store, config);
    // A change no trigger saw, as the safety net is for.
    store.db.exec('DROP TRIGGER catalog_app_update');
    store.db.prepare("UPDATE apps SET description = 'changed behind the triggers' WHERE name = 'alpha'").run();
    now = 999;
    expect(mirror.refresh(store, config).whole().apps.find((a) => a.name === 'alpha')?.description).not.toBe('changed behind the triggers');
    now = 1000;
    const resynced = mirror.refresh(store, config);
    expect(resynced.exported).toBe('all');
    expect(resynced.whole().apps.find((a) => a.name === 'alpha')?.description).toBe('changed behind the triggers');
  });
});
