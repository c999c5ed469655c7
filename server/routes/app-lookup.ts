// An app or a ready version as the caller may see it: one that is private to others is
// answered 404, exactly as if it did not exist.
import { maySee } from '../auth.js';
import { notFound } from '../errors.js';
import type { App, Store, User, Version } from '../store/index.js';

export function visibleApp(store: Store, ref: string, user: User | null): App {
  const found = store.apps.byRef(ref);
  if (!found || !maySee(user, found)) throw notFound.app(ref);
  return found;
}

export function readyVersion(store: Store, name: string, label: string, user: User | null): { a: App; v: Version } {
  const a = visibleApp(store, name, user);
  const v = store.versions.byLabel(a.id, label);
  if (!v || v.state !== 'ready') throw notFound.version(a.name, label);
  return { a, v };
}

export const versionParams = { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string', description: 'The app\'s name or id' }, version: { type: 'string' } } };
