// The catalog as one JSON document (schemas/site-export.schema.json): what the site
// generator reads instead of the store. Only what anyone may see goes in: public apps with
// a ready version, and of those only their ready versions. An app's entry is its public
// facts, the same the API gives (app-facts.ts).
import type { Config } from '../../common/config.js';
import type { Store, App, Version } from '../store/index.js';
import type { SiteExport } from '../../schemas/index.js';
import { appFacts, queueInfo, releaseFacts, versionFacts, versionInputs } from '../app-facts.js';

type ExportedApp = SiteExport['apps'][number];

export function exportCatalog(store: Store, config: Readonly<Pick<Config, 'publicUrl' | 'queues' | 'defaultQueue'>>): SiteExport {
  const apps: ExportedApp[] = [];
  const ready = store.versions.readyByApp();
  // Anonymous view: exactly what an unsigned visitor may see. Private apps never leave the store here.
  for (const app of store.apps.listVisible(null)) {
    const exported = exportApp(store, app, ready.get(app.id) ?? [], config.defaultQueue);
    if (exported) apps.push(exported);
  }
  return {
    generated_at: new Date().toISOString(),
    public_url: config.publicUrl,
    default_queue: config.defaultQueue,
    queues: queueInfo(config.queues),
    apps,
  };
}

function exportApp(store: Store, app: App, versions: readonly Omit<Version, 'description'>[], defaultQueue: string): ExportedApp | null {
  // listVisible(null) already leaves private apps out; this guards against a change there.
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
