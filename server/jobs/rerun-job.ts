// POST /api/v1/jobs/N/rerun as a request reader for submitJob: the job's app, version,
// queue, parameters and inputs again, each input copied into the new job's staging folder
// (a reflink where the file system has them) and checked against the SHA-256 recorded when it
// was uploaded. A re-run always runs: it is how a result is checked, never served from the cache.
import { copyFile, constants } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRerun } from '../../schemas/index.js';
import type { Job, Store } from '../store/index.js';
import type { Datastore } from '../datastore.js';
import { BadRequestError, GoneError, RerunError } from '../errors.js';
import { digestFile } from '../provenance/file-digests.js';
import type { JobRequest, RequestReader } from './submit-job.js';

export function rerunReader(deps: { store: Store; datastore: Datastore }, job: Job, options: unknown): RequestReader {
  const opts = rerunOptions(options);
  return async (staging) => {
    if (job.state === 'archived') throw new GoneError(`the files of job ${job.id} have expired: its inputs are gone, submit it again`);
    if (!job.inputFiles) throw new RerunError('rerun_not_recorded', `job ${job.id} is from before allgo recorded its inputs' hashes: submit it again`);
    const parameters = deps.store.versions.byId(job.versionId)?.manifest.parameters ?? [];
    const secret = parameters.find((p) => p.secret && job.params?.[p.id] !== undefined);
    if (secret) throw new RerunError('rerun_secret', `job ${job.id} has a secret value (${secret.id}), which allgo keeps nowhere: submit it again with it`);
    let bytes = 0;
    for (const f of job.inputFiles) {
      const to = join(staging, f.name);
      // A file the job removed is said so below; any other failure (a full disk) is the server's, and says its cause.
      await copyFile(join(deps.datastore.jobDir(job.id), f.name), to, constants.COPYFILE_FICLONE).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      const now = await digestFile(to);
      if (now?.sha256 !== f.sha256) throw new RerunError('rerun_inputs_changed', `input ${JSON.stringify(f.name)} of job ${job.id} is no longer the file it was given (${now ? 'the job rewrote it' : 'the job removed it'}): submit it again`);
      bytes += now.size;
    }
    const files = new Set(parameters.filter((p) => p.type === 'file').map((p) => p.id));
    const params: Record<string, unknown> = {};
    const fileParams: Record<string, string[]> = {};
    for (const [id, value] of Object.entries(job.params ?? {})) {
      if (files.has(id)) fileParams[id] = Array.isArray(value) ? value.map(String) : [String(value)];
      else params[id] = value;
    }
    const request: JobRequest = {
      app: job.appName,
      version: opts.version ?? job.versionLabel,
      queue: opts.queue ?? job.queue,
      param: job.param,
      params,
      fileParams,
      inputBytes: bytes,
      inputs: [...job.inputs],
      noCache: true,
      rerunOf: job.id,
    };
    return request;
  };
}

function rerunOptions(body: unknown): JobRerun {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('send the re-run\'s options as a JSON object: {"version", "queue"}, both optional');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => k !== 'version' && k !== 'queue');
  if (unknown !== undefined) throw new BadRequestError(`unknown field ${JSON.stringify(unknown)}: a re-run takes version and queue`);
  for (const k of ['version', 'queue'] as const) if (b[k] !== undefined && (typeof b[k] !== 'string' || b[k] === '')) throw new BadRequestError(`${k} must be a non-empty string`);
  return b as JobRerun;
}
