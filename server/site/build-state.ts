// What a build of the site was made from, kept in it (a dotfile, never served): the digest of
// the site's sources, of what every page shows (queues, public URL), and of each app's entry.
// Against the next catalog it says what must be rebuilt: every page when a template or a
// shared fact changed, else only the pages of the apps that changed and the catalog page.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, type CatalogSnapshot } from './catalog-mirror.js';

export const STATE_FILE = '.build-state.json';
/** What a build's pages show, in one digest: the next build with the same is not needed. */
export const DIGEST_FILE = '.build-digest';

export interface BuildState {
  sources: string;
  shared: string;
  apps: Readonly<Record<string, string>>;
}

export type RebuildPlan =
  | { kind: 'full'; why: string }
  | { kind: 'incremental'; changed: string[]; removed: string[] };

/** The listing is not a shared fact: it follows from the apps, and a change of theirs shows in their digests. */
export const stateOf = (catalog: Pick<CatalogSnapshot, 'shared' | 'digests'>, sources: string): BuildState => ({ sources, shared: digestOf(catalog.shared), apps: catalog.digests });

export function planRebuild(served: BuildState | null, next: BuildState): RebuildPlan {
  if (!served) return { kind: 'full', why: 'no build to start from' };
  if (served.sources !== next.sources) return { kind: 'full', why: 'the site\'s sources changed' };
  if (served.shared !== next.shared) return { kind: 'full', why: 'the queues or the public URL changed' };
  const changed = Object.keys(next.apps).filter((name) => served.apps[name] !== next.apps[name]);
  const removed = Object.keys(served.apps).filter((name) => !(name in next.apps));
  return { kind: 'incremental', changed, removed };
}

export async function readState(dir: string): Promise<BuildState | null> {
  try {
    return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as BuildState;
  } catch {
    return null;
  }
}

export const writeState = (dir: string, state: BuildState): Promise<void> => writeFile(join(dir, STATE_FILE), JSON.stringify(state));
