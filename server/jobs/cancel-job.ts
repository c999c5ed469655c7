// Cancelling a job, in order: a job still in line is taken out of its queue and ends aborted
// at once; any other (a runner has it, or is taking it right now) is asked to stop through the
// cancel protocol (common/cancel-requests.ts) and is `aborting` until its runner reports.
// Cancelling never deletes anything: a job that finished meanwhile keeps its result and files.
// Deleting is for finished jobs' files; asked of an unfinished job, it cancels it.
import type { Redis } from 'ioredis';
import type { Config } from '../../common/config.js';
import { requestCancel } from '../../common/cancel-requests.js';
import { isFinishedJob, QUEUED_JOB_STATES } from '../../common/states.js';
import type { JobCancelled } from '../../schemas/index.js';
import { ConflictError } from '../errors.js';
import type { Job, Store } from '../store/index.js';
import type { Datastore } from '../datastore.js';
import type { Queues } from '../queues.js';
import type { ServerEvents } from '../events.js';

export interface CancelDeps {
  config: Readonly<Pick<Config, 'redisPrefix'>>;
  store: Store;
  datastore: Datastore;
  queues: Queues;
  redis: Redis;
  events: ServerEvents;
}

/** BullMQ states of a run no runner holds; 'missing': the run is not in its queue at all. */
const IN_LINE = new Set(['waiting', 'prioritized', 'delayed', 'missing']);

export async function cancelJob(deps: CancelDeps, job: Job): Promise<JobCancelled> {
  if (isFinishedJob(job.state)) throw new ConflictError(`job ${job.id} has already finished (${job.result ?? job.state}): there is nothing to cancel`);
  if (QUEUED_JOB_STATES.has(job.state) && (await takeOutOfLine(deps.queues, job))) {
    deps.store.jobs.finish(job.id, { result: 'aborted', exitCode: null, message: 'cancelled before it started' });
    deps.events.emit('job', job.id);
    return { id: job.id, status: 'done', result: 'aborted' };
  }
  await requestCancel(deps.redis, deps.config.redisPrefix, job.id);
  deps.store.jobs.markAborting(job.id);
  deps.events.emit('job', job.id);
  return { id: job.id, status: 'aborting' };
}

export async function deleteJob(deps: CancelDeps, job: Job): Promise<JobCancelled> {
  if (!isFinishedJob(job.state)) return cancelJob(deps, job);
  deps.store.jobs.markDeleted(job.id);
  await deps.datastore.discardJob(job.id);
  deps.events.emit('job', job.id);
  return { id: job.id, status: 'deleted' };
}

/**
 * Removes the run from its queue if no runner has it. remove() also refuses a run a runner
 * locked meanwhile: false, and that one is cancelled as running.
 */
async function takeOutOfLine(queues: Queues, job: Job): Promise<boolean> {
  const queued = await queues.getRunJob(job.queue, job.id);
  const state = queued ? await queued.getState() : 'missing';
  if (!IN_LINE.has(state)) return false;
  return queued ? queued.remove().then(() => true, () => false) : true;
}
