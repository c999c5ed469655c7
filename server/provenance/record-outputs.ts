// At a job's commit, before it is `done`: the SHA-256 of every file it left, and, for a re-run
// on its original's version, which of them differ from the original's ("not reproduced").
import type { FileDigest } from '../../schemas/index.js';
import { LOG_FILE } from '../../common/files.js';
import type { Job, Store } from '../store/index.js';
import type { Datastore } from '../datastore.js';
import { differingFiles, digestFiles } from './file-digests.js';

/** A job's outputs without its log: what a re-run must reproduce. */
export const withoutLog = (files: readonly FileDigest[]): FileDigest[] => files.filter((f) => f.name !== LOG_FILE);

/** `names`: the files its runner uploaded (outputs, inputs it rewrote, and the log). */
export async function recordOutputs(store: Store, datastore: Datastore, job: Job, names: readonly string[]): Promise<void> {
  // The log last, so a crate and a comparison find the outputs first.
  const ordered = [...names.filter((n) => n !== LOG_FILE).sort(), ...names.filter((n) => n === LOG_FILE)];
  const files = await digestFiles(datastore.jobDir(job.id), ordered);
  store.jobs.setOutputs(job.id, files, notReproduced(store, job, files));
}

function notReproduced(store: Store, job: Job, files: FileDigest[]): string[] | null {
  if (job.rerunOf === null) return null;
  const original = store.jobs.byId(job.rerunOf);
  if (!original?.outputFiles || original.versionId !== job.versionId) return null;
  const differ = differingFiles(withoutLog(original.outputFiles), withoutLog(files));
  return differ.length ? differ : null;
}
