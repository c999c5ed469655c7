// Follows a job to its end: live over Server-Sent Events, or, where the event stream is not
// available (an A||GO server, a proxy that buffers), by polling the job and its log.
import { ApiError } from './browser/errors.js';
import type { AllgoClient } from './api.js';
import type { JobProgressEvent, JobStatus, JobStateEvent } from './browser/types.js';
import { isFinishedJob, QUEUED_JOB_STATES } from '../common/states.js';

export interface FollowOptions {
  /** Log text as the job prints it, each piece once. */
  onLog?: (text: string) => void;
  /** Each change of state or result. */
  onState?: (state: JobStateEvent) => void;
  /** Each progress the job's program reports (##allgo progress lines, .allgo-progress). */
  onProgress?: (progress: JobProgressEvent) => void;
  signal?: AbortSignal;
  /** How often to poll when polling (default 1000 ms). */
  pollMs?: number;
}

/** Resolves to the finished job, with its files. */
export async function followJob(client: AllgoClient, id: number, opts: FollowOptions = {}): Promise<JobStatus> {
  const seen = { log: 0, state: '' };
  const state = (s: JobStateEvent) => {
    const key = `${s.status}/${s.result}`;
    if (key === seen.state) return;
    seen.state = key;
    opts.onState?.(s);
  };
  try {
    for await (const e of client.events(id, { signal: opts.signal })) {
      if (e.type === 'log') {
        seen.log += e.text.length;
        opts.onLog?.(e.text);
      } else if (e.type === 'state') state(e.state);
      else if (e.type === 'progress') opts.onProgress?.(e.progress);
    }
    // The stream ended with the job; the poll below only reads its final record.
    return await poll(client, id, { ...opts, onLog: undefined }, seen, state);
  } catch (err) {
    if (opts.signal?.aborted || (err instanceof ApiError && (err.status === 401 || err.status === 403))) throw err;
    return poll(client, id, opts, seen, state);
  }
}

async function poll(client: AllgoClient, id: number, opts: FollowOptions, seen: { log: number }, state: (s: JobStateEvent) => void): Promise<JobStatus> {
  for (;;) {
    const job = await client.job(id);
    state({ status: job.state, result: job.result, exit_code: job.exit_code, message: job.message, started_at: job.started_at, finished_at: job.finished_at });
    if (opts.onLog && !QUEUED_JOB_STATES.has(job.state)) {
      const text = await client.log(id).catch(() => '');
      if (text.length > seen.log) {
        opts.onLog(text.slice(seen.log));
        seen.log = text.length;
      }
    }
    if (isFinishedJob(job.state)) return job;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
    opts.signal?.throwIfAborted();
  }
}
