// What the store tests build on: a version started as a push would start it.
import type { AllgoManifest } from '../../schemas/index.js';
import type { App, User } from '../../server/store/index.js';
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
