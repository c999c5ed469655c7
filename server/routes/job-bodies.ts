// What the jobs API says about a job, built from the store's record; the shapes are
// schemas/api.schema.json's (JobSummary, JobStatus).
import type { JobStatus, JobSummary } from '../../schemas/index.js';
import type { Job } from '../store/index.js';
import { jobUrl } from './context.js';
import { LOG_FILE } from '../../common/files.js';
import type { LinkBase } from '../plugins/public-url.js';

type Urls = LinkBase;

/** A download link: the job's download key in it (server/download-keys.ts) is the capability, so it needs no token. */
const fileUrl = (config: Urls, job: Job, key: string, name: string): string => `${config.publicUrl}/datastore/${job.id}/${key}/${encodeURIComponent(name)}`;

/** An output the job wrote over an input keeps its input's name: it is listed as the input. */
const fileKind = (job: Job, name: string): 'input' | 'output' | 'log' => (name === LOG_FILE ? 'log' : job.inputs.includes(name) ? 'input' : 'output');

/** Every file of the job as one zip, with the same capability as the download links. */
const zipUrl = (config: Urls, job: Job, key: string): string => `${config.publicUrl}/api/v1/jobs/${job.id}/files.zip?key=${key}`;

export function jobSummary(config: Urls, j: Job): JobSummary {
  return {
    id: j.id,
    app: j.appName,
    version: j.versionLabel,
    param: j.param,
    queue: j.queue,
    state: j.state,
    result: j.result,
    exit_code: j.exitCode,
    message: j.message,
    created_at: j.createdAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
    url: jobUrl(config, j.id),
  };
}

/** A||GO's two keys first, exactly (see job-status-serializer.ts); the rest are additions old clients ignore. */
export function jobStatus(config: Urls, job: Job, key: string, files: { name: string; size: number }[], waiting: { position: number | null } | null): JobStatus {
  const urls: Record<string, string> = {};
  for (const f of files) urls[f.name] = fileUrl(config, job, key, f.name);
  return {
    [job.id]: urls,
    status: job.state,
    ...jobSummary(config, job),
    ...(waiting ? { queue_position: waiting.position } : {}),
    files: files.map((f) => ({ name: f.name, size: f.size, url: fileUrl(config, job, key, f.name), kind: fileKind(job, f.name) })),
    zip_url: zipUrl(config, job, key),
  };
}
