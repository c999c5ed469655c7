// The one contract a runner backend keeps: run this payload in its box, report this result.
// Docker (docker.ts: a container on this host's engine) and Slurm (slurm/: a batch job on a
// cluster, its container started by an HPC runtime on a node) implement it; run-job.ts and
// pool.ts (claim, staging, takeover, commit) never know which one runs a job.
import type { RunPayload, RunResult } from '../../schemas/index.js';
import type { RunHooks, RunOptions } from '../run-container.js';

/** A job's run as its backend knows it (a container, a Slurm job), found by the job's id. */
export interface FoundRun {
  /** The folder it has as /job: where a runner re-attaching finds its files. */
  workdir: string | null;
  /** Ended by its engine's own death rather than by its program (the job is lost with its host). */
  endedByEngine: boolean;
  /** With endedByEngine, what was lost, for the job's log and message (default: its host's Docker engine). */
  lostWith?: string;
}

/**
 * Thrown by `run` when the job's host was lost under it (a Slurm node's NODE_FAIL) and the
 * queue allows another attempt: the job goes back in line with its progress, and the runner
 * that takes it finds the run ended by its host (`find`: endedByEngine) and starts it again.
 */
export class HostLostError extends Error {
  override name = 'HostLostError';
}

/** A run of this installation's, as a restarted runner lists them. */
export interface ListedRun {
  jobId: number;
  queue: string | null;
  attempt: number;
  workdir: string | null;
}

export interface RunnerBackend {
  /** What its jobs run on (a Docker engine's id, a Slurm cluster): runners on the same one re-attach to them. */
  engine(): Promise<string>;
  /** Whether it answers now; while it does not, the runner takes no job. */
  answers(): Promise<boolean>;
  find(jobId: number): Promise<FoundRun | null>;
  /** Runs (or, when `find` found it, re-attaches to) the job; 'detached' once another runner owns it. */
  run(p: RunPayload, workdir: string, attempt: number, opts: RunOptions, hooks: RunHooks): Promise<RunResult | 'detached'>;
  /** Forgets the job's run (its container, its Slurm job): called once its outcome is recorded. */
  remove(jobId: number): Promise<void>;
  list(): Promise<ListedRun[]>;
}
