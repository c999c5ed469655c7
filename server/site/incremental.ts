// An incremental rebuild, when only apps changed (build-state.ts): the renderer the last full
// build left (site/render/) renders the changed apps' pages and the catalog page, which are
// compressed; meanwhile the new build is made of hard links to every file of the served one.
// The stale pages are unlinked from it (so the served build keeps its own) and the new ones
// moved in. Other apps' pages are the served build's files, untouched. The caller swaps the
// new build in, as it does a full one.
import { spawn } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../schemas/index.js';
import { runNode, SiteBuildError } from './run-node.js';
import { precompress } from './precompress.js';
import { DIGEST_FILE, STATE_FILE } from './build-state.js';

const RENDER_TIME_LIMIT_MS = 5 * 60_000;

/** In each build: the renderer of its pages (a dot folder, never served nor compressed). */
export const RENDERER_DIR = '.renderer';

/** Files of a build that describe the build itself, rewritten by each: never shared by links. */
const BUILD_FILES = [DIGEST_FILE, STATE_FILE];

export interface IncrementalPaths {
  /** The served build (a real folder, not the symlink). */
  served: string;
  /** The new build's folder, not yet there. */
  out: string;
  /** The catalog document, as given to a full build. */
  data: string;
  /** A folder of the build's own, not yet there, where the pages are rendered first. */
  staging: string;
}

export interface IncrementalPages {
  changed: readonly string[];
  removed: readonly string[];
}

/** Returns how many pages it rendered: the catalog page and the changed apps' pages. */
export async function rebuildIncrementally(paths: IncrementalPaths, pages: IncrementalPages, signal?: AbortSignal): Promise<number> {
  const staged = paths.staging;
  const wanted = [{ route: '/rerender/', file: 'index.html' }, ...pages.changed.map((name) => ({ route: `/rerender/app?name=${encodeURIComponent(name)}`, file: `apps/${name}/index.html` }))];
  try {
    // Linking is the kernel's work, rendering the CPU's: on two cores they overlap.
    const [, stdout] = await Promise.all([
      linkTree(paths.served, paths.out, signal),
      runNode({
        what: 'the page renderer',
        args: [join(packageRoot(), 'site', 'render', 'render-pages.mjs'), join(paths.served, RENDERER_DIR), staged],
        cwd: paths.served,
        env: { ALLGO_SITE_DATA: paths.data },
        input: JSON.stringify({ pages: wanted }),
        timeoutMs: RENDER_TIME_LIMIT_MS,
        signal,
      }),
    ]);
    const { written } = JSON.parse(stdout) as { written: string[] };
    if (written.length !== wanted.length) throw new SiteBuildError(`the page renderer wrote ${written.length} of ${wanted.length} pages`);
    await precompress(staged, written);
    // Unlinked, not written over: the served build keeps its own copies.
    const stale = [...pages.changed, ...pages.removed].map((name) => join(paths.out, 'apps', name));
    stale.push(...['', '.br', '.gz'].map((ext) => join(paths.out, `index.html${ext}`)), ...BUILD_FILES.map((f) => join(paths.out, f)));
    await Promise.all(stale.map((p) => rm(p, { recursive: true, force: true })));
    await Promise.all(pages.changed.map((name) => mkdir(join(paths.out, 'apps', name), { recursive: true })));
    const moved = written.flatMap((f) => ['', '.br', '.gz'].map((ext) => f + ext));
    await Promise.all(moved.map((f) => rename(join(staged, f), join(paths.out, f)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' && !f.endsWith('.html') ? undefined : Promise.reject(err)))));
    return written.length;
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}

/** `cp -al`: the whole tree as hard links, in one process (far quicker than a link(2) per file from here). */
function linkTree(from: string, to: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('cp', ['-al', `${from}/.`, to], { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4096)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new SiteBuildError(`could not link the served site into a new build: cp exited with ${code}: ${err.trim()}`))));
  });
}
