// The runner role. It takes jobs by hand from one BullMQ queue per allgo queue it serves
// (those whose labels it has), highest priority first, up to its number of slots; BullMQ's
// global concurrency caps each queue over all runners. It renews its claim on each running
// job; a runner that dies loses its claim, BullMQ hands the job to another runner, which
// re-attaches to the container or, on another host, applies the queue's retry policy
// (run-job.ts). It writes a heartbeat to Redis, which the server lists and other runners read.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Worker, Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { createValidators, type RunPayload, type RunResult, type RunnerHello } from '../schemas/index.js';
import { runQueueName, runJobId, runsChannel } from '../common/queues.js';
import { onCancelRequests } from '../common/cancel-requests.js';
import type { ImageCache } from './image-cache.js';
import { instanceId } from '../common/instance.js';
import { waitAtMost } from '../common/close.js';
import { readHeartbeats, removeHeartbeat, satisfies, writeHeartbeat } from '../common/heartbeats.js';
import { packageVersion } from '../common/version.js';
import type { RunOptions } from './run-container.js';
import { progressOf } from './takeover.js';
import { runJob, runnerProcessId, type JobContext } from './run-job.js';
import type { ServerClient } from '../common/server-client.js';
import { WorkDirs } from './stage.js';
import type { RunnerBackend } from './backends/backend.js';

const IDLE_POLL_MS = 250;
/** A work folder with no container is left this long: another runner may be staging it. */
const WORK_DIR_GRACE_MS = 60 * 60_000;

export interface RunnerDeps {
  /** Where jobs run (backends/): made once the installation's id is known. */
  backend(instance: string): RunnerBackend;
  /** Fetches jobs (BullMQ). */
  connection: Redis;
  /** Logs, verdicts, cancellations, heartbeats. */
  redis: Redis;
  /** Subscribes to cancellations. */
  subscriber: Redis;
  prefix: string;
  /** The server, reached with this runner's token; `hello` is what it answered at start. */
  client: ServerClient;
  hello: RunnerHello;
  labels: readonly string[];
  /** Jobs at once; default: the server's runner.concurrency. */
  slots?: number;
  /** <runner data dir>/work: the job folders of this host. */
  workDir: string;
  /**
   * uid:gid the job folders are handed to; default: the server's runner.user. A runtime whose
   * jobs write as the user that started them (Charliecloud, Apptainer) needs that user's.
   */
  jobFolderOwner?: string;
  /** This host's copies of registry images. */
  images: ImageCache;
  log: Logger;
}

/** A job this runner has in hand: how to cancel it, and when it is over. */
interface RunningJob {
  cancel: AbortController;
  done: Promise<void>;
}

export class RunnerPool {
  private readonly workers: { queue: string; worker: Worker<RunPayload, RunResult> }[];
  private readonly running = new Map<number, RunningJob>();
  private readonly validate = createValidators().runPayload;
  private readonly id: string;
  private readonly slots: number;
  private readonly workDirs: WorkDirs;
  private readonly startedAt = new Date().toISOString();
  private closing = false;
  /** Set when a job found the engine away: no job is taken until it answers again. */
  private engineAway = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  /** Set when a slot freed or a job was queued while the loop was busy: it looks again at once. */
  private nudged = false;
  private ctx: JobContext | null = null;
  private backend: RunnerBackend | null = null;
  private beat: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RunnerDeps) {
    const { hello } = deps;
    this.id = runnerProcessId(hello.name);
    this.slots = deps.slots ?? hello.runner.concurrency;
    this.workDirs = new WorkDirs(deps.workDir, deps.jobFolderOwner ?? hello.runner.user);
    const lockDuration = hello.runner.lockDurationMs;
    this.workers = hello.queues
      .filter((q) => satisfies(deps.labels, q.labels))
      .map((q) => ({
        queue: q.name,
        worker: new Worker<RunPayload, RunResult>(runQueueName(q.name), null, {
          connection: deps.connection,
          prefix: deps.prefix,
          autorun: false,
          lockDuration,
          stalledInterval: lockDuration,
          // Each stall is a runner lost mid-job; the job goes back to be re-attached, not failed.
          maxStalledCount: 10,
        }),
      }));
    for (const { worker } of this.workers) worker.on('error', (err) => deps.log.warn({ err }, 'runner queue error'));
  }

  /** The queues this runner serves (those whose labels it has), highest priority first. */
  get queues(): string[] {
    return this.workers.map((w) => w.queue);
  }

  get slotCount(): number {
    return this.slots;
  }

  async start(): Promise<void> {
    const { deps } = this;
    const r = deps.hello.runner;
    const options: RunOptions = { instance: await instanceId(deps.redis, deps.prefix), user: r.user, pidsLimit: r.pidsLimit, outputLimitBytes: r.outputLimitBytes, maxFiles: r.maxFiles, logLimitBytes: r.logLimitBytes, tmpMb: r.tmpMb };
    const backend = (this.backend = deps.backend(options.instance));
    const engine = await backend.engine();
    this.ctx = {
      backend,
      redis: deps.redis,
      prefix: deps.prefix,
      client: deps.client,
      name: deps.hello.name,
      id: this.id,
      engine,
      options,
      lockDurationMs: r.lockDurationMs,
      heartbeatMs: r.heartbeatMs,
      workDirs: this.workDirs,
      images: deps.images,
      engineDown: () => void (this.engineAway = true),
      liveEngines: async (queue) => new Set((await readHeartbeats(deps.redis, deps.prefix, r.heartbeatMs)).filter((b) => b.live && b.queues.includes(queue)).map((b) => b.engine)),
      log: deps.log,
    };
    await this.heartbeat();
    this.beat = setInterval(() => void this.heartbeat(), r.heartbeatMs);
    await this.removeOrphans().catch((err) => deps.log.warn({ err }, 'could not look for orphaned job containers'));
    const { subscriber, prefix } = deps;
    await onCancelRequests(subscriber, prefix, (jobId) => this.running.get(jobId)?.cancel.abort());
    const runs = runsChannel(prefix);
    subscriber.on('message', (channel) => channel === runs && this.nudge());
    await subscriber.subscribe(runs);
    for (const { worker } of this.workers) {
      await worker.waitUntilReady();
      void worker.startStalledCheckTimer().catch((err) => deps.log.warn({ err }, 'stalled check'));
    }
    this.loopDone = this.loop();
  }

  private async heartbeat(): Promise<void> {
    const { deps, ctx } = this;
    if (!ctx) return;
    await writeHeartbeat(deps.redis, deps.prefix, {
      id: this.id,
      name: deps.hello.name,
      hostname: hostname(),
      labels: [...deps.labels],
      slots: this.slots,
      running: [...this.running.keys()],
      version: packageVersion(),
      engine: ctx.engine,
      queues: this.queues,
      startedAt: this.startedAt,
      seenAt: new Date().toISOString(),
    }).catch((err) => deps.log.warn({ err }, 'could not write the heartbeat'));
  }

  /**
   * Job runs (containers, Slurm jobs) whose job has ended (reported by another runner, or the
   * engine restarted before removal), or whose job started again elsewhere, are removed; those
   * of unfinished jobs are left for re-attaching. Then work folders no run uses.
   */
  private async removeOrphans(): Promise<void> {
    const { log } = this.deps;
    const ctx = this.ctx!;
    const backend = this.backend!;
    const inUse = new Set<string>();
    for (const run of await backend.list()) {
      const worker = this.workers.find((w) => w.queue === run.queue);
      if (!worker) continue;
      const job = await Job.fromId(worker.worker, runJobId(run.jobId));
      const state = job ? await job.getState() : 'missing';
      const progress = job ? progressOf(job) : null;
      const movedOn = !!progress?.engine && (progress.engine !== ctx.engine || (progress.attempt ?? 1) > run.attempt);
      // Only a job known to have ended or moved on: anything uncertain is left for re-attaching.
      if (state === 'completed' || state === 'failed' || movedOn) {
        await backend.remove(run.jobId).catch(() => undefined);
        log.info({ jobId: run.jobId, state, movedOn }, 'removed orphaned job run');
      } else if (run.workdir) inUse.add(run.workdir);
    }
    await this.workDirs.sweep(async (jobId, attempt) => {
      const dir = this.workDirs.jobDir(jobId, attempt);
      if (inUse.has(dir)) return true;
      const s = await stat(dirname(dir)).catch(() => null);
      return !!s && Date.now() - s.mtimeMs < WORK_DIR_GRACE_MS;
    });
  }

  /** True unless the engine was found away and still does not answer. */
  private async engineBack(): Promise<boolean> {
    if (!this.engineAway) return true;
    if (!(await this.backend!.answers())) return false;
    this.engineAway = false;
    this.deps.log.info('the engine answers again; taking jobs');
    return true;
  }

  private nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.closing) {
      this.nudged = false;
      let took = false;
      if (this.running.size < this.slots && (await this.engineBack())) {
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
    // Whoever can write to Redis can queue anything: a payload not of the contract is refused.
    if (!this.validate(job.data)) {
      await job.moveToFailed(new Error(`refused: bad run payload: ${JSON.stringify(this.validate.errors)}`), token, false).catch(() => undefined);
      return;
    }
    await runJob(this.ctx!, job, token, cancel, () => Job.fromId(worker, job.id!));
  }

  /** Stops taking jobs; running ones are left to finish (or to be re-attached after a restart). */
  async close(waitMs = 10_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.nudge();
    await this.loopDone;
    await waitAtMost(Promise.allSettled([...this.running.values()].map((r) => r.done)), waitMs);
    await Promise.allSettled(this.workers.map(({ worker }) => worker.close(true)));
    await this.deps.subscriber.unsubscribe().catch(() => undefined);
    if (this.beat) clearInterval(this.beat);
    // With jobs left running, its heartbeat stays until it goes stale, so runners elsewhere
    // leave them to this host for a while: a quick restart re-attaches to them.
    if (this.running.size === 0) await removeHeartbeat(this.deps.redis, this.deps.prefix, this.id).catch(() => undefined);
  }
}
