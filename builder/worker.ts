// The builder role: a BullMQ worker that turns build jobs into images. Stateless: all it
// needs is in the job's data, and it reports through BullMQ (return value or failure).
import { Worker, UnrecoverableError, type Job } from 'bullmq';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { createValidators, type BuildPayload, type BuildResult } from '../schemas/index.js';
import { BUILD_QUEUE } from '../common/queues.js';
import { LogWriter } from '../common/log-stream.js';
import type { ServerClient } from '../common/server-client.js';
import { RAW_DOCKER_ERROR } from '../common/build-log.js';
import { formatDuration } from '../common/duration.js';
import { appImageName } from '../common/names.js';
import type { RegistryAuth } from '../common/registry.js';
import { buildImage, BuildFailedError } from './build-image.js';
import { pushImage } from './push-image.js';
import { describeBuildFailure } from './describe-failure.js';
import { runTests, TestFailedError, type TestBox } from './run-tests.js';

export interface BuilderDeps {
  docker: Docker;
  /** Connection for the worker (blocking commands). */
  connection: Redis;
  /** Connection for writing logs. */
  redis: Redis;
  prefix: string;
  concurrency: number;
  /** This host's builder.allow_network: a payload asking for network is refused without it. */
  allowNetwork: boolean;
  /** The server, reached with this builder's token: sources come from there. */
  server: ServerClient;
  /** Sent to the registry a payload names; none for an open registry. */
  registryAuth?: RegistryAuth;
  /** The job box's limits, for push-time tests (the runner settings of this host's config). */
  testBox: TestBox;
  log: Logger;
}

export function startBuilder(deps: BuilderDeps): Worker<BuildPayload, BuildResult> {
  const validate = createValidators().buildPayload;
  const worker = new Worker<BuildPayload, BuildResult>(
    BUILD_QUEUE,
    async (job: Job<BuildPayload>, _token?: string, signal?: AbortSignal) => {
      if (!validate(job.data)) throw new UnrecoverableError(`bad build payload: ${JSON.stringify(validate.errors)}`);
      const p = job.data;
      if (p.network && !deps.allowNetwork) throw new UnrecoverableError('this builder gives builds no network (builder.allow_network: false)');
      const log = deps.log.child({ app: p.app, version: p.version, build: job.id });
      const writer = new LogWriter(deps.redis, p.logKey);
      const timeout = AbortSignal.timeout(p.timeLimitMs);
      const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
      log.info({ commit: p.commit }, 'build started');
      writer.write(`Building ${appImageName(p.app, p.version)} from commit ${p.commit.slice(0, 12)}\n`);
      try {
        const result = await buildImage(deps.docker, deps.server, p, writer, both, deps.registryAuth);
        writer.write(`Built ${appImageName(p.app, p.version)} (image ${result.imageId.replace(/^sha256:/, '').slice(0, 12)})\n`);
        // Tested before it is pushed: a version that fails its tests is never pullable.
        if (p.tests?.length) result.tests = await runTests(deps.docker, result.imageId, p.tests, deps.testBox, (l) => writer.write(l), both);
        // A version is ready only once runners on other hosts can pull it.
        if (p.push) result.pushed = await pushImage(deps.docker, result.imageId, p.push.repository, p.version, deps.registryAuth, (l) => writer.write(l), both);
        log.info({ imageId: result.imageId, digest: result.pushed?.digest }, 'build done');
        return result;
      } catch (err) {
        const raw = (err as Error).message;
        const reason = timeout.aborted ? `the build went over its time limit of ${formatDuration(p.timeLimitMs)}` : err instanceof TestFailedError ? raw : describeBuildFailure(raw);
        // The log keeps Docker's own words (when they differ) for whoever debugs the build.
        if (!timeout.aborted && reason !== raw) writer.write(`${RAW_DOCKER_ERROR}${raw}\n`);
        writer.write(`Build failed: ${reason}\n`);
        log.warn({ err }, 'build failed');
        // A failing Dockerfile fails the same way again: no retry.
        throw err instanceof BuildFailedError || err instanceof TestFailedError || timeout.aborted ? new UnrecoverableError(reason) : new Error(reason);
      } finally {
        await writer.end();
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency },
  );
  worker.on('error', (err) => deps.log.error({ err }, 'builder worker error'));
  return worker;
}
