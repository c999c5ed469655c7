// One catalog rebuild: export the store → `astro build` in a child process into a fresh
// folder → precompress → swap it in. <data dir>/site is a symlink to the build being served;
// the swap renames a new symlink over it, which is atomic, so a reader sees the old site or
// the new one, never a half-written one.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../common/config.js';
import type { Store } from '../store/index.js';
import { packageRoot } from '../../schemas/index.js';
import { exportCatalog } from './export.js';
import { precompress } from './precompress.js';

const BUILD_TIME_LIMIT_MS = 10 * 60_000;
const OUTPUT_TAIL = 16 * 1024;
/** In each build: what it was built from. A dotfile, so it is never served. */
const DIGEST_FILE = '.build-digest';
/** Under site/: the folder each build runs in (see runAstro). */
const BUILDS_CWD = '.builds';

/**
 * A build that ran but made no site.
 * @public for callers' instanceof, as other error classes
 */
export class SiteBuildError extends Error {
  override name = 'SiteBuildError';
}

export interface SiteBuildDeps {
  store: Store;
  config: Readonly<Pick<Config, 'dataDir' | 'publicUrl' | 'queues' | 'defaultQueue'>>;
  log: Logger;
}

export interface SiteBuildResult {
  /** The folder now served as <data dir>/site. */
  dir: string;
  apps: number;
  ms: number;
  /** True when the served site was already built from the same catalog and site sources. */
  unchanged: boolean;
}

/** Where the served site is: a symlink to the current build. */
export const siteDir = (dataDir: string): string => join(dataDir, 'site');
const buildsDir = (dataDir: string): string => join(dataDir, 'site-builds');

export async function buildSite(deps: SiteBuildDeps, opts: { signal?: AbortSignal; force?: boolean } = {}): Promise<SiteBuildResult> {
  const started = Date.now();
  const { dataDir } = deps.config;
  const doc = exportCatalog(deps.store, deps.config);
  // A change that shows nowhere (a private app's build, a restart) costs no rebuild.
  const digest = createHash('sha256').update(JSON.stringify({ ...doc, generated_at: null })).update(await sourceDigest()).digest('hex');
  const served = await readFile(join(siteDir(dataDir), DIGEST_FILE), 'utf8').catch(() => null);
  if (!opts.force && served === digest) return { dir: siteDir(dataDir), apps: doc.apps.length, ms: Date.now() - started, unchanged: true };
  const id = `${new Date().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
  const builds = buildsDir(dataDir);
  const out = join(builds, id);
  const work = join(builds, `${id}.work`);
  await mkdir(work, { recursive: true });
  try {
    const data = join(work, 'catalog.json');
    await writeFile(data, JSON.stringify(doc));
    await runAstro({ data, out, cache: join(work, 'cache') }, id, opts.signal);
    // Astro's empty content-layer modules are build leftovers, not pages.
    await Promise.all(['content-assets.mjs', 'content-modules.mjs'].map((f) => rm(join(out, f), { force: true })));
    if (!(await stat(join(out, 'index.html')).catch(() => null))) throw new SiteBuildError('astro build finished without writing index.html');
    await precompress(out);
    await writeFile(join(out, DIGEST_FILE), digest);
    await swapIn(dataDir, id);
    const ms = Date.now() - started;
    deps.log.info({ build: id, apps: doc.apps.length, ms }, 'site rebuilt');
    return { dir: out, apps: doc.apps.length, ms, unchanged: false };
  } catch (err) {
    await rm(out, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
    await pruneBuilds(dataDir).catch((err) => deps.log.warn({ err }, 'could not remove old site builds'));
  }
}

/**
 * `astro build` of site/ into `paths.out`. When the output is outside its current directory,
 * Astro writes the server half of the build to <cwd>/.astro/: each build runs in a folder of
 * its own under site/.builds/ (inside the package, so those modules find node_modules), where
 * builds run from site/ itself overwrote each other's.
 */
async function runAstro(paths: { data: string; out: string; cache: string }, id: string, signal?: AbortSignal): Promise<void> {
  const root = packageRoot();
  const siteRoot = join(root, 'site');
  const cwd = join(siteRoot, BUILDS_CWD, id);
  await mkdir(cwd, { recursive: true });
  try {
    await astroBuild(root, siteRoot, cwd, paths, signal);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

function astroBuild(root: string, siteRoot: string, cwd: string, paths: { data: string; out: string; cache: string }, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'astro', 'astro.js'), 'build', '--root', siteRoot, '--silent'], {
      cwd,
      env: {
        ...process.env,
        ASTRO_TELEMETRY_DISABLED: '1',
        NODE_ENV: 'production',
        ALLGO_SITE_DATA: paths.data,
        ALLGO_SITE_OUT: paths.out,
        ALLGO_SITE_CACHE: paths.cache,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
      timeout: BUILD_TIME_LIMIT_MS,
      killSignal: 'SIGKILL',
    });
    let tail = '';
    const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(err.name === 'AbortError' ? err : new SiteBuildError(`could not run astro: ${err.message}`)));
    child.on('close', (code, sig) => {
      if (code === 0) resolve();
      else reject(new SiteBuildError(`astro build ${sig ? `was killed (${sig})` : `exited with ${code}`}:\n${tail.trim()}`));
    });
  });
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

/** Keeps the served build and the one before it (pages already open may still load its assets). */
async function pruneBuilds(dataDir: string): Promise<void> {
  const builds = buildsDir(dataDir);
  const names = (await readdir(builds).catch(() => [] as string[])).filter((n) => !n.endsWith('.work')).sort();
  const served = await readlinkSafe(siteDir(dataDir));
  const servedIndex = served ? names.indexOf(served) : -1;
  const keep = new Set(servedIndex >= 0 ? [names[servedIndex], names[servedIndex - 1]] : []);
  // Builds newer than the served one are in progress elsewhere: leave them.
  const old = names.filter((n, i) => !keep.has(n) && (servedIndex < 0 || i < servedIndex));
  await Promise.all(old.map((n) => rm(join(builds, n), { recursive: true, force: true })));
}

async function readlinkSafe(path: string): Promise<string | null> {
  const target = await readlink(path).catch(() => null);
  return target ? target.split('/').pop() ?? null : null;
}

let sources: Promise<string> | null = null;

/** The folders the site's pages are built from: site/ and what it may import. */
const SITE_SOURCES = ['site', 'client/browser', 'common', 'schemas'];

/** What the site's own code is: the files of SITE_SOURCES and the Astro version building them. */
function sourceDigest(): Promise<string> {
  sources ??= (async () => {
    const root = packageRoot();
    const hash = createHash('sha256');
    hash.update(await readFile(join(root, 'node_modules', 'astro', 'package.json')));
    const files = (await Promise.all(SITE_SOURCES.map((dir) => sourceFiles(join(root, dir))))).flat().sort();
    for (const f of files) hash.update(f.slice(root.length)).update(await readFile(f));
    return hash.digest('hex');
  })();
  return sources;
}

/** Folders of build output and caches, which change while builds run: never walked. */
const NOT_SOURCES = new Set(['node_modules', 'dist', '.astro', BUILDS_CWD]);

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? (NOT_SOURCES.has(e.name) ? [] : sourceFiles(join(dir, e.name))) : e.isFile() ? [join(dir, e.name)] : [])),
  );
  return nested.flat();
}
