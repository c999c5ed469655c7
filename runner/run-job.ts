// One job on this runner, from the claim to the commit:
//   decide (fresh, re-attach, defer, start again, or lost: takeover.ts) → claim the attempt
//   from the server → stage the inputs → run the container → upload the outputs and the log
//   → commit (the job is `done` from then on) → complete the BullMQ job → clean up.
// The BullMQ claim is renewed all along; a runner that loses it steps back and writes nothing.
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { RunPayload, RunProgress, RunResult, ClaimAnswer } from '../schemas/index.js';
import { verdictKey } from '../common/queues.js';
import { clearCancelRequest, isCancelRequested } from '../common/cancel-requests.js';
import { LogWriter, readWholeLog } from '../common/log-stream.js';
import { RUNNER_CODES } from '../common/runner-protocol.js';
import { logFileOf, type RunOptions, type Verdict } from './run-container.js';
import { decideTakeover, progressOf } from './takeover.js';
import { watchProgress } from './progress-watch.js';
import { RefusedError, type ServerClient } from '../common/server-client.js';
import { uploadOutputs, type WorkDirs } from './stage.js';
import type { ImageCache } from './image-cache.js';
import { EngineDownError } from './engine-health.js';
import { HostLostError, type RunnerBackend } from './backends/backend.js';

const VERDICT_TTL_S = 7 * 24 * 3600;
/** How long a job put back for want of an engine waits before it is taken again. */
const ENGINE_RETRY_MS = 5000;
/** How long an upload keeps trying while the server is away (the claim is renewed meanwhile). */
const UPLOAD_RETRY_MS = 60 * 60_000;

export interface JobContext {
  /** Where its container runs: this host's Docker engine, or a Slurm cluster. */
  backend: RunnerBackend;
  redis: Redis;
  prefix: string;
  client: ServerClient;
  /** This runner's name (its token's), process id and engine (its backend's). */
  name: string;
  id: string;
  engine: string;
  options: RunOptions;
  lockDurationMs: number;
  heartbeatMs: number;
  workDirs: WorkDirs;
  /** This host's copies of registry images: each job leases its own while it runs. */
  images: ImageCache;
  /** Engines where a live runner serves `queue`. */
  liveEngines(queue: string): Promise<ReadonlySet<string>>;
  /** Says the engine stopped answering: the pool takes no job until it answers again. */
  engineDown(): void;
  log: Logger;
}

/** `reload` reads the job again from BullMQ (its progress as the runner that took it over left it). */
export async function runJob(ctx: JobContext, job: Job<RunPayload, RunResult>, token: string, cancel: AbortController, reload: () => Promise<Job | undefined>): Promise<void> {
  const { redis, prefix, backend } = ctx;
  const p = job.data;
  const log = ctx.log.child({ jobId: p.jobId, queue: p.queue });
  const lost = new AbortController();
  let renewedAt = Date.now();
  const renew = setInterval(async () => {
    try {
      if ((await job.extendLock(token, ctx.lockDurationMs)) === 0) lost.abort();
      else renewedAt = Date.now();
      // The announcement of a cancel can be missed (subscriber reconnecting); the key is not.
      if (!cancel.signal.aborted && (await isCancelRequested(redis, prefix, p.jobId))) cancel.abort();
    } catch (err) {
      // Redis away: keep trying; if another runner took the job meanwhile, the next renewal says so.
      log.warn({ err }, 'could not renew the job lock');
    }
  }, Math.max(ctx.lockDurationMs / 3, 200));
  const live = new LogWriter(redis, p.logKey);
  const image = ctx.images.lease(p.image, p.imageBytes);
  const opts = { signal: lost.signal, retryForMs: UPLOAD_RETRY_MS };
  let workdir: string | null = null;
  // What the job's progress was when taken, and whether this run may have made a container.
  const before = progressOf(job);
  let containerMayExist = false;
  const complete = async (result: RunResult) => {
    await live.end();
    await job.moveToCompleted(result, token, false);
    await backend.remove(p.jobId);
    await Promise.all([redis.del(verdictKey(prefix, p.jobId)), clearCancelRequest(redis, prefix, p.jobId)]).catch(() => undefined);
    if (workdir) await ctx.workDirs.remove(workdir);
    log.info({ result: result.result, exitCode: result.exitCode }, 'job finished');
  };
  try {
    const found = await backend.find(p.jobId);
    const decision = decideTakeover({
      progress: progressOf(job),
      name: ctx.name,
      engine: ctx.engine,
      container: found,
      liveEngines: await ctx.liveEngines(p.queue),
      retries: p.retries ?? 0,
    });
    if (decision.kind === 'defer') {
      // Its host is alive: a runner there re-attaches. Back in line for a moment.
      log.info('the job runs on another host that is alive; left to it');
      await job.moveToDelayed(Date.now() + ctx.heartbeatMs, token);
      return;
    }
    const { attempt } = decision;
    const claim = await ctx.client.claim(p.jobId, attempt, opts);
    if (claim.finished) return await complete(claim.finished);
    if (claim.wait) {
      // Its user runs as many jobs as they may: back in line, unclaimed. The server puts it back
      // as soon as one of theirs ends (server/jobs/held-jobs.ts); the delay is its safety net.
      log.info({ why: claim.wait }, 'job not started yet: its user is at their limit');
      await job.moveToDelayed(Date.now() + 2 * ctx.lockDurationMs, token);
      return;
    }
    if (found && decision.kind !== 'reattach') {
      // An earlier attempt's container here (ended with its engine, left when the job moved on,
      // or created just before its engine went away and the job was put back): re-attaching to
      // it would report how that attempt ended, so it goes first.
      await backend.remove(p.jobId);
      const old = found.workdir;
      if (old) await ctx.workDirs.remove(old);
    }
    if (decision.kind === 'lost') {
      log.warn({ message: decision.message }, 'job lost with its host');
      return await complete(await endLost(ctx, p, attempt, claim, decision.message, live, opts));
    }
    if (decision.kind === 'retry') live.write(`\n[allgo] ${decision.note}\n`);
    if (await isCancelRequested(redis, prefix, p.jobId).catch(() => false)) cancel.abort();
    const resumed = decision.kind === 'reattach';
    const progress = progressOf(job);
    let t0 = performance.now();
    workdir = resumed ? decision.workdir : await ctx.workDirs.stage(ctx.client, p.jobId, attempt, { grant: claim.grant!, inputs: claim.inputs ?? [] }, opts);
    const stagingMs = Math.round(performance.now() - t0);
    const running = { state: 'running' as const, startedAt: new Date().toISOString(), runner: ctx.id, host: ctx.name, engine: ctx.engine, attempt };
    if (!resumed) await job.updateProgress(running);
    log.info({ resumed, attempt, stagingMs }, resumed ? 'job re-attached' : 'job started');
    containerMayExist = true;
    // BullMQ keeps one progress object: each report adds to what the last one said.
    let reported: RunProgress = resumed && progress ? progress : running;
    const report = (patch: Partial<RunProgress>) => job.updateProgress((reported = { ...reported, ...patch }));
    const watch = watchProgress(workdir, logFileOf(workdir), (jobProgress) => report({ progress: jobProgress }));
    const result = await backend.run(p, workdir, attempt, ctx.options, {
      live,
      cancel: cancel.signal,
      lost: lost.signal,
      fence: () => (lost.signal.aborted ? 'lost' : Date.now() - renewedAt < ctx.lockDurationMs * 0.8 ? 'owner' : 'unsure'),
      prepareImage: (say) => image.ready(say, cancel.signal),
      logPreamble: resumed ? (progress?.logPreamble ?? 0) : 0,
      // Kept in the progress, so whichever runner re-attaches skips only the output already there.
      setLogPreamble: (bytes) => report({ logPreamble: bytes }),
      setVerdict: async (v: Verdict) => void (await redis.set(verdictKey(prefix, p.jobId), JSON.stringify(v), 'EX', VERDICT_TTL_S)),
      step: (step) => log.debug({ step }, 'job step'),
      getVerdict: async () => {
        const text = await redis.get(verdictKey(prefix, p.jobId));
        return text ? (JSON.parse(text) as Verdict) : null;
      },
    }).finally(() => watch.stop());
    if (result === 'detached') {
      // Taken over on another engine (this host was taken for lost): nobody can re-attach to
      // this container, and the job runs there now, so this one stops.
      const now = await reload().catch(() => null);
      const elsewhere = now ? progressOf(now)?.engine : undefined;
      if (elsewhere && elsewhere !== ctx.engine) {
        await backend.remove(p.jobId);
        await ctx.workDirs.remove(workdir);
        log.warn('the job was started again on another host; removed its container here');
      } else log.warn('lost the claim on the job; left it to the runner that took it over');
      return;
    }
    t0 = performance.now();
    await uploadOutputs(ctx.client, p.jobId, attempt, workdir, result, ctx.options, opts);
    log.info({ uploadMs: Math.round(performance.now() - t0) }, 'outputs committed');
    // Committed, the job is done: a runner taking it over now learns so from its claim and
    // needs no container, so it goes before anything else can stop this runner.
    await backend.remove(p.jobId);
    await complete(result);
  } catch (err) {
    if (err instanceof RefusedError && (err.code === RUNNER_CODES.staleAttempt || lost.signal.aborted)) {
      log.warn({ err: err.message }, 'another runner took the job over; stepped back');
      return;
    }
    if (err instanceof HostLostError) {
      // Its progress stays: whichever runner takes the job next sees the run ended with its
      // host and starts it again (decideTakeover), as for a Docker host lost.
      log.warn({ err: err.message }, 'the job\'s host was lost under it; the job goes back in line for another attempt');
      await live.end();
      await job.moveToDelayed(Date.now(), token).catch((e) => log.warn({ err: e }, 'could not put the job back'));
      return;
    }
    if (err instanceof EngineDownError || !(await backend.answers())) {
      // Not the job's fault: back in line, as it was taken, for when an engine answers.
      log.warn({ err: (err as Error).message }, 'its engine (Docker, or the Slurm cluster) does not answer; the job goes back in line');
      ctx.engineDown();
      await live.end();
      // Only a job that never had a container starts afresh; one that may have keeps its folder
      // (its outputs so far) and its progress, for whichever runner re-attaches or takes it over.
      if (!containerMayExist || err instanceof EngineDownError) {
        if (workdir) await ctx.workDirs.remove(workdir).catch(() => undefined);
        await job.updateProgress(before ?? 0).catch(() => undefined);
      }
      await job.moveToDelayed(Date.now() + ENGINE_RETRY_MS, token).catch((e) => log.warn({ err: e }, 'could not put the job back'));
      return;
    }
    log.error({ err }, 'job failed in the runner');
    // Left alone, its container would run on with no time or output limit.
    if (!lost.signal.aborted) {
      await backend.remove(p.jobId);
      if (workdir) await ctx.workDirs.remove(workdir);
    }
    await live.end();
    await job.moveToFailed(err as Error, token, false).catch((e) => log.warn({ err: e }, 'could not report the failure'));
  } finally {
    clearInterval(renew);
    image.release();
  }
}

/**
 * Ends a job whose host was lost and may not start again: its log so far (the live copy
 * in Redis) with the reason, committed with the inputs as they were.
 */
async function endLost(ctx: JobContext, p: RunPayload, attempt: number, claim: ClaimAnswer, message: string, live: LogWriter, opts: { signal: AbortSignal; retryForMs: number }): Promise<RunResult> {
  const note = `\n[allgo] ${message}\n`;
  live.write(note);
  await live.end();
  const dir = ctx.workDirs.jobDir(p.jobId, attempt);
  await mkdir(dir, { recursive: true });
  const text = await readWholeLog(ctx.redis, p.logKey, ctx.options.logLimitBytes).catch(() => note);
  await writeFile(logFileOf(dir), text.endsWith(note) ? text : text + note);
  const now = new Date().toISOString();
  const result: RunResult = { result: 'error', exitCode: null, message, startedAt: now, finishedAt: now };
  try {
    await uploadOutputs(ctx.client, p.jobId, attempt, dir, result, ctx.options, opts, (claim.inputs ?? []).map((i) => i.name));
  } finally {
    await ctx.workDirs.remove(dir);
  }
  return result;
}

export const runnerProcessId = (name: string): string => `${name}@${hostname()}:${process.pid}`;
