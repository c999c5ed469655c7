// What the jobs API says about a job, built from the store's record; the shapes are
// schemas/api.schema.json's (JobSummary, JobStatus).
import type { JobProgress, JobStartEstimate, JobStatus, JobSummary } from '../../schemas/index.js';
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
    params: j.params,
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

/** Most files a job's answer names; past it, files_total says how many there are, and the zip has all. */
export const LISTED_FILES = 1000;

/**
 * The files a job's answer names: its log and inputs first, then its outputs by name, at most
 * LISTED_FILES in all. A job's thousands of small files never make every poll of it heavy.
 */
function listedFiles<F extends { name: string }>(job: Job, files: F[]): F[] {
  if (files.length <= LISTED_FILES) return files;
  const rank = (f: F) => (fileKind(job, f.name) === 'output' ? 1 : 0);
  return [...files].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, LISTED_FILES);
}

/** A||GO's two keys first, exactly (see job-status-serializer.ts); the rest are additions old clients ignore. */
export function jobStatus(config: Urls, job: Job, key: string, all: { name: string; size: number }[], waiting: { position: number | null; estimate?: JobStartEstimate } | null, progress: JobProgress | null = null): JobStatus {
  const files = listedFiles(job, all);
  const urls: Record<string, string> = {};
  for (const f of files) urls[f.name] = fileUrl(config, job, key, f.name);
  return {
    [job.id]: urls,
    status: job.state,
    ...jobSummary(config, job),
    ...(waiting ? { queue_position: waiting.position } : {}),
    ...(waiting?.estimate ? { estimated_start: waiting.estimate } : {}),
    progress,
    files: files.map((f) => ({ name: f.name, size: f.size, url: fileUrl(config, job, key, f.name), kind: fileKind(job, f.name) })),
    ...(files.length < all.length ? { files_total: all.length } : {}),
    zip_url: zipUrl(config, job, key),
    provenance_url: `${config.publicUrl}/api/v1/jobs/${job.id}/provenance?key=${key}`,
    crate_url: `${config.publicUrl}/api/v1/jobs/${job.id}/crate.zip?key=${key}`,
    ...(job.cachedFrom !== null ? { cached_from: job.cachedFrom } : {}),
    ...(job.rerunOf !== null ? { rerun_of: job.rerunOf } : {}),
    ...(job.notReproduced ? { not_reproduced: job.notReproduced } : {}),
  };
}
