// The catalog as one JSON document (schemas/site-export.schema.json): what the site
// generator reads instead of the store. Only what anyone may see goes in: public apps with
// a ready version, and of those only their ready versions. An app's entry is its public
// facts, the same the API gives (app-facts.ts). A rebuild after a few apps changed exports
// only those (exportApps; catalog-mirror.ts keeps the rest).
import type { Config } from '../../common/config.js';
import type { Store, App, Version } from '../store/index.js';
import type { SiteExport } from '../../schemas/index.js';
import { appFacts, queueInfo, releaseFacts, versionFacts, versionInputs } from '../app-facts.js';

export type ExportedApp = SiteExport['apps'][number];
export type CatalogConfig = Readonly<Pick<Config, 'publicUrl' | 'queues' | 'defaultQueue'>>;
/** What every page shows, whichever apps the catalog holds. */
export type SharedFacts = Pick<SiteExport, 'public_url' | 'default_queue' | 'queues'>;

export const sharedFacts = (config: CatalogConfig): SharedFacts => ({ public_url: config.publicUrl, default_queue: config.defaultQueue, queues: queueInfo(config.queues) });

/** Every app in the catalog, by name, with the id it has in the store. */
export function exportAllApps(store: Store, config: CatalogConfig): { appId: number; entry: ExportedApp }[] {
  const ready = store.versions.readyByApp();
  const apps: { appId: number; entry: ExportedApp }[] = [];
  // Anonymous view: exactly what an unsigned visitor may see. Private apps never leave the store here.
  for (const app of store.apps.listVisible(null)) {
    const entry = exportApp(store, app, ready.get(app.id) ?? [], config.defaultQueue);
    if (entry) apps.push({ appId: app.id, entry });
  }
  return apps;
}

/** The entries of these apps, by id: null for one not in the catalog (gone, private, or with no version to run). */
export function exportApps(store: Store, config: CatalogConfig, appIds: readonly number[]): Map<number, ExportedApp | null> {
  const entries = new Map<number, ExportedApp | null>();
  for (const id of appIds) {
    const app = store.apps.byId(id);
    entries.set(id, app ? exportApp(store, app, store.versions.listForApp(id).filter((v) => v.state === 'ready'), config.defaultQueue) : null);
  }
  return entries;
}

/** The whole catalog in one document. */
export function exportCatalog(store: Store, config: CatalogConfig): SiteExport {
  const apps = exportAllApps(store, config).map((a) => a.entry);
  return { generated_at: new Date().toISOString(), ...sharedFacts(config), listing: listingOf(apps), apps };
}

/** What the catalog page shows of all its apps, whichever of them a document carries: their count and tags. */
export function listingOf(apps: Iterable<Pick<ExportedApp, 'tags'>>): NonNullable<SiteExport['listing']> {
  const counts = new Map<string, number>();
  let n = 0;
  for (const a of apps) {
    n++;
    for (const t of a.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  // Most used first, then by name.
  const tags = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([tag, count]) => ({ tag, count }));
  return { apps: n, tags };
}

function exportApp(store: Store, app: App, versions: readonly Omit<Version, 'description'>[], defaultQueue: string): ExportedApp | null {
  // listVisible(null) already leaves private apps out; this guards against a change there, and exportApps relies on it.
  if (app.private || !app.manifest) return null;
  const facts = appFacts(store, app, defaultQueue);
  if (!facts.latest_version || !facts.default_version) return null;
  return {
    ...facts,
    latest_version: facts.latest_version,
    default_version: facts.default_version,
    // A yanked version is in the history, not in the run form.
    versions: versions.filter((v) => !v.yanked).map((v) => {
      const { parameters, free_params } = versionInputs(v);
      return { ...versionFacts(v), parameters, free_params };
    }),
    releases: store.releases.history(app.id).map(releaseFacts),
  };
}
