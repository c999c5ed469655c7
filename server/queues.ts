// The server's side of BullMQ: it produces build and run jobs. Finished jobs are kept a
// while so a restarted server can still read their outcome (see outcomes.ts).
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BuildPayload, BuildResult, RunPayload, RunResult } from '../schemas/index.js';
import { BUILD_QUEUE, RUN_QUEUE, buildJobId, runJobId } from '../common/queues.js';

const KEEP = { age: 30 * 24 * 3600, count: 100_000 };

export class Queues {
  readonly build: Queue<BuildPayload, BuildResult>;
  readonly run: Queue<RunPayload, RunResult>;

  constructor(connection: Redis, prefix: string) {
    this.build = new Queue(BUILD_QUEUE, { connection, prefix });
    this.run = new Queue(RUN_QUEUE, { connection, prefix });
  }

  async enqueueBuild(payload: BuildPayload): Promise<void> {
    await this.build.add('build', payload, { jobId: buildJobId(payload.versionId), attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
  }

  async enqueueRun(payload: RunPayload, priority: number): Promise<void> {
    await this.run.add('run', payload, { jobId: runJobId(payload.jobId), priority, attempts: 1, removeOnComplete: KEEP, removeOnFail: KEEP });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.build.close(), this.run.close()]);
  }
}
