// The server's side of BullMQ: it produces build and run jobs. Finished jobs are kept a
// while so a restarted server can still read their outcome (see outcomes.ts).
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BuildPayload, BuildResult, RunPayload, RunResult } from '../schemas/index.js';
import type { QueueConfig } from '../common/config.js';
import { BUILD_QUEUE, runQueueName, runsChannel, buildJobId, runJobId, runJobNumber } from '../common/queues.js';

const KEEP = { age: 30 * 24 * 3600, count: 100_000 };
/** BullMQ's highest priority number (its lowest priority). */
const PRIORITY_LIMIT = 2 ** 21 - 1;
/** BullMQ scores a prioritized job priority × 2³² + a counter, so ties keep arrival order. */
const PRIORITY_SCORE = 2 ** 32;

export class Queues {
  readonly build: Queue<BuildPayload, BuildResult>;
  private readonly runs = new Map<string, Queue<RunPayload, RunResult>>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly queues: readonly QueueConfig[],
  ) {
    this.build = new Queue(BUILD_QUEUE, { connection, prefix });
    for (const q of queues) this.runs.set(q.name, new Queue(runQueueName(q.name), { connection, prefix }));
  }

  /** Applies each queue's cap on concurrent jobs, which BullMQ enforces over all runners. */
  async applyConcurrency(): Promise<void> {
    for (const q of this.queues) {
      const queue = this.run(q.name);
      if (q.concurrency) await queue.setGlobalConcurrency(q.concurrency);
      else await queue.removeGlobalConcurrency();
    }
  }

  has(queue: string): boolean {
    return this.runs.has(queue);
  }

  run(queue: string): Queue<RunPayload, RunResult> {
    const q = this.runs.get(queue);
    if (!q) throw new Error(`no queue "${queue}"`);
    return q;
  }

  async enqueueBuild(payload: BuildPayload): Promise<void> {
    await this.build.add('build', payload, { jobId: buildJobId(payload.versionId), attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
  }

  /**
   * Queues a run behind the user's `ahead` jobs already waiting in its queue. Fair shares: the
   * job's priority is the head's (the next job to start) plus `ahead`, so each user's first
   * waiting job ties with the head, their second with the one after, and so on; BullMQ runs
   * lowest priority first and ties in arrival order. Users take turns, one job each, and a
   * user's 500 waiting jobs put a newcomer's first job behind at most one of theirs.
   */
  async enqueueRun(payload: RunPayload, ahead: number): Promise<void> {
    const queue = this.run(payload.queue);
    const priority = Math.min(PRIORITY_LIMIT, (await this.headPriority(queue)) + ahead);
    await queue.add('run', payload, { jobId: runJobId(payload.jobId), priority, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
    // Only a hint: a runner that misses it finds the job at its next poll.
    await this.connection.publish(runsChannel(this.prefix), payload.queue).catch(() => undefined);
  }

  /** The priority of the next job to start; 1 when none waits (a drained queue starts afresh). */
  private async headPriority(queue: Queue<RunPayload, RunResult>): Promise<number> {
    const [, score] = await this.connection.zrange(queue.keys.prioritized, 0, 0, 'WITHSCORES');
    return score === undefined ? 1 : Math.max(1, Math.floor(Number(score) / PRIORITY_SCORE));
  }

  async getRunJob(queue: string, jobId: number): Promise<Job<RunPayload, RunResult> | undefined> {
    return this.runs.get(queue)?.getJob(runJobId(jobId));
  }

  /**
   * 1 for the next job to start; null when not waiting. BullMQ takes from the right end of its
   * wait list (jobs without priority) before its prioritized set (lowest score first), so a
   * job's place is counted from those two keys, in O(log n) and without reading any job.
   */
  async position(queue: string, jobId: number): Promise<number | null> {
    const q = this.runs.get(queue);
    if (!q) return null;
    const id = runJobId(jobId);
    const [[, plain], [, rank], [, at]] = (await this.connection.multi().llen(q.keys.wait).zrank(q.keys.prioritized, id).lpos(q.keys.wait, id).exec()) as [unknown, number | null][];
    if (rank !== null) return (plain ?? 0) + rank + 1;
    return at !== null ? (plain ?? 0) - at : null;
  }

  /**
   * Runs of `queue` a runner holds now, or that ended since `sinceMs` (BullMQ scores its
   * finished sets by the time they ended): what can have changed lately, found without
   * reading the jobs still waiting, however many there are.
   */
  async recentlyMoved(queue: string, sinceMs: number): Promise<number[]> {
    const q = this.runs.get(queue);
    if (!q) return [];
    const replies = (await this.connection.multi().lrange(q.keys.active, 0, -1).zrangebyscore(q.keys.completed, sinceMs, '+inf').zrangebyscore(q.keys.failed, sinceMs, '+inf').exec()) as [Error | null, string[]][];
    const ids = new Set<number>();
    for (const [err, list] of replies) {
      if (err) throw err;
      for (const id of list.map(runJobNumber)) if (id !== null) ids.add(id);
    }
    return [...ids];
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.build.close(), ...[...this.runs.values()].map((q) => q.close())]);
  }
}
