// What the site's pages are built from: the files of site/ and of what it may import, and the
// Astro version building them. Its digest is recorded with each build: when it changes, a
// template changed, and every page is rebuilt.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The folders the site's pages are built from: site/ and what it may import. */
const SITE_SOURCES = ['site', 'client/browser', 'common', 'schemas'];

/** Under site/: the folder each build runs in (see build-site.ts). */
export const BUILDS_CWD = '.builds';

/** Folders of build output and caches, which change while builds run: never walked. */
const NOT_SOURCES = new Set(['node_modules', 'dist', '.astro', BUILDS_CWD]);

const digests = new Map<string, Promise<string>>();

/** The digest of the site's sources under the package `root` (read once per process and root). */
export function sourceDigest(root: string): Promise<string> {
  let digest = digests.get(root);
  if (!digest) {
    digest = readDigest(root);
    digests.set(root, digest);
  }
  return digest;
}

async function readDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(join(root, 'node_modules', 'astro', 'package.json')));
  const files = (await Promise.all(SITE_SOURCES.map((dir) => sourceFiles(join(root, dir))))).flat().sort();
  for (const f of files) hash.update(f.slice(root.length)).update(await readFile(f));
  return hash.digest('hex');
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? (NOT_SOURCES.has(e.name) ? [] : sourceFiles(join(dir, e.name))) : e.isFile() ? [join(dir, e.name)] : [])),
  );
  return nested.flat();
}
