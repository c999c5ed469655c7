// The runner role: a BullMQ worker that runs jobs in containers. Stateless: all it needs
// is in the job's data; it reports "running" as progress and the outcome as return value.
import { Worker, UnrecoverableError, type Job } from 'bullmq';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { createValidators, type RunPayload, type RunResult } from '../schemas/index.js';
import { RUN_QUEUE } from '../common/queues.js';
import { LogWriter } from '../common/log-stream.js';
import { runContainer, type RunOptions } from './run-container.js';

export interface RunnerDeps {
  docker: Docker;
  connection: Redis;
  redis: Redis;
  prefix: string;
  concurrency: number;
  options: RunOptions;
  log: Logger;
}

export function startRunner(deps: RunnerDeps): Worker<RunPayload, RunResult> {
  const validate = createValidators().runPayload;
  const worker = new Worker<RunPayload, RunResult>(
    RUN_QUEUE,
    async (job: Job<RunPayload>) => {
      if (!validate(job.data)) throw new UnrecoverableError(`bad run payload: ${JSON.stringify(validate.errors)}`);
      const p = job.data;
      const log = deps.log.child({ jobId: p.jobId, image: p.image });
      await job.updateProgress({ state: 'running', startedAt: new Date().toISOString() });
      log.info('job started');
      const live = new LogWriter(deps.redis, p.logKey);
      try {
        const result = await runContainer(deps.docker, p, deps.options, live);
        log.info({ result: result.result, exitCode: result.exitCode }, 'job finished');
        return result;
      } finally {
        await live.end();
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency },
  );
  worker.on('error', (err) => deps.log.error({ err }, 'runner worker error'));
  return worker;
}
