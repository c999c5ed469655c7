// One catalog rebuild: bring the catalog up from the store (catalog-mirror.ts: only the apps
// that changed are exported again), then either render only what changed (the pages of
// the apps that changed and the catalog page: incremental.ts) or, when a template or what every
// page shows changed, run `astro build` of every page in a child process (which also leaves the
// renderer the incremental rebuilds use), into a fresh folder; precompress; swap it in.
// <data dir>/site is a symlink to the build being served; the swap renames a new symlink over
// it, which is atomic, so a reader sees the old site or the new one, never a half-written one.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../common/config.js';
import type { Store } from '../store/index.js';
import { packageRoot } from '../../schemas/index.js';
import { CatalogMirror, digestOf } from './catalog-mirror.js';
import { precompress } from './precompress.js';
import { runNode, SiteBuildError } from './run-node.js';
import { BUILDS_CWD, sourceDigest } from './site-sources.js';
import { DIGEST_FILE, planRebuild, readState, stateOf, writeState, type BuildState } from './build-state.js';
import { CARDS_FILE, rebuildIncrementally, renderPages, RENDERER_DIR } from './incremental.js';

const BUILD_TIME_LIMIT_MS = 10 * 60_000;

export interface SiteBuildDeps {
  store: Store;
  config: Readonly<Pick<Config, 'dataDir' | 'publicUrl' | 'queues' | 'defaultQueue'>>;
  log: Logger;
  /** The digest of the site's sources (default: read from the package); a change means every page is rebuilt. */
  sources?: () => Promise<string>;
  /** The catalog as the last rebuild exported it, kept across rebuilds (default: a new one, which exports every app). */
  catalog?: CatalogMirror;
}

export interface SiteBuildResult {
  /** The folder now served as <data dir>/site. */
  dir: string;
  apps: number;
  ms: number;
  /** True when the served site was already built from the same catalog and site sources. */
  unchanged: boolean;
  /** How it was built: every page, or only the changed apps' pages and the catalog page. */
  mode: 'unchanged' | 'full' | 'incremental';
  /** The app pages and catalog page this build rendered (a full build: all of them). */
  pages: number;
}

/** Where the served site is: a symlink to the current build. */
export const siteDir = (dataDir: string): string => join(dataDir, 'site');
const buildsDir = (dataDir: string): string => join(dataDir, 'site-builds');

export async function buildSite(deps: SiteBuildDeps, opts: { signal?: AbortSignal; force?: boolean } = {}): Promise<SiteBuildResult> {
  const started = Date.now();
  const { dataDir } = deps.config;
  const catalog = (deps.catalog ?? new CatalogMirror()).refresh(deps.store, deps.config);
  const apps = catalog.names.length;
  const sources = await (deps.sources ?? (() => sourceDigest(packageRoot())))();
  // What every page shows, each app's entry and the sources, in one digest (of the digests of
  // each, kept with the entries): a change that shows nowhere (a private app's build, a
  // restart) costs no rebuild.
  const state = stateOf(catalog, sources);
  const digest = digestOf(state);
  const served = await readFile(join(siteDir(dataDir), DIGEST_FILE), 'utf8').catch(() => null);
  if (!opts.force && served === digest) return { dir: siteDir(dataDir), apps, ms: Date.now() - started, unchanged: true, mode: 'unchanged', pages: 0 };
  const servedDir = await realpath(siteDir(dataDir)).catch(() => null);
  const plan = opts.force ? ({ kind: 'full', why: 'asked for' } as const) : planRebuild(servedDir && (await hasRenderer(servedDir)) ? await readState(servedDir) : null, state);
  const id = `${new Date().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
  const builds = buildsDir(dataDir);
  const out = join(builds, id);
  const work = join(builds, `${id}.work`);
  await mkdir(work, { recursive: true });
  try {
    const data = join(work, 'catalog.json');
    const full = async (): Promise<number> => {
      await writeFile(data, JSON.stringify(catalog.whole()));
      return fullBuild({ data, out, work }, id, catalog.names, opts.signal);
    };
    let pages: number;
    let mode: SiteBuildResult['mode'] = 'full';
    let afterSwap = async (): Promise<void> => undefined;
    if (plan.kind === 'incremental' && servedDir) {
      try {
        // The renderer reads only the changed apps' entries; the catalog page's cards of the others are kept.
        await writeFile(data, JSON.stringify(catalog.only(plan.changed)));
        ({ pages, afterSwap } = await rebuildIncrementally({ served: servedDir, out, data, staging: join(work, 'pages') }, { ...plan, order: catalog.names }, opts.signal));
        mode = 'incremental';
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        // The renderer is an optimisation: when it fails, every page is built the usual way.
        deps.log.warn({ err, build: id }, 'incremental site rebuild failed: rebuilding every page');
        await rm(out, { recursive: true, force: true });
        pages = await full();
      }
    } else {
      deps.log.debug({ build: id, why: plan.kind === 'full' ? plan.why : 'no served build' }, 'rebuilding every page of the site');
      pages = await full();
    }
    await finish(out, digest, state);
    await swapIn(dataDir, id);
    await afterSwap();
    const ms = Date.now() - started;
    deps.log.info({ build: id, apps, mode, pages, exported: catalog.exported, ms }, 'site rebuilt');
    return { dir: out, apps, ms, unchanged: false, mode, pages };
  } catch (err) {
    await rm(out, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
    await pruneBuilds(dataDir).catch((err) => deps.log.warn({ err }, 'could not remove old site builds'));
  }
}

const hasRenderer = async (dir: string): Promise<boolean> => (await stat(join(dir, RENDERER_DIR, 'entry.mjs')).catch(() => null))?.isFile() ?? false;

async function finish(out: string, digest: string, state: BuildState): Promise<void> {
  if (!(await stat(join(out, 'index.html')).catch(() => null))) throw new SiteBuildError('the build finished without writing index.html');
  await writeState(out, state);
  await writeFile(join(out, DIGEST_FILE), digest);
}

/** Every page, by `astro build`; returns how many app pages and catalog pages it wrote. */
async function fullBuild(paths: { data: string; out: string; work: string }, id: string, order: readonly string[], signal?: AbortSignal): Promise<number> {
  const renderer = join(paths.out, RENDERER_DIR);
  await mkdir(renderer, { recursive: true });
  // The renderer's modules import Astro's runtime, from this package's node_modules.
  await symlink(join(packageRoot(), 'node_modules'), join(renderer, 'node_modules'), 'dir');
  await runAstro({ ...paths, renderer, cache: join(paths.work, 'cache') }, id, signal);
  await precompress(paths.out);
  // The cards the next incremental rebuild starts from.
  await renderPages({ renderer, out: paths.out, data: paths.data }, [], { order, changed: null, from: null, cards: join(paths.out, CARDS_FILE) }, signal);
  return 1 + order.length;
}

/**
 * `astro build` of site/: the pages into `paths.out`, the renderer into `paths.renderer`, the rest
 * into the work folder. When the output is outside its current directory, Astro writes the server
 * half of the build to <cwd>/.astro/: each build runs in a folder of its own under site/.builds/
 * (inside the package, so those modules find node_modules), where builds run from site/ itself
 * overwrote each other's.
 */
async function runAstro(paths: { data: string; out: string; renderer: string; work: string; cache: string }, id: string, signal?: AbortSignal): Promise<void> {
  const root = packageRoot();
  const siteRoot = join(root, 'site');
  const cwd = join(siteRoot, BUILDS_CWD, id);
  await mkdir(cwd, { recursive: true });
  try {
    await runNode({
      what: 'astro build',
      args: [join(root, 'node_modules', 'astro', 'astro.js'), 'build', '--root', siteRoot, '--silent'],
      cwd,
      env: { ALLGO_SITE_DATA: paths.data, ALLGO_SITE_OUT: paths.out, ALLGO_SITE_RENDERER: paths.renderer, ALLGO_SITE_WORK: join(paths.work, 'astro'), ALLGO_SITE_CACHE: paths.cache },
      timeoutMs: BUILD_TIME_LIMIT_MS,
      signal,
    });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Points <data dir>/site at builds/<id> in one rename(2). */
async function swapIn(dataDir: string, id: string): Promise<void> {
  const link = siteDir(dataDir);
  const next = join(dataDir, `site.next-${id}`);
  await symlink(join('site-builds', id), next, 'dir');
  const current = await lstat(link).catch(() => null);
  // A real folder (put there by hand) cannot be replaced by a rename: move it aside first.
  if (current?.isDirectory()) await rename(link, join(buildsDir(dataDir), `manual-${id}`));
  await rename(next, link);
}

/**
 * Keeps the served build and the one before it (pages already open may still load its assets),
 * and the full builds whose app pages they share (incremental.ts).
 */
async function pruneBuilds(dataDir: string): Promise<void> {
  const builds = buildsDir(dataDir);
  const names = (await readdir(builds).catch(() => [] as string[])).filter((n) => !n.endsWith('.work')).sort();
  const served = await readlinkSafe(siteDir(dataDir));
  const servedIndex = served ? names.indexOf(served) : -1;
  const keep = new Set(servedIndex >= 0 ? [names[servedIndex], names[servedIndex - 1]].filter(Boolean) : []);
  // An incremental build's `apps` is a symlink `../<full build>/apps`.
  for (const n of [...keep]) {
    const owner = (await readlink(join(builds, n, 'apps')).catch(() => null))?.split('/').at(-2);
    if (owner) keep.add(owner);
  }
  // Builds newer than the served one are in progress elsewhere: leave them.
  const old = names.filter((n, i) => !keep.has(n) && (servedIndex < 0 || i < servedIndex));
  await Promise.all(old.map((n) => rm(join(builds, n), { recursive: true, force: true })));
}

async function readlinkSafe(path: string): Promise<string | null> {
  const target = await readlink(path).catch(() => null);
  return target ? target.split('/').pop() ?? null : null;
}
