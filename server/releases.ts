// An app's default version, the one a job runs when it names none: a pointer its owner moves.
//   publish (a build became ready) → default, unless pushed with promote off
//   promote V → default;  rollback → the default before this one;  yank V → no new jobs on V
// Every change is one row of the app's history (store/releases.ts), with who and when. This is
// the only place that decides which version is the default.
import { ReleaseError, notFound } from './errors.js';
import type { App, Store, User, Version } from './store/index.js';

/** The version a job that names none runs; null when the app has none (never published, or all yanked). */
export function defaultVersion(store: Store, app: Pick<App, 'id'>): Version | null {
  const id = store.releases.defaultVersionId(app.id);
  return id === null ? null : store.versions.byId(id);
}

function moveDefault(store: Store, v: Version): void {
  store.releases.setDefault(v.appId, v.id);
  // What the app shows (title, description, whether private) is its default version's.
  store.apps.publish(v.appId, v.manifest, v.description);
}

/**
 * A version's build became ready. It becomes the default if it was pushed to be, or if the app
 * has none yet (an app nobody can run by default helps no one). Returns whether it did.
 */
export function published(store: Store, v: Version): boolean {
  return store.db.transaction(() => {
    const promote = v.promote || store.releases.defaultVersionId(v.appId) === null;
    if (promote) moveDefault(store, v);
    store.releases.record({ appId: v.appId, versionId: v.id, action: 'publish', movedDefault: promote, userId: v.pusherId });
    return promote;
  })();
}

function runnable(store: Store, app: App, label: string): Version {
  const v = store.versions.byLabel(app.id, label);
  if (!v) throw notFound.version(app.name, label);
  if (v.state !== 'ready') throw new ReleaseError('version_not_ready', `version ${label} of ${app.name} is ${v.state}, not ready: only a ready version can be the default`);
  if (v.yanked) throw new ReleaseError('version_yanked', `version ${label} of ${app.name} was yanked (${v.yanked.reason}): push it again under a new version to publish it`);
  return v;
}

/** Makes `label` the default. Promoting the default again changes nothing and records nothing. */
export function promote(store: Store, app: App, label: string, user: User): Version {
  const v = runnable(store, app, label);
  if (store.releases.defaultVersionId(app.id) === v.id) return v;
  store.db.transaction(() => {
    moveDefault(store, v);
    store.releases.record({ appId: app.id, versionId: v.id, action: 'promote', movedDefault: true, userId: user.id });
  })();
  return v;
}

/** The ready, unyanked version that was the default before the current one; null if none. */
function previousDefault(store: Store, app: App): Version | null {
  const current = store.releases.defaultVersionId(app.id);
  const stack = store.releases.defaultStack(app.id);
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i] === current) continue;
    const v = store.versions.byId(stack[i]);
    if (v && v.state === 'ready' && !v.yanked) return v;
  }
  return null;
}

function rollBackTo(store: Store, app: App, user: User, reason: string | null): Version | null {
  const v = previousDefault(store, app);
  if (!v) return null;
  moveDefault(store, v);
  store.releases.record({ appId: app.id, versionId: v.id, action: 'rollback', movedDefault: true, userId: user.id, reason });
  return v;
}

/** Moves the default back to the version that was the default before it. */
export function rollback(store: Store, app: App, user: User): Version {
  const v = store.db.transaction(() => rollBackTo(store, app, user, null))();
  if (!v) {
    const current = defaultVersion(store, app);
    throw new ReleaseError('nothing_to_roll_back', `${app.name} has no earlier ready version to roll back to${current ? ` (its default is ${current.label})` : ''}`);
  }
  return v;
}

/**
 * Hides `label` from new jobs, with its reason; its old jobs keep their records. Yanking the
 * default rolls back first, or leaves the app without a default when nothing came before.
 */
export function yank(store: Store, app: App, label: string, reason: string, user: User): { version: Version; default: Version | null } {
  const v = store.versions.byLabel(app.id, label);
  if (!v || v.state !== 'ready') throw notFound.version(app.name, label);
  if (v.yanked) throw new ReleaseError('already_yanked', `version ${label} of ${app.name} was already yanked on ${v.yanked.at}: ${v.yanked.reason}`);
  store.db.transaction(() => {
    store.versions.yank(v.id, reason);
    store.releases.record({ appId: app.id, versionId: v.id, action: 'yank', movedDefault: false, userId: user.id, reason });
    if (store.releases.defaultVersionId(app.id) !== v.id) return;
    if (!rollBackTo(store, app, user, `${label} was yanked`)) store.releases.setDefault(app.id, null);
  })();
  return { version: store.versions.byId(v.id)!, default: defaultVersion(store, app) };
}
