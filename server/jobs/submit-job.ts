// What a job submission goes through, in order:
//   read the request (its files into a staging folder) → resolve the app, the version and the
//   queue → build the argv → record the job (new) → move the folder into place → queue the
//   run → waiting. A webhook (job[webhook] or the user's default) is checked before the record
//   and kept beside it.
// Everything refused before the record leaves nothing behind; a run that cannot be queued
// removes the job and its folder again, so a submission is accepted whole or not at all.
// A request comes from a reader (multipart, read-multipart.ts, or JSON, read-json.ts), so
// another form of request only needs another reader; the argv is typed-params.ts's.
import type { LogFn } from 'pino';
import type { Config, QueueConfig } from '../../common/config.js';
import { DEFAULT_JOB_MEMORY_MB } from '../../common/manifest.js';
import { runLogKey } from '../../common/queues.js';
import type { TypedValues } from '../../common/parameters/check-values.js';
import { BadRequestError, ConflictError, PayloadTooLargeError, UnavailableError, VersionYankedError, WrongKindError, notFound } from '../errors.js';
import { defaultVersion } from '../releases.js';
import { isWebapp } from '../../common/webapp-manifest.js';
import { maySee } from '../auth.js';
import type { App, Job, Store, User, Version } from '../store/index.js';
import { runnableImage } from '../store/versions.js';
import type { Datastore } from '../datastore.js';
import type { Queues } from '../queues.js';
import type { ServerEvents } from '../events.js';
import { checkUserLimits } from './user-limits.js';
import type { ParamsRequest, VersionInputs } from './typed-params.js';
import type { FileDigest } from '../../schemas/index.js';
import { digestFiles } from '../provenance/file-digests.js';
import { cacheKeyOf, findCachedSource, stageCachedResult } from '../provenance/result-cache.js';
import { resolveJobWebhook, type WebhookAsk } from '../webhooks/webhook-request.js';

const MB = 1024 * 1024;

export interface SubmitDeps {
  config: Readonly<Config>;
  store: Store;
  datastore: Datastore;
  queues: Queues;
  inputs: VersionInputs;
  /** Told of a job served from the result cache: it ends without a runner's report. */
  events: ServerEvents;
}

/** What the user asked for. Its input files are already in the staging folder. */
export interface JobRequest extends ParamsRequest {
  /** The app's id or name. */
  app: string;
  /** Default: the app's default version (releases.ts). */
  version?: string;
  /** Default: the app's queue, else the server's. */
  queue?: string;
  /** Bytes of input files staged. */
  inputBytes: number;
  /** Names of the input files staged: the job's answer tells them from its results. */
  inputs: string[];
  /** job[no_cache]=1: run it even when its app caches results and a result matches. */
  noCache?: boolean;
  /** A re-run's original (server/jobs/rerun-job.ts). */
  rerunOf?: number;
  /** job[webhook], job[webhook_events]: else the user's default webhook, if any. */
  webhook?: WebhookAsk;
}

/** Reads a request, writing its input files into `staging`; throws an AllgoError to refuse it. */
export type RequestReader = (staging: string) => Promise<JobRequest>;

/**
 * For a reader, before it stores any file: the input limit (bytes) of the app and version the
 * fields name, null when they name no app yet or it has no limit. An app the user may not run
 * is refused there and then, before its upload is stored.
 */
export type InputLimit = (fields: Readonly<Record<string, string>>) => { app: string; bytes: number } | null;

export function inputLimitOf(store: Store, user: User): InputLimit {
  return (fields) => {
    const ref = fields['job[webapp_id]'] ?? fields['job[webapp_name]'];
    if (!ref) return null;
    const app = resolveApp(store, user, ref);
    const limit = resolveVersion(store, app, fields['job[version]']).manifest.input_limit;
    return limit ? { app: app.name, bytes: limit * MB } : null;
  };
}

/** Everything a run needs, resolved and checked, before anything is recorded. */
interface RunPlan {
  app: App;
  version: Version;
  queue: QueueConfig;
  param: string;
  /** Recorded and shown: defaults in, secrets masked. */
  params: TypedValues | null;
  argv: string[];
  /** Recorded: secrets masked. */
  shownArgv: string[];
  /** The result cache's key, when the version caches results and no value is a secret. */
  cacheKey: string | null;
}

/** The request: its logger (what it says carries the request's id) and its link base (a webhook's body has the links its answer has). */
type Req = { log: { info: LogFn; error: LogFn }; publicUrl: string };

export async function submitJob(deps: SubmitDeps, user: User, read: RequestReader, req: Req): Promise<Job> {
  const { log } = req;
  checkUserLimits(deps.store, deps.config.userLimits, user);
  const staging = await deps.datastore.newStaging();
  try {
    const request = await read(staging);
    // The request's own fields first: a webhook the server may not call is refused whatever the app.
    const webhook = await resolveJobWebhook(deps.store, user.id, request.webhook ?? {}, { allowPrivate: deps.config.webhooks.allowPrivate });
    const inputFiles = await digestFiles(staging, request.inputs);
    const plan = planRun(deps, user, request, inputFiles);
    const job = deps.store.jobs.create({
      userId: user.id, appId: plan.app.id, versionId: plan.version.id, param: plan.param, params: plan.params, queue: plan.queue.name, inputs: request.inputs, bytes: request.inputBytes,
      argv: plan.shownArgv, inputFiles, cacheKey: plan.cacheKey, ...(request.rerunOf !== undefined ? { rerunOf: request.rerunOf } : {}),
    });
    // Before anything can end the job (the result cache does at once): its `completed` needs it.
    if (webhook) deps.store.webhooks.setForJob(job.id, webhook.url, webhook.events, req.publicUrl);
    const source = plan.cacheKey && !request.noCache ? findCachedSource(deps.store, plan.cacheKey, user.id, request.inputs) : null;
    if (source && (await serveFromCache(deps, job, source, staging))) {
      log.info({ jobId: job.id, app: plan.app.name, version: plan.version.label, cachedFrom: source.id }, 'job served from the result cache');
      return deps.store.jobs.byId(job.id)!;
    }
    try {
      await enqueue(deps, job, plan, staging);
    } catch (err) {
      await rollBack(deps, job);
      log.error({ err, jobId: job.id }, 'could not queue job');
      throw new UnavailableError(`the job could not be queued (${(err as Error).message}); try again`);
    }
    deps.store.jobs.markWaiting(job.id);
    log.info({ jobId: job.id, app: plan.app.name, version: plan.version.label, queue: plan.queue.name }, 'job submitted');
    return deps.store.jobs.byId(job.id)!;
  } finally {
    // Gone already once adopted; this clears a refused submission's files.
    await deps.datastore.discard(staging);
  }
}

function planRun(deps: SubmitDeps, user: User, request: JobRequest, inputFiles: FileDigest[]): RunPlan {
  const app = resolveApp(deps.store, user, request.app);
  const version = resolveVersion(deps.store, app, request.version);
  if (isWebapp(version.manifest)) throw new WrongKindError(app.name, 'webapp');
  checkInputSize(app, version, request.inputBytes);
  const queue = resolveQueue(deps.config, version, request.queue);
  const { argv, shown, shownArgv, secret } = deps.inputs.plan(version, app.name, request);
  const cacheKey = version.manifest.cache && !secret ? cacheKeyOf(version, argv, shown, inputFiles) : null;
  return { app, version, queue, param: request.param, params: shown, argv, shownArgv, cacheKey };
}

/** The source's result into the staging folder, which becomes the job's, done at once; false: run it instead. */
async function serveFromCache(deps: SubmitDeps, job: Job, source: Job, staging: string): Promise<boolean> {
  const staged = await stageCachedResult(deps.datastore, source, staging);
  if (!staged) return false;
  await deps.datastore.adopt(staging, job.id);
  const message = `served from the result cache (job ${source.id})`;
  const done = deps.store.jobs.finishFromCache(job.id, source, { message, outputFiles: staged.outputFiles, bytes: staged.bytes + job.bytes });
  if (done) deps.events.emit('job', job.id);
  return done;
}

export function resolveApp(store: Store, user: User, ref: string): App {
  const found = store.apps.byRef(ref);
  if (!found || !maySee(user, found)) throw notFound.app(ref);
  return found;
}

export function resolveVersion(store: Store, app: App, label: string | undefined): Version {
  if (label) {
    const v = store.versions.byLabel(app.id, label);
    if (!v) throw notFound.version(app.name, label);
    if (v.state !== 'ready') throw new ConflictError(`version ${label} of ${app.name} is not ready (${v.state}): pick a ready version`);
    if (v.yanked) throw new VersionYankedError(app.name, label, v.yanked.reason, defaultVersion(store, app)?.label ?? null);
    return v;
  }
  const chosen = defaultVersion(store, app);
  if (!chosen) throw new ConflictError(`${app.name} has no default version: its provider must push or promote one`);
  return chosen;
}

/** The server's upload limit was enforced while reading, and the app's too when its fields came first; this is the app's for the rest. */
function checkInputSize(app: App, version: Version, bytes: number): void {
  const limit = version.manifest.input_limit;
  if (limit && bytes > limit * MB) {
    throw new PayloadTooLargeError(`${app.name} accepts at most ${limit} MB of input files per job (got ${(bytes / MB).toFixed(1)} MB)`);
  }
}

function resolveQueue(config: Readonly<Config>, version: Version, asked: string | undefined): QueueConfig {
  const name = asked || version.manifest.queue || config.defaultQueue;
  const queue = config.queues.find((q) => q.name === name);
  if (!queue) throw new BadRequestError(`unknown queue "${name}": use one of ${config.queues.map((q) => q.name).join(', ')}`, 'unknown_queue');
  return queue;
}

/** Moves the staged files into the job's folder and queues the run. */
async function enqueue(deps: SubmitDeps, job: Job, plan: RunPlan, staging: string): Promise<void> {
  const { manifest } = plan.version;
  await deps.datastore.adopt(staging, job.id);
  await deps.queues.enqueueRun({
    jobId: job.id,
    image: runnableImage(plan.version),
    ...(plan.version.imageSize !== null ? { imageBytes: plan.version.imageSize } : {}),
    argv: plan.argv,
    memoryMb: manifest.memory ?? DEFAULT_JOB_MEMORY_MB,
    ...(manifest.cpus ? { cpus: manifest.cpus } : {}),
    timeLimitMs: plan.queue.timeLimitMs,
    queue: plan.queue.name,
    logKey: runLogKey(deps.config.redisPrefix, job.id),
    retries: plan.queue.retries,
  }, deps.store.usage.waitingIn(job.userId, plan.queue.name));
}

/** Not queued means not accepted: leave no half-made job behind. */
async function rollBack(deps: SubmitDeps, job: Job): Promise<void> {
  deps.store.jobs.discard(job.id);
  await deps.datastore.discardJob(job.id);
}
