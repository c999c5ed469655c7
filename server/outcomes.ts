// Applies what workers report (through BullMQ) to the store: the server is its only writer.
// Events trigger a sync. A full sweep at start (and every few minutes) syncs every unfinished
// job, so a report that arrived while the server was down is not lost. In between, a short
// sweep every few seconds catches an event missed while up: it syncs the jobs a runner holds
// or that ended lately, and those the store has under way, never the jobs still waiting, so
// its cost stays the same with 10 or 10,000 of them in line.
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BUILD_QUEUE, runQueueName, buildJobId, buildLogKey, runJobNumber } from '../common/queues.js';
import { readWholeLog } from '../common/log-stream.js';
import { isFinishedJob, isFinishedVersion } from '../common/states.js';
import type { BuildResult, RunProgress, RunResult } from '../schemas/index.js';
import type { Store } from './store/index.js';
import type { BuildOutcome } from './store/versions.js';
import type { Queues } from './queues.js';
import type { ServerEvents } from './events.js';
import { published } from './releases.js';

const SWEEP_MS = 5000;
/** Each full sweep reads every waiting job from BullMQ: the safety net for one lost meanwhile (a Redis reset). */
const FULL_SWEEP_MS = 10 * 60_000;
/**
 * How far back a short sweep looks past the previous one for runs that ended: runners on
 * other hosts stamp the end with their own clocks.
 */
const CLOCK_SLACK_MS = 60_000;
const BUILD_LOG_MAX = 2 * 1024 * 1024;
const NEW_JOB_GRACE_MS = 60_000;

export interface OutcomeDeps {
  store: Store;
  queues: Queues;
  redis: Redis;
  /** A new connection for each QueueEvents (they block). */
  connect(): Redis;
  queueNames: readonly string[];
  prefix: string;
  events: ServerEvents;
  log: Logger;
}

export class OutcomeRecorder {
  private readonly buildEvents: QueueEvents;
  private readonly runEvents: QueueEvents[];
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** When the last sweep started (ms), and the last full one. */
  private lastSweep = 0;
  private lastFullSweep = 0;

  constructor(private readonly deps: OutcomeDeps) {
    this.buildEvents = new QueueEvents(BUILD_QUEUE, { connection: deps.connect(), prefix: deps.prefix });
    this.runEvents = deps.queueNames.map((q) => new QueueEvents(runQueueName(q), { connection: deps.connect(), prefix: deps.prefix }));
    const idOf = (jobId: string, prefix: string): number | null => (jobId.startsWith(prefix) ? Number(jobId.slice(prefix.length)) : null);
    const onBuild = ({ jobId }: { jobId: string }) => {
      const id = idOf(jobId, 'build-');
      if (id !== null) this.guard(this.syncVersion(id));
    };
    const onRun = ({ jobId }: { jobId: string }) => {
      const id = runJobNumber(jobId);
      if (id !== null) this.guard(this.syncJob(id));
    };
    this.buildEvents.on('completed', onBuild);
    this.buildEvents.on('failed', onBuild);
    for (const events of this.runEvents) {
      events.on('progress', onRun);
      events.on('completed', onRun);
      events.on('failed', onRun);
      events.on('error', (err) => deps.log.warn({ err }, 'run events'));
    }
    this.buildEvents.on('error', (err) => deps.log.warn({ err }, 'build events'));
  }

  async start(): Promise<void> {
    await Promise.all([this.buildEvents, ...this.runEvents].map((e) => e.waitUntilReady()));
    await this.sweep();
    const loop = () => {
      this.sweepTimer = setTimeout(() => {
        (Date.now() - this.lastFullSweep >= FULL_SWEEP_MS ? this.sweep() : this.sweepRecent())
          .catch((err) => this.deps.log.warn({ err }, 'sweep failed'))
          .finally(() => !this.closed && loop());
      }, SWEEP_MS);
    };
    loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await Promise.allSettled([this.buildEvents, ...this.runEvents].map((e) => e.close()));
  }

  private guard(p: Promise<unknown>): void {
    p.catch((err) => this.deps.log.warn({ err }, 'could not record an outcome; the next sweep will retry'));
  }

  /** Every building version and unfinished job, each read from BullMQ. */
  async sweep(): Promise<void> {
    const { store } = this.deps;
    this.lastSweep = this.lastFullSweep = Date.now();
    for (const v of store.versions.listBuilding()) await this.syncVersion(v.id, true);
    for (const j of store.jobs.listUnfinished()) await this.syncJob(j.id, true);
  }

  /** What can have changed since the last sweep: see the top of this file. */
  async sweepRecent(): Promise<void> {
    const { store, queues, queueNames } = this.deps;
    const since = this.lastSweep - CLOCK_SLACK_MS;
    this.lastSweep = Date.now();
    for (const v of store.versions.listBuilding()) await this.syncVersion(v.id, true);
    const ids = new Set(store.jobs.listUnderWay().map((j) => j.id));
    for (const q of queueNames) for (const id of await queues.recentlyMoved(q, since)) ids.add(id);
    for (const id of ids) await this.syncJob(id, true);
  }

  /** Reads a build's state from BullMQ and records it if it has ended. */
  async syncVersion(versionId: number, sweeping = false): Promise<void> {
    const { store, queues, redis, prefix, events } = this.deps;
    const version = store.versions.byId(versionId);
    if (!version || isFinishedVersion(version.state)) return;
    const job = await queues.build.getJob(buildJobId(versionId));
    let outcome: BuildOutcome | null = null;
    if (!job) {
      // A version just recorded may not be queued yet (its push is adding it): give it time.
      const settled = Date.now() - Date.parse(version.createdAt) > NEW_JOB_GRACE_MS;
      if (sweeping && settled) outcome = { state: 'failed', error: 'the build was lost by the queue (was Redis reset?); push again' };
    } else {
      const state = await job.getState();
      if (state === 'completed') {
        const r = job.returnvalue as BuildResult;
        // Ready means pullable from every runner host: a builder that skipped the push fails it.
        if (job.data.push && !r.pushed) outcome = { state: 'failed', error: `the builder did not push the image to ${job.data.push.repository} (is it an older allgo?); push again` };
        else outcome = { state: 'ready', imageId: r.imageId, size: r.size, pushed: r.pushed, tests: r.tests };
      }
      else if (state === 'failed') outcome = { state: 'failed', error: job.failedReason || 'the build failed' };
    }
    if (!outcome) return;
    const log = await readWholeLog(redis, buildLogKey(prefix, versionId), BUILD_LOG_MAX).catch(() => '');
    if (store.versions.finish(versionId, outcome, log)) {
      if (outcome.state === 'ready') published(store, version);
      this.deps.log.info({ versionId, state: outcome.state }, 'build recorded');
    }
    events.emit('version', versionId);
  }

  /** Reads a run's state from BullMQ and records it. */
  async syncJob(jobId: number, sweeping = false): Promise<void> {
    const { store, queues, events } = this.deps;
    const row = store.jobs.byId(jobId);
    if (!row || isFinishedJob(row.state)) return;
    if (!queues.has(row.queue)) {
      store.jobs.finish(jobId, { result: 'error', exitCode: null, message: `its queue "${row.queue}" was removed from the configuration; submit it again` });
      events.emit('job', jobId);
      return;
    }
    const job = await queues.getRunJob(row.queue, jobId).catch(() => undefined);
    if (!job) {
      // 'new' jobs are between insert and enqueue in a live request: leave those to it,
      // unless it is long gone (a server killed mid-submission).
      const abandoned = row.state === 'new' && Date.now() - Date.parse(row.createdAt) > NEW_JOB_GRACE_MS;
      if (abandoned) {
        store.jobs.finish(jobId, { result: 'error', exitCode: null, message: 'the submission was interrupted before the job was queued; submit it again' });
        events.emit('job', jobId);
      } else if (sweeping && row.state !== 'new') {
        store.jobs.finish(jobId, { result: 'error', exitCode: null, message: 'the job was lost by the queue (was Redis reset?); submit it again' });
        events.emit('job', jobId);
      }
      return;
    }
    const state = await job.getState();
    let changed = false;
    if (state === 'completed') {
      const r = job.returnvalue as RunResult;
      changed = store.jobs.finish(jobId, { result: r.result, exitCode: r.exitCode, message: r.message, startedAt: r.startedAt, finishedAt: r.finishedAt });
    } else if (state === 'failed') {
      changed = store.jobs.finish(jobId, { result: 'error', exitCode: null, message: `the runner failed: ${job.failedReason}` });
    } else if (state === 'active') {
      const p = job.progress as RunProgress | number;
      if (typeof p === 'object' && p?.state === 'running') {
        changed = store.jobs.markRunning(jobId, p.startedAt ?? new Date().toISOString());
        if (p.progress && store.progress.set(jobId, p.progress)) changed = true;
      }
    }
    if (changed) events.emit('job', jobId);
  }
}
