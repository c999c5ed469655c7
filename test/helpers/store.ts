// What the store tests build on: a store in memory, and a version started as a push would start it.
import { afterEach, beforeEach } from 'vitest';
import type { AllgoManifest } from '../../schemas/index.js';
import { openStore, type App, type Store, type User, type Version } from '../../server/store/index.js';
import type { VersionStore } from '../../server/store/versions.js';

export const manifest = (version: string): AllgoManifest => ({ version, entrypoint: '/app/run', memory: 1024, private: false });

export function versionInput(app: App, pusher: User, label: string, commit = 'c'.repeat(40)): Parameters<VersionStore['startBuilding']>[0] {
  return {
    appId: app.id,
    label,
    commit,
    manifest: manifest(label),
    manifestDigest: 'd'.repeat(64),
    description: `version ${label}`,
    image: `allgo/${app.name}:${label}`,
    pusherId: pusher.id,
  };
}

/**
 * A fresh in-memory store for each test of the file, closed after it; `startBuilding` starts a
 * version in it as a push would. Read `store()` inside tests: it is a new one each time.
 */
export function memoryStoreEach(): { store: () => Store; startBuilding: (app: App, pusher: User, label: string, commit?: string) => Version } {
  let current: Store;
  beforeEach(() => {
    current = openStore(':memory:');
  });
  afterEach(() => current.close());
  return {
    store: () => current,
    startBuilding: (app, pusher, label, commit) => current.versions.startBuilding(versionInput(app, pusher, label, commit)),
  };
}
