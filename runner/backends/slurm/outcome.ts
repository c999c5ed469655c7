// How a Slurm job's end becomes allgo's result. What allgo itself decided (a cancel, its own
// time limit, the output limit: the verdict) comes first; then what the container reported
// (the status file the batch script writes once podman returns); then Slurm's state.
import type { RunPayload, RunResult } from '../../../schemas/index.js';
import { formatDuration } from '../../../common/duration.js';
import type { SlurmJob } from './commands.js';

export type Outcome = Pick<RunResult, 'result' | 'message' | 'exitCode'>;

/** What the batch script wrote once the container ended: its exit code, and whether memory ran out. */
export interface ContainerStatus {
  exitCode: number;
  oom: boolean;
}

export const timeLimitMessage = (p: Pick<RunPayload, 'timeLimitMs' | 'queue'>): string => `killed: time limit of ${formatDuration(p.timeLimitMs)} (queue ${p.queue}) exceeded`;
const outOfMemoryMessage = (p: Pick<RunPayload, 'memoryMb'>): string => `killed: out of memory (limit ${p.memoryMb} MB)`;

/**
 * What NODE_FAIL and BOOT_FAIL say: the job's node was lost, not its program at fault, as a
 * Docker job whose host was lost; null for any other state. Named after sacct's NodeList.
 */
export function nodeLost(job: Pick<SlurmJob, 'id' | 'state' | 'node'> | null): string | null {
  if (job?.state !== 'NODE_FAIL' && job?.state !== 'BOOT_FAIL') return null;
  return `Slurm node ${job.node ?? 'unknown'} failed during the job (${job.state}, Slurm job ${job.id})`;
}

export function slurmOutcome(
  p: Pick<RunPayload, 'timeLimitMs' | 'queue' | 'memoryMb'>,
  id: string,
  job: SlurmJob | null,
  status: ContainerStatus | null,
  verdict: Pick<RunResult, 'result' | 'message'> | null,
): Outcome {
  const exitCode = status?.exitCode ?? null;
  if (verdict) return { ...verdict, exitCode };
  const state = job?.state ?? null;
  if (state === 'TIMEOUT') return { result: 'timeout', exitCode, message: timeLimitMessage(p) };
  if (state === 'OUT_OF_MEMORY' || status?.oom) return { result: 'error', exitCode, message: outOfMemoryMessage(p) };
  const lost = nodeLost(job);
  if (lost) return { result: 'error', exitCode, message: lost };
  if (state === 'CANCELLED') return { result: 'error', exitCode, message: `cancelled by the cluster (Slurm job ${id})` };
  if (state === 'PREEMPTED' || state === 'DEADLINE' || state === 'REVOKED') return { result: 'error', exitCode, message: `ended by the cluster: ${state} (Slurm job ${id})` };
  if (status) {
    if (status.exitCode === 0) return { result: 'success', exitCode: 0, message: 'exited with code 0' };
    return { result: 'error', exitCode: status.exitCode, message: `exited with code ${status.exitCode}` };
  }
  // No word from the container: the batch script failed before it, or Slurm forgot the job.
  if (!job) return { result: 'error', exitCode: null, message: `Slurm no longer knows job ${id} and its container left no exit status: its outcome is unknown` };
  const how = job.signal ? `signal ${job.signal}` : `exit code ${job.exitCode ?? 'unknown'}`;
  return { result: 'error', exitCode: null, message: `the Slurm job ${id} ended ${state} (${how}) before its container reported an exit status` };
}
