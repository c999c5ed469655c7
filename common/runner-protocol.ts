// What a runner (or builder) on another host and the server agree on: the routes of the
// runner protocol, its headers, and the runner tokens' form. The bodies are the $defs of
// schemas/runner-api.schema.json.
//   hello (token checked, settings fetched) → heartbeats in Redis → per job: claim an attempt
//   (inputs + a grant) → download inputs → run → ask an upload grant → PUT each output → commit.
import { createHmac } from 'node:crypto';

/** Runner tokens carry their own prefix: recognisable, and never mistaken for a user's. */
export const RUNNER_TOKEN_PREFIX = 'allgo_runner_';
/** Staged files move in 1 MiB chunks on both sides: with the 64 KiB default, 20 MB took twice as long. */
export const STAGING_CHUNK_BYTES = 1024 * 1024;
/** The name of the runner token a server derives for the roles on its own host. */
export const LOCAL_RUNNER_NAME = 'local';

/**
 * The token of roles on the server's own host (`allgo up`, or `allgo runner` beside the
 * server with no ALLGO_RUNNER_TOKEN): derived from the data dir's secret, which only that
 * host can read.
 */
export const localRunnerToken = (secret: string): string =>
  RUNNER_TOKEN_PREFIX + createHmac('sha256', secret).update('allgo local runner token').digest('base64url');

const job = (jobId: number, attempt: number) => `/internal/runner/jobs/${jobId}/attempts/${attempt}`;

export const RUNNER_ROUTES = {
  hello: '/internal/runner/hello',
  claim: (jobId: number, attempt: number) => `${job(jobId, attempt)}/claim`,
  input: (jobId: number, attempt: number, name: string) => `${job(jobId, attempt)}/inputs/${encodeURIComponent(name)}`,
  uploads: (jobId: number, attempt: number) => `${job(jobId, attempt)}/uploads`,
  output: (jobId: number, attempt: number, name: string) => `${job(jobId, attempt)}/outputs/${encodeURIComponent(name)}`,
  commit: (jobId: number, attempt: number) => `${job(jobId, attempt)}/commit`,
} as const;

/** Staging grants are for one job's attempt and one use. */
export type StagingUse = 'inputs' | 'outputs';

/** Stable codes of the protocol's refusals, which the runner acts on. */
export const RUNNER_CODES = {
  /** The attempt is not the job's current one: another runner took it over; step back. */
  staleAttempt: 'stale_attempt',
  /** The job has ended (cancelled, committed, deleted): nothing to run or upload. */
  jobFinished: 'job_finished',
} as const;
