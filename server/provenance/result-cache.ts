// The result cache (allgo.yaml `cache: true`): a job whose image, argv, parameter values and
// input files are those of an earlier successful job is served that job's result at once.
//   key (submission) → the newest such job the user may be served (theirs, or of a public
//   app; never an archived one: only `done` jobs match) → its outputs hard-linked into the new
//   job's staging folder, and a log saying so → the job is recorded done, no container runs.
// Anything amiss on the way (a source's file gone under retention) leaves a real run instead.
import { createHash } from 'node:crypto';
import { link, lstat, rm, writeFile, readFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileDigest } from '../../schemas/index.js';
import { LOG_FILE } from '../../common/files.js';
import type { Job, Store, Version } from '../store/index.js';
import type { Datastore } from '../datastore.js';
import { withoutLog } from './record-outputs.js';

/** The image by content: its registry digest, else its id in the engine, else its tag. */
export const imageDigestOf = (v: Version): string => v.imageDigest ?? v.imageId ?? v.image;

export function cacheKeyOf(v: Version, argv: readonly string[], params: unknown, inputs: readonly FileDigest[]): string {
  const files = [...inputs].sort((a, b) => (a.name < b.name ? -1 : 1)).map((f) => [f.name, f.sha256]);
  return createHash('sha256').update(JSON.stringify({ image: imageDigestOf(v), argv, params, files })).digest('hex');
}

/** The job whose result the new one may be served, or null. */
export function findCachedSource(store: Store, key: string, userId: number, inputs: readonly string[]): Job | null {
  const source = store.jobs.cachedResult(key, userId);
  // An output written over an input would replace the new job's upload: such a job runs.
  if (!source?.outputFiles || source.outputFiles.some((f) => inputs.includes(f.name))) return null;
  return source;
}

/**
 * Puts `source`'s outputs and a log into `staging`; false (and nothing left behind) when a file
 * is no longer what its record says. Hard links: a done job's files never change again.
 */
export async function stageCachedResult(datastore: Datastore, source: Job, staging: string): Promise<{ outputFiles: FileDigest[]; bytes: number } | null> {
  const outputs = withoutLog(source.outputFiles ?? []);
  const from = datastore.jobDir(source.id);
  const made: string[] = [];
  try {
    for (const f of outputs) {
      const to = join(staging, f.name);
      await link(join(from, f.name), to).catch(() => copyFile(join(from, f.name), to));
      made.push(to);
      // The hash was checked when it was recorded; a size that moved means the file was replaced.
      const s = await lstat(to);
      if (!s.isFile() || s.size !== f.size) return (await undo(made), null);
    }
    const earlier = await readFile(join(from, LOG_FILE)).catch(() => Buffer.alloc(0));
    const log = Buffer.concat([Buffer.from(`[allgo] served from the result cache: job ${source.id} ran the same image with the same argv, parameters and inputs; no container ran. Its log:\n`), earlier]);
    const logPath = join(staging, LOG_FILE);
    await writeFile(logPath, log);
    made.push(logPath);
    const logDigest = { name: LOG_FILE, size: log.length, sha256: createHash('sha256').update(log).digest('hex') };
    return { outputFiles: [...outputs, logDigest], bytes: outputs.reduce((n, f) => n + f.size, log.length) };
  } catch {
    await undo(made);
    return null;
  }
}

async function undo(paths: string[]): Promise<void> {
  for (const p of paths) await rm(p, { force: true });
}
