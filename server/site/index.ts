// The catalog site's server side: rebuilds after every change that can show in it, and once
// at start (cheap when nothing changed: the build compares digests first).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../common/config.js';
import type { Store } from '../store/index.js';
import type { ServerEvents } from '../events.js';
import { buildSite } from './build-site.js';
import { SiteRebuilds } from './rebuilds.js';
import { CatalogMirror } from './catalog-mirror.js';

export interface SiteDeps {
  config: Readonly<Config>;
  store: Store;
  events: ServerEvents;
  connection: Redis;
  workerConnection: Redis;
  log: Logger;
}

export interface RunningSite {
  close(): Promise<void>;
}

export async function startSiteRebuilds(deps: SiteDeps): Promise<RunningSite> {
  const { config, store, events, log } = deps;
  // Kept across rebuilds: each exports only the apps changed since the last.
  const catalog = new CatalogMirror();
  const rebuilds = new SiteRebuilds({
    connection: deps.connection,
    workerConnection: deps.workerConnection,
    prefix: config.redisPrefix,
    debounceMs: config.site.debounceMs,
    build: (signal) => buildSite({ store, config, log, catalog }, { signal }),
    log,
  });
  // A version that became ready or failed: the app's manifest, visibility, tags or versions may have changed.
  const onVersion = (versionId: number) => rebuilds.requestSoon(`version ${versionId}`);
  events.on('version', onVersion);
  // A promotion, rollback or yank: the default version and the history shown changed.
  const onRelease = (appId: number) => rebuilds.requestSoon(`releases of app ${appId}`);
  events.on('release', onRelease);
  await rebuilds.request('server start');
  return {
    async close() {
      events.off('version', onVersion);
      events.off('release', onRelease);
      await rebuilds.close();
    },
  };
}
