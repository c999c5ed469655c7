// Publishes apps straight into a store, as a finished build would: for tests and benchmarks
// of what reads the catalog, without git or Docker.
import type { AllgoManifest } from '../schemas/index.js';
import type { App, Store, User } from '../server/store/index.js';
import { published } from '../server/releases.js';

export interface SeedApp {
  name: string;
  owner: User;
  manifest?: Partial<AllgoManifest>;
  description?: string;
  /** Labels of versions to publish, oldest first (default ['1.0']). */
  versions?: string[];
  /** Labels of versions whose build fails. */
  failed?: string[];
}

export function publishApp(store: Store, seed: SeedApp): App {
  const base: AllgoManifest = { version: '1.0', entrypoint: '/app/run', memory: 1024, private: false, ...seed.manifest };
  const app = store.apps.byName(seed.name) ?? store.apps.create(seed.name, seed.owner.id, base.private ?? false);
  const build = (label: string, ok: boolean) => {
    const manifest = { ...base, version: label };
    const v = store.versions.startBuilding({
      appId: app.id,
      label,
      commit: label.padEnd(40, '0').replace(/[^0-9a-f]/g, 'a'),
      manifest,
      manifestDigest: 'd'.repeat(64),
      description: seed.description ?? '',
      image: `allgo/${seed.name}:${label}`,
      pusherId: seed.owner.id,
    });
    if (ok) {
      store.versions.finish(v.id, { state: 'ready', imageId: `sha256:${'e'.repeat(64)}` }, 'built\n');
      published(store, store.versions.byId(v.id)!);
    } else {
      store.versions.finish(v.id, { state: 'failed', error: 'the build failed' }, 'RUN exit 3\n');
    }
  };
  for (const label of seed.versions ?? ['1.0']) build(label, true);
  for (const label of seed.failed ?? []) build(label, false);
  return store.apps.byName(seed.name)!;
}
