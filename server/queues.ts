// The server's side of BullMQ: it produces build and run jobs. Finished jobs are kept a
// while so a restarted server can still read their outcome (see outcomes.ts).
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BuildPayload, BuildResult, RunPayload, RunResult } from '../schemas/index.js';
import type { QueueConfig } from '../common/config.js';
import { BUILD_QUEUE, runQueueName, runsChannel, buildJobId, runJobId } from '../common/queues.js';

const KEEP = { age: 30 * 24 * 3600, count: 100_000 };
/** Past this many waiting jobs, a position is reported as "more than". */
const POSITION_SCAN = 1000;

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

  async enqueueRun(payload: RunPayload): Promise<void> {
    await this.run(payload.queue).add('run', payload, { jobId: runJobId(payload.jobId), attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
    // Only a hint: a runner that misses it finds the job at its next poll.
    await this.connection.publish(runsChannel(this.prefix), payload.queue).catch(() => undefined);
  }

  async getRunJob(queue: string, jobId: number): Promise<Job<RunPayload, RunResult> | undefined> {
    return this.runs.get(queue)?.getJob(runJobId(jobId));
  }

  /** 1 for the next job to start; null when not waiting. */
  async position(queue: string, jobId: number): Promise<{ position: number | null; more: boolean }> {
    if (!this.runs.has(queue)) return { position: null, more: false };
    const ids = (await this.run(queue).getWaiting(0, POSITION_SCAN - 1)).map((j) => j?.id).reverse();
    const i = ids.indexOf(runJobId(jobId));
    return i >= 0 ? { position: i + 1, more: false } : { position: null, more: ids.length >= POSITION_SCAN };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.build.close(), ...[...this.runs.values()].map((q) => q.close())]);
  }
}
