// The runner role. It takes jobs by hand from one BullMQ queue per allgo queue, highest
// priority first, up to its number of slots; BullMQ's global concurrency caps each queue
// over all runners. It renews its claim on each running job; a runner that dies loses its
// claim, BullMQ hands the job to another runner, which re-attaches to the container.
import { hostname } from 'node:os';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Worker, Job } from 'bullmq';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { createValidators, type RunPayload, type RunProgress, type RunResult } from '../schemas/index.js';
import { runQueueName, runJobId, runsChannel, verdictKey } from '../common/queues.js';
import { clearCancelRequest, isCancelRequested, onCancelRequests } from '../common/cancel-requests.js';
import { LogWriter } from '../common/log-stream.js';
import { runContainer, removeJobContainer, type RunOptions, type Verdict } from './run-container.js';
import type { ImageCache } from './image-cache.js';
import { CONTAINER_LABELS } from '../common/labels.js';
import { instanceId } from '../common/instance.js';

const IDLE_POLL_MS = 250;
const VERDICT_TTL_S = 7 * 24 * 3600;

export interface RunnerDeps {
  docker: Docker;
  /** Fetches jobs (BullMQ). */
  connection: Redis;
  /** Logs, verdicts, cancellations. */
  redis: Redis;
  /** Subscribes to cancellations. */
  subscriber: Redis;
  prefix: string;
  /** Queue names, highest priority first. */
  queues: readonly string[];
  slots: number;
  lockDurationMs: number;
  /** <data dir>/datastore: the only place a job folder may be (same path on every host). */
  datastoreDir: string;
  options: Omit<RunOptions, 'instance'>;
  /** This host's copies of registry images. */
  images: ImageCache;
  log: Logger;
}

interface Running {
  cancel: AbortController;
  done: Promise<void>;
}

export class RunnerPool {
  private readonly workers: { queue: string; worker: Worker<RunPayload, RunResult> }[];
  private readonly running = new Map<number, Running>();
  private readonly validate = createValidators().runPayload;
  private readonly id = `${hostname()}:${process.pid}`;
  private closing = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  /** Set when a slot freed or a job was queued while the loop was busy: it looks again at once. */
  private nudged = false;
  private options: RunOptions | null = null;

  constructor(private readonly deps: RunnerDeps) {
    this.workers = deps.queues.map((queue) => ({
      queue,
      worker: new Worker<RunPayload, RunResult>(runQueueName(queue), null, {
        connection: deps.connection,
        prefix: deps.prefix,
        autorun: false,
        lockDuration: deps.lockDurationMs,
        stalledInterval: deps.lockDurationMs,
        // Each stall is a runner lost mid-job; the job goes back to be re-attached, not failed.
        maxStalledCount: 10,
      }),
    }));
    for (const { worker } of this.workers) worker.on('error', (err) => deps.log.warn({ err }, 'runner queue error'));
  }

  async start(): Promise<void> {
    this.options = { ...this.deps.options, instance: await instanceId(this.deps.redis, this.deps.prefix) };
    await this.removeOrphans().catch((err) => this.deps.log.warn({ err }, 'could not look for orphaned job containers'));
    const { subscriber, prefix } = this.deps;
    await onCancelRequests(subscriber, prefix, (jobId) => this.running.get(jobId)?.cancel.abort());
    const runs = runsChannel(prefix);
    subscriber.on('message', (channel) => channel === runs && this.nudge());
    await subscriber.subscribe(runs);
    for (const { worker } of this.workers) {
      await worker.waitUntilReady();
      void worker.startStalledCheckTimer().catch((err) => this.deps.log.warn({ err }, 'stalled check'));
    }
    this.loopDone = this.loop();
  }

  /**
   * Job containers whose job has ended (reported by another runner, or the engine restarted
   * before removal) are removed; those of unfinished jobs are left for re-attaching.
   */
  private async removeOrphans(): Promise<void> {
    const containers = await this.deps.docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.instance}=${this.options!.instance}`] } });
    for (const c of containers) {
      const worker = this.workers.find((w) => w.queue === c.Labels[CONTAINER_LABELS.queue]);
      if (!worker) continue;
      const job = await Job.fromId(worker.worker, runJobId(Number(c.Labels[CONTAINER_LABELS.job])));
      const state = job ? await job.getState() : 'missing';
      // Only a job known to have ended: anything uncertain is left for re-attaching.
      if (state === 'completed' || state === 'failed') {
        await this.deps.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
        this.deps.log.info({ container: c.Names[0], state }, 'removed orphaned job container');
      }
    }
  }

  private nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.closing) {
      this.nudged = false;
      let took = false;
      if (this.running.size < this.deps.slots) {
        for (const { worker } of this.workers) {
          const token = `${this.id}:${randomUUID()}`;
          let job: Job<RunPayload, RunResult> | undefined;
          try {
            job = await worker.getNextJob(token, { block: false });
          } catch (err) {
            this.deps.log.warn({ err }, 'could not fetch a job');
            break;
          }
          if (job) {
            this.begin(worker, job, token);
            took = true;
            break;
          }
        }
      }
      if (!took && !this.nudged) await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, IDLE_POLL_MS);
      });
    }
  }

  private begin(worker: Worker<RunPayload, RunResult>, job: Job<RunPayload, RunResult>, token: string): void {
    const jobId = (job.data as RunPayload).jobId;
    const cancel = new AbortController();
    const done = this.process(worker, job, token, cancel).finally(() => {
      this.running.delete(jobId);
      this.nudge();
    });
    this.running.set(jobId, { cancel, done });
  }

  private async process(worker: Worker<RunPayload, RunResult>, job: Job<RunPayload, RunResult>, token: string, cancel: AbortController): Promise<void> {
    const { redis, prefix } = this.deps;
    const p = job.data;
    const log = this.deps.log.child({ jobId: p.jobId, queue: p.queue });
    if (!this.validate(p)) {
      await job.moveToFailed(new Error(`bad run payload: ${JSON.stringify(this.validate.errors)}`), token, false).catch(() => undefined);
      return;
    }
    // Whoever can write to Redis could name any host folder: mount only the job's own.
    const expected = await realpath(join(this.deps.datastoreDir, String(p.jobId))).catch(() => null);
    if (!expected || (await realpath(p.workdir).catch(() => null)) !== expected) {
      log.error({ workdir: p.workdir }, 'refused a job whose folder is not its datastore folder');
      await job.moveToFailed(new Error(`refused: its folder ${p.workdir} is not in this runner's datastore (${this.deps.datastoreDir})`), token, false).catch(() => undefined);
      return;
    }
    const lost = new AbortController();
    let renewedAt = Date.now();
    const renew = setInterval(async () => {
      try {
        if ((await job.extendLock(token, this.deps.lockDurationMs)) === 0) lost.abort();
        else renewedAt = Date.now();
        // The announcement of a cancel can be missed (subscriber reconnecting); the key is not.
        if (!cancel.signal.aborted && (await isCancelRequested(redis, prefix, p.jobId))) cancel.abort();
      } catch (err) {
        // Redis away: keep trying; if another runner took the job meanwhile, the next renewal says so.
        log.warn({ err }, 'could not renew the job lock');
      }
    }, Math.max(this.deps.lockDurationMs / 3, 200));
    const progress = typeof job.progress === 'object' ? (job.progress as RunProgress) : null;
    const resumed = progress?.state === 'running';
    const image = this.deps.images.lease(p.image, p.imageBytes);
    if (await isCancelRequested(redis, prefix, p.jobId).catch(() => false)) cancel.abort();
    const live = new LogWriter(redis, p.logKey);
    try {
      if (!resumed) await job.updateProgress({ state: 'running', startedAt: new Date().toISOString(), runner: this.id });
      log.info({ resumed }, resumed ? 'job re-attached' : 'job started');
      const result = await runContainer(this.deps.docker, p, this.options!, {
        live,
        cancel: cancel.signal,
        lost: lost.signal,
        fence: () => (lost.signal.aborted ? 'lost' : Date.now() - renewedAt < this.deps.lockDurationMs * 0.8 ? 'owner' : 'unsure'),
        resumed,
        prepareImage: (say) => image.ready(say, cancel.signal),
        logPreamble: resumed ? (progress?.logPreamble ?? 0) : 0,
        setLogPreamble: (bytes) => job.updateProgress({ ...(job.progress as RunProgress), logPreamble: bytes }),
        setVerdict: async (v: Verdict) => void (await redis.set(verdictKey(prefix, p.jobId), JSON.stringify(v), 'EX', VERDICT_TTL_S)),
        getVerdict: async () => {
          const text = await redis.get(verdictKey(prefix, p.jobId));
          return text ? (JSON.parse(text) as Verdict) : null;
        },
      });
      if (result === 'detached') {
        log.warn('lost the claim on the job; left it to the runner that took it over');
        return;
      }
      await live.end();
      await job.moveToCompleted(result, token, false);
      await removeJobContainer(this.deps.docker, this.options!.instance, p.jobId);
      await Promise.all([redis.del(verdictKey(prefix, p.jobId)), clearCancelRequest(redis, prefix, p.jobId)]).catch(() => undefined);
      log.info({ result: result.result, exitCode: result.exitCode }, 'job finished');
    } catch (err) {
      log.error({ err }, 'job failed in the runner');
      // Left alone, its container would run on with no time or output limit.
      if (!lost.signal.aborted) await removeJobContainer(this.deps.docker, this.options!.instance, p.jobId);
      await live.end();
      await job.moveToFailed(err as Error, token, false).catch((e) => log.warn({ err: e }, 'could not report the failure'));
    } finally {
      clearInterval(renew);
      image.release();
    }
  }

  /** Stops taking jobs; running ones are left to finish (or to be re-attached after a restart). */
  async close(waitMs = 10_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.nudge();
    await this.loopDone;
    await Promise.race([Promise.allSettled([...this.running.values()].map((r) => r.done)), new Promise((r) => setTimeout(r, waitMs))]);
    await Promise.allSettled(this.workers.map(({ worker }) => worker.close(true)));
    await this.deps.subscriber.unsubscribe().catch(() => undefined);
  }
}
