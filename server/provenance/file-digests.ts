// SHA-256 and size of a job's files, for its provenance and the result cache: inputs as they
// arrive (submission, re-run), outputs once committed. Files are opened as openRegular does,
// so a link a job left is never followed.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FileDigest } from '../../schemas/index.js';
import { openRegular } from '../../common/open-regular.js';

/** Null when `path` is no regular file. */
export async function digestFile(path: string): Promise<{ size: number; sha256: string } | null> {
  const f = await openRegular(path);
  if (!f) return null;
  const hash = createHash('sha256');
  await pipeline(f.handle.createReadStream(), hash);
  return { size: f.size, sha256: hash.digest('hex') };
}

/** The named files of `dir`, in that order; one that is not there (or not a regular file) is left out. */
export async function digestFiles(dir: string, names: readonly string[]): Promise<FileDigest[]> {
  const out: FileDigest[] = [];
  for (const name of names) {
    const d = await digestFile(join(dir, name));
    if (d) out.push({ name, ...d });
  }
  return out;
}

/** Names whose hash differs between two records, or that only one has. */
export function differingFiles(a: readonly FileDigest[], b: readonly FileDigest[]): string[] {
  const byName = new Map(a.map((f) => [f.name, f.sha256]));
  const differ = new Set<string>();
  for (const f of b) {
    if (byName.get(f.name) !== f.sha256) differ.add(f.name);
    byName.delete(f.name);
  }
  for (const name of byName.keys()) differ.add(name);
  return [...differ].sort();
}
