// The catalog as one JSON document (schemas/site-export.schema.json): what the site
// generator reads instead of the store. Only what anyone may see goes in: public apps with
// a ready version, and of those only their ready versions.
import type { Config } from '../../common/config.js';
import type { Store, App } from '../store/index.js';
import type { SiteExport } from '../../schemas/index.js';
import { formatDuration } from '../../common/duration.js';

type ExportedApp = SiteExport['apps'][number];

export function exportCatalog(store: Store, config: Readonly<Pick<Config, 'publicUrl' | 'queues' | 'defaultQueue'>>): SiteExport {
  const apps: ExportedApp[] = [];
  // Anonymous view: exactly what an unsigned visitor may see. Private apps never leave the store here.
  for (const app of store.apps.listVisible(null)) {
    const exported = exportApp(store, app, config.defaultQueue);
    if (exported) apps.push(exported);
  }
  return {
    generated_at: new Date().toISOString(),
    public_url: config.publicUrl,
    default_queue: config.defaultQueue,
    queues: config.queues.map((q) => ({ name: q.name, time_limit: formatDuration(q.timeLimitMs), time_limit_seconds: q.timeLimitMs / 1000, description: q.description })),
    apps,
  };
}

function exportApp(store: Store, app: App, defaultQueue: string): ExportedApp | null {
  const m = app.manifest;
  // listVisible(null) already leaves private apps out; this guards against a change there.
  if (app.private || !m) return null;
  const versions = store.versions.listForApp(app.id).filter((v) => v.state === 'ready');
  const latest = store.versions.latestReady(app.id);
  if (!latest) return null;
  return {
    id: app.id,
    name: app.name,
    title: m.title ?? app.name,
    description: app.description,
    owner: app.ownerName,
    tags: m.tags ?? [],
    contact: m.contact ?? null,
    os: m.os ?? null,
    memory: m.memory ?? null,
    cpus: m.cpus ?? null,
    queue: m.queue ?? defaultQueue,
    presets: (m.presets ?? []).map((p) => ({ name: p.name, params: p.params })),
    input_limit: m.input_limit ?? null,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
    latest_version: latest.label,
    versions: versions.map((v) => ({ version: v.label, commit: v.commit, created_at: v.createdAt, finished_at: v.finishedAt })),
  };
}
