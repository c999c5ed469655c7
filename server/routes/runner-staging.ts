// The runner protocol's server side (common/runner-protocol.ts): a runner's hello, and a
// job's staging: inputs down, outputs and log up, then one commit that makes the job `done`.
// Every call needs a runner token; staging calls also a signature for the job's attempt.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../common/config.js';
import { RUNNER_ROUTES, STAGING_CHUNK_BYTES, type StagingUse } from '../../common/runner-protocol.js';
import { SIGNATURE_HEADER } from '../../common/internal-http.js';
import { isFinishedJob } from '../../common/states.js';
import type { RunResult, RunnerHello, Validators } from '../../schemas/index.js';
import type { Store, Job } from '../store/index.js';
import type { Datastore } from '../datastore.js';
import type { Staging } from '../staging.js';
import { stagingScope, type Signer } from '../signer.js';
import type { RunnerAuth } from '../runner-auth.js';
import type { ServerEvents } from '../events.js';
import { BadRequestError, JobFinishedError, NotFoundError, StaleAttemptError } from '../errors.js';
import type { HeldJobs } from '../jobs/held-jobs.js';
import { recordOutputs } from '../provenance/record-outputs.js';

export interface RunnerStagingDeps {
  config: Readonly<Config>;
  store: Store;
  datastore: Datastore;
  staging: Staging;
  signer: Signer;
  auth: RunnerAuth;
  validators: Validators;
  events: ServerEvents;
  /** Jobs held back by their user's max_running. */
  held: HeldJobs;
  version: string;
}

type AttemptParams = { job: string; attempt: string };
type FileParams = AttemptParams & { name: string };

// Route patterns, from the shapes the runner uses.
const pattern = (make: (j: number, a: number, n: string) => string) => make(1, 2, 'NAME').replace('/1/', '/:job/').replace('/2/', '/:attempt/').replace('NAME', ':name');

export async function runnerStagingRoutes(app: FastifyInstance, deps: RunnerStagingDeps): Promise<void> {
  const { store, config, signer } = deps;
  // Uploads are streamed to disk as they come, never buffered: Staging reads the raw request.
  app.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null));

  app.addHook('onRequest', async (req) => {
    (req as FastifyRequest & { runnerName?: string }).runnerName = deps.auth(req);
  });
  const runnerOf = (req: FastifyRequest): string => (req as FastifyRequest & { runnerName: string }).runnerName;

  /** The job and attempt named in the path, checked against the store; `current`: must be the claimed one. */
  const attemptOf = (params: AttemptParams): { job: Job; attempt: number } => {
    const id = /^\d+$/.test(params.job) ? Number(params.job) : NaN;
    const attempt = /^\d+$/.test(params.attempt) ? Number(params.attempt) : NaN;
    const job = Number.isInteger(id) ? store.jobs.byId(id) : null;
    if (!job || !(attempt >= 1)) throw new NotFoundError(`no job ${params.job} attempt ${params.attempt}`);
    return { job, attempt };
  };
  const current = (job: Job, attempt: number): void => {
    if (isFinishedJob(job.state)) throw new JobFinishedError(job.id);
    if (job.attempt !== attempt) throw new StaleAttemptError(job.id, attempt, job.attempt);
  };
  const signed = (req: FastifyRequest, use: StagingUse, job: Job, attempt: number): void => {
    signer.verify(req.headers[SIGNATURE_HEADER] as string | undefined, stagingScope(use, job.id, attempt));
  };
  const grant = (use: StagingUse, job: Job, attempt: number) => {
    // Announced a little early: the signature itself expires on the next whole second.
    const expiresAt = new Date(Date.now() + config.stagingTtlMs).toISOString();
    return { signature: signer.sign(stagingScope(use, job.id, attempt), config.stagingTtlMs), expiresAt };
  };
  const resultOf = (job: Job): RunResult => ({
    result: job.result ?? 'error',
    exitCode: job.exitCode,
    message: job.message ?? 'the job ended',
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
  });

  app.post('/internal/runner/hello', async (req) => {
    if (!deps.validators.runnerHelloRequest(req.body)) throw new BadRequestError('bad hello: send {version, labels}');
    const hello: RunnerHello = {
      name: runnerOf(req),
      version: deps.version,
      redisPrefix: config.redisPrefix,
      queues: config.queues.map((q) => ({ name: q.name, labels: [...q.labels], ...(q.slurm ? { slurm: { ...q.slurm, options: [...(q.slurm.options ?? [])] } } : {}) })),
      runner: {
        concurrency: config.runnerConcurrency,
        user: config.runnerUser,
        pidsLimit: config.pidsLimit,
        outputLimitBytes: config.outputLimitBytes,
        maxFiles: config.maxFiles,
        logLimitBytes: config.logLimitBytes,
        tmpMb: config.tmpMb,
        lockDurationMs: config.lockDurationMs,
        heartbeatMs: config.heartbeatMs,
      },
    };
    return hello;
  });

  app.post<{ Params: AttemptParams }>(pattern(RUNNER_ROUTES.claim), async (req) => {
    const { job, attempt } = attemptOf(req.params);
    // A first claim only: a job already started (re-attached, or started again) keeps its slot.
    // Nothing is awaited from this check to the claim, so two claims cannot both pass it.
    if (job.attempt === 0 && !isFinishedJob(job.state)) {
      const wait = deps.held.check(job);
      if (wait) return { wait };
    }
    const claimed = store.jobs.claimAttempt(job.id, attempt, runnerOf(req));
    if (claimed === 'finished') return { finished: resultOf(job) };
    if (claimed === 'stale') throw new StaleAttemptError(job.id, attempt, store.jobs.byId(job.id)!.attempt);
    if (claimed === 'missing') throw new NotFoundError(`no job ${job.id}`);
    // Earlier attempts' half-uploads are dead now: the fence above refuses their commits.
    await deps.staging.discard(job.id, attempt);
    return { grant: grant('inputs', job, attempt), inputs: await deps.datastore.list(job.id) };
  });

  app.get<{ Params: FileParams }>(pattern(RUNNER_ROUTES.input), async (req, reply) => {
    const { job, attempt } = attemptOf(req.params);
    signed(req, 'inputs', job, attempt);
    current(job, attempt);
    const f = await deps.datastore.open(job.id, req.params.name);
    if (!f) throw new NotFoundError(`job ${job.id} has no input ${JSON.stringify(req.params.name)}`);
    reply.header('content-length', f.size).type('application/octet-stream');
    return reply.send(f.handle.createReadStream({ highWaterMark: STAGING_CHUNK_BYTES }));
  });

  app.post<{ Params: AttemptParams }>(pattern(RUNNER_ROUTES.uploads), async (req) => {
    const { job, attempt } = attemptOf(req.params);
    current(job, attempt);
    return grant('outputs', job, attempt);
  });

  app.put<{ Params: FileParams }>(pattern(RUNNER_ROUTES.output), async (req) => {
    const { job, attempt } = attemptOf(req.params);
    signed(req, 'outputs', job, attempt);
    current(job, attempt);
    const size = await deps.staging.receive(job.id, attempt, req.params.name, req.raw);
    return { name: req.params.name, size };
  });

  app.post<{ Params: AttemptParams }>(pattern(RUNNER_ROUTES.commit), { bodyLimit: 64 * 1024 * 1024 }, async (req) => {
    const { job, attempt } = attemptOf(req.params);
    signed(req, 'outputs', job, attempt);
    // A commit repeated after its answer was lost finds the job ended by itself: that is success.
    if (isFinishedJob(job.state) && job.attempt === attempt) return { committed: true };
    current(job, attempt);
    const body = req.body;
    if (!deps.validators.commitRequest(body)) throw new BadRequestError(`bad commit: ${JSON.stringify(deps.validators.commitRequest.errors)}`, 'bad_commit');
    await deps.staging.commit(job.id, attempt, body);
    // Counted once, as the files never change after: the user's storage is the sum (user-limits.ts).
    store.jobs.setBytes(job.id, (await deps.datastore.list(job.id)).reduce((n, f) => n + f.size, 0));
    await recordOutputs(store, deps.datastore, job, body.files.map((f) => f.name));
    const r = body.result;
    store.jobs.finish(job.id, { result: r.result, exitCode: r.exitCode, message: r.message, startedAt: r.startedAt, finishedAt: r.finishedAt });
    await deps.staging.discard(job.id);
    deps.events.emit('job', job.id);
    req.log.info({ jobId: job.id, attempt, runner: runnerOf(req), files: body.files.length }, 'job outputs committed');
    return { committed: true };
  });
}
