// An incremental rebuild, when only apps changed (build-state.ts). The app pages live in the
// `apps/` folder of the last full build, which the incremental builds after it share (their
// `apps` is a symlink to it), so a rebuild touches only what changed:
//   1. the renderer that full build left (site/render/) renders the changed apps' pages, and
//      their cards, into a staging folder; the catalog page is those cards and the ones the
//      served build kept (CARDS_FILE), so the others are not rendered again; all compressed;
//   2. the new build is hard links to the served build's few other files (the scripts and
//      styles, the pages that show no app), its own catalog page, and the `apps` symlink;
//   3. each changed app's files are renamed over the old ones (a rename replaces a file
//      atomically: a reader gets the old page or the new one);
//   4. the caller swaps the new build in (the catalog page changes then), and afterSwap()
//      removes the pages of apps that left the catalog.
// A changed page may so show a few milliseconds before the catalog lists it; nothing the
// catalog lists is ever missing. Other apps' pages are not touched.
import { spawn } from 'node:child_process';
import { access, mkdir, readdir, realpath, rename, rm, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { packageRoot } from '../../schemas/index.js';
import { runNode, SiteBuildError } from './run-node.js';
import { precompress } from './precompress.js';
import { DIGEST_FILE, STATE_FILE } from './build-state.js';

const RENDER_TIME_LIMIT_MS = 5 * 60_000;

/** In each build: the renderer of its pages (a dot folder, never served nor compressed). */
export const RENDERER_DIR = '.renderer';

/** In each build: its catalog cards, app name → HTML (site/render/catalog-page.mjs), never served. */
export const CARDS_FILE = '.cards.json';

/** Files of a build that describe the build itself, written by each: never linked from another. */
const BUILD_FILES = new Set([DIGEST_FILE, STATE_FILE, CARDS_FILE]);
const COPIES = ['', '.br', '.gz'];

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
  /** Every app's name, in the catalog's order. */
  order: readonly string[];
  changed: readonly string[];
  removed: readonly string[];
}

export interface IncrementalBuild {
  /** The catalog page and the changed apps' pages. */
  pages: number;
  /** To call once the new build is served: removes the pages of the apps that left the catalog. */
  afterSwap(): Promise<void>;
}

export async function rebuildIncrementally(paths: IncrementalPaths, pages: IncrementalPages, signal?: AbortSignal): Promise<IncrementalBuild> {
  const staged = paths.staging;
  const wanted = pages.changed.map((name) => ({ route: `/rerender/app?name=${encodeURIComponent(name)}`, file: `apps/${name}/index.html` }));
  try {
    // A served build without cards (made before they were kept) has every card rendered.
    const kept = await access(join(paths.served, CARDS_FILE)).then(() => join(paths.served, CARDS_FILE), () => null);
    const catalog: CardsJob = { order: pages.order, changed: kept ? pages.changed : null, from: kept, cards: join(staged, CARDS_FILE), page: 'index.html' };
    const written = await renderPages({ renderer: join(paths.served, RENDERER_DIR), out: staged, data: paths.data }, wanted, catalog, signal);
    if (written.length !== wanted.length + 1) throw new SiteBuildError(`the page renderer wrote ${written.length} of ${wanted.length + 1} pages`);
    await precompress(staged, written);

    // The app pages' folder: the full build's own, or the one the served build links to.
    const apps = join(paths.served, 'apps');
    await mkdir(apps, { recursive: true });
    const shared = await realpath(apps);
    const others = (await readdir(paths.served)).filter((e) => e !== 'apps' && !BUILD_FILES.has(e) && !e.startsWith('index.html'));
    await mkdir(paths.out, { recursive: true });
    await linkInto(others.map((e) => join(paths.served, e)), paths.out, signal);
    await rename(join(staged, 'index.html'), join(paths.out, 'index.html'));
    await rename(join(staged, CARDS_FILE), join(paths.out, CARDS_FILE));
    for (const ext of COPIES.slice(1)) await rename(join(staged, `index.html${ext}`), join(paths.out, `index.html${ext}`)).catch(ignoreMissing);
    await symlinkApps(shared, paths.out);

    for (const name of pages.changed) {
      await mkdir(join(shared, name), { recursive: true });
      // Each file is replaced whole; for a moment a reader may get the new page in one encoding and the old in another.
      for (const ext of [...COPIES.slice(1), '']) {
        const to = join(shared, name, `index.html${ext}`);
        await rename(join(staged, 'apps', name, `index.html${ext}`), to).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT' || ext === '') throw err;
          await rm(to, { force: true });
        });
      }
    }
    return { pages: written.length, afterSwap: () => Promise.all(pages.removed.map((name) => rm(join(shared, name), { recursive: true, force: true }))).then(() => undefined) };
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}

/** What the renderer does with the catalog's cards (site/render/catalog-page.mjs). */
export interface CardsJob {
  order: readonly string[];
  /** The apps whose cards to render; null: every app's. */
  changed: readonly string[] | null;
  /** The last build's cards file, or null. */
  from: string | null;
  /** Where this build's cards go. */
  cards: string;
  /** The catalog page's file in `out`, to write from the cards, if any. */
  page?: string;
}

/** Runs the renderer a full build left (site/render/render-pages.mjs); returns the files it wrote in `out`. */
export async function renderPages(at: { renderer: string; out: string; data: string }, pages: { route: string; file: string }[], catalog: CardsJob, signal?: AbortSignal): Promise<string[]> {
  const stdout = await runNode({
    what: 'the page renderer',
    args: [join(packageRoot(), 'site', 'render', 'render-pages.mjs'), at.renderer, at.out],
    cwd: dirname(at.renderer),
    env: { ALLGO_SITE_DATA: at.data },
    input: JSON.stringify({ pages, catalog }),
    timeoutMs: RENDER_TIME_LIMIT_MS,
    signal,
  });
  return (JSON.parse(stdout) as { written: string[] }).written;
}

const ignoreMissing = (err: NodeJS.ErrnoException): void => {
  if (err.code !== 'ENOENT') throw err;
};

/** The new build's `apps`: a relative symlink to the shared folder, so a moved data dir keeps it. */
const symlinkApps = (shared: string, out: string): Promise<void> => symlink(relative(out, shared), join(out, 'apps'), 'dir');

/** `cp -al`: the files and folders as hard links, in one process (quicker than a link(2) per file from here). */
function linkInto(from: string[], to: string, signal?: AbortSignal): Promise<void> {
  if (from.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const child = spawn('cp', ['-al', ...from, `${to}/`], { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4096)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new SiteBuildError(`could not link the served site into a new build: cp exited with ${code}: ${err.trim()}`))));
  });
}
