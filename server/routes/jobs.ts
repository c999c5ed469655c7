// The jobs API, compatible with A||GO's: POST /api/v1/jobs (multipart, job[webapp_id],
// job[param], files[N]) and GET /api/v1/jobs/N with the file → URL map and the status.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { BadRequestError, ConflictError, PayloadTooLargeError, UnavailableError, notFound } from '../errors.js';
import { maySee } from '../auth.js';
import { checkUploadName } from '../datastore.js';
import { LOG_FILE } from '../../common/files.js';
import { isFinishedJob, QUEUED_JOB_STATES } from '../../common/states.js';
import { splitParams, entrypointArgv, ParamsError } from '../../common/split-params.js';
import { runLogKey, abortKey, abortChannel } from '../../common/queues.js';
import type { App, Job, User, Version } from '../store/index.js';
import { type ApiDeps, requireUser, jobUrl } from './context.js';
import { def, errors, jobIdParams, textResponse } from './api-schemas.js';

const FILE_FIELD = /^files(\[\d*\])?$/;
const MB = 1024 * 1024;

export async function jobRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { config, store, datastore, queues } = deps;

  const visibleJob = (id: string, user: User): Job => {
    const job = /^\d+$/.test(id) ? store.jobs.byId(Number(id)) : null;
    if (!job || (job.userId !== user.id && !user.isAdmin) || job.state === 'deleted') throw notFound.job(id);
    return job;
  };

  const fileUrl = (job: Job, name: string): string => `${config.publicUrl}/datastore/${job.id}/${job.accessKey}/${encodeURIComponent(name)}`;

  app.post(
    '/api/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job (A||GO compatible)',
        consumes: ['multipart/form-data'],
        body: def('JobSubmission'),
        response: { 200: def('JobCreated'), ...errors(400, 401, 404, 409, 413, 503) },
      },
      // The multipart body is read as a stream and checked field by field in the handler.
      validatorCompiler: () => () => true,
    },
    async (req, reply) => {
    const user = requireUser(req);
    if (!req.isMultipart()) throw new BadRequestError('send the job as multipart/form-data: job[webapp_id], job[param], files[0], …');
    const staging = await datastore.newStaging();
    try {
      const fields: Record<string, string> = {};
      const names = new Set<string>();
      let total = 0;
      const parts: AsyncIterableIterator<Multipart> = req.parts({ limits: { fileSize: config.uploadLimitBytes, files: config.uploadMaxFiles, fields: 100, fieldSize: MB } });
      try {
        for await (const part of parts) {
          if (part.type === 'field') {
            fields[part.fieldname] = String(part.value);
            continue;
          }
          if (!FILE_FIELD.test(part.fieldname)) {
            part.file.resume();
            throw new BadRequestError(`unexpected file field "${part.fieldname}": send input files as files[0], files[1], …`);
          }
          const name = checkUploadName(part.filename);
          if (names.has(name)) throw new BadRequestError(`two input files are named ${JSON.stringify(name)}`, 'bad_file_name');
          names.add(name);
          await pipeline(part.file, createWriteStream(join(staging, name), { flags: 'wx', mode: 0o644 }));
          total += part.file.bytesRead;
          if (total > config.uploadLimitBytes) throw tooLarge(config.uploadLimitBytes);
        }
      } catch (err) {
        const e = err as { code?: string };
        if (e.code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(config.uploadLimitBytes);
        if (e.code === 'FST_FILES_LIMIT') throw new PayloadTooLargeError(`a job takes at most ${config.uploadMaxFiles} input files`);
        throw err;
      }

      const appRef = fields['job[webapp_id]'] ?? fields['job[webapp_name]'];
      if (!appRef) throw new BadRequestError('missing job[webapp_id]: the id or name of the app to run');
      const target = resolveApp(appRef, user);
      const version = resolveVersion(target, fields['job[version]']);
      const manifest = version.manifest;
      if (manifest.input_limit && total > manifest.input_limit * MB) {
        throw new PayloadTooLargeError(`${target.name} accepts at most ${manifest.input_limit} MB of input files per job (got ${(total / MB).toFixed(1)} MB)`);
      }
      const queueName = fields['job[queue]'] || manifest.queue || config.defaultQueue;
      const queue = config.queues.find((q) => q.name === queueName);
      if (!queue) throw new BadRequestError(`unknown queue "${queueName}": use one of ${config.queues.map((q) => q.name).join(', ')}`, 'unknown_queue');
      const param = fields['job[param]'] ?? '';
      let argv: string[];
      try {
        argv = [...entrypointArgv(manifest.entrypoint), ...splitParams(param)];
      } catch (err) {
        if (err instanceof ParamsError) throw new BadRequestError(`job[param]: ${err.message}`, 'bad_param');
        throw err;
      }

      const job = store.jobs.create({ userId: user.id, appId: target.id, versionId: version.id, param, queue: queue.name });
      try {
        const workdir = await datastore.adopt(staging, job.id);
        await queues.enqueueRun(
          {
            jobId: job.id,
            // By id, not tag: a tag can be moved (another installation on the engine, a rebuild).
            image: version.imageId ?? version.image,
            argv,
            workdir,
            memoryMb: manifest.memory ?? 1024,
            ...(manifest.cpus ? { cpus: manifest.cpus } : {}),
            timeLimitMs: queue.timeLimitMs,
            queue: queue.name,
            logKey: runLogKey(config.redisPrefix, job.id),
          },
        );
      } catch (err) {
        // Not queued means not accepted: leave no half-made job behind.
        store.jobs.discard(job.id);
        await datastore.discard(datastore.jobDir(job.id));
        req.log.error({ err, jobId: job.id }, 'could not queue job');
        throw new UnavailableError(`the job could not be queued (${(err as Error).message}); try again`);
      }
      store.jobs.markWaiting(job.id);
      req.log.info({ jobId: job.id, app: target.name, version: version.label, queue: queue.name }, 'job submitted');
      return reply.send({ id: job.id, url: jobUrl(config, job.id), avg_time: 0 });
    } finally {
      await datastore.discard(staging);
    }
  },
  );

  app.get<{ Querystring: { limit?: string; before?: string } }>(
    '/api/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Your jobs, newest first',
        querystring: { type: 'object', properties: { limit: { type: 'string', description: '1 to 100, default 20' }, before: { type: 'string', description: 'A job id: list older jobs' } } },
        response: { 200: def('JobList'), ...errors(401) },
      },
    },
    async (req) => {
    const user = requireUser(req);
    const limit = Math.min(Math.max(Number(req.query.limit ?? 20) || 20, 1), 100);
    const before = Number(req.query.before) || undefined;
    const jobs = store.jobs.listForUser(user.id, limit, before);
    return {
      jobs: jobs.map((j) => describe(j)),
      next: jobs.length === limit ? `/api/v1/jobs?limit=${limit}&before=${jobs[jobs.length - 1].id}` : null,
    };
  },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/jobs/:id',
    { schema: { tags: ['jobs'], summary: 'A job: A||GO\'s {"<id>": {file: url}, "status"} and more', params: jobIdParams, response: { 200: def('JobStatus'), ...errors(401, 404) } } },
    async (req) => {
    const job = visibleJob(req.params.id, requireUser(req));
    const files = await datastore.list(job.id);
    const urls: Record<string, string> = {};
    for (const f of files) urls[f.name] = fileUrl(job, f.name);
    const waiting = job.state === 'waiting' ? await queues.position(job.queue, job.id).catch(() => null) : null;
    // The first two keys are A||GO's, kept exactly; the rest are additions old clients ignore.
    return {
      [job.id]: urls,
      status: job.state,
      ...describe(job),
      ...(waiting ? { queue_position: waiting.position, ...(waiting.more ? { queue_position_more_than: 1000 } : {}) } : {}),
      files: files.map((f) => ({ name: f.name, size: f.size, url: fileUrl(job, f.name) })),
    };
  },
  );

  // Cancels a job that has not finished; deletes the files of one that has.
  app.delete<{ Params: { id: string } }>(
    '/api/v1/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel an unfinished job, or delete a finished job\'s files',
        params: jobIdParams,
        response: { 200: def('JobCancelled'), 202: def('JobCancelled'), ...errors(401, 404) },
      },
    },
    async (req, reply) => {
    const job = visibleJob(req.params.id, requireUser(req));
    if (isFinishedJob(job.state)) {
      store.jobs.markDeleted(job.id);
      await datastore.discard(datastore.jobDir(job.id));
      deps.events.emit('job', job.id);
      return reply.send({ id: job.id, status: 'deleted' });
    }
    return cancel(job, reply);
  },
  );

  // Cancel only: a job that finished meanwhile keeps its result and its files.
  app.post<{ Params: { id: string } }>(
    '/api/v1/jobs/:id/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job that has not finished (never deletes anything)',
        params: jobIdParams,
        response: { 200: def('JobCancelled'), 202: def('JobCancelled'), ...errors(401, 404, 409) },
      },
    },
    async (req, reply) => {
      const job = visibleJob(req.params.id, requireUser(req));
      if (isFinishedJob(job.state)) throw new ConflictError(`job ${job.id} has already finished (${job.result ?? job.state}): there is nothing to cancel`);
      return cancel(job, reply);
    },
  );

  async function cancel(job: Job, reply: FastifyReply): Promise<FastifyReply> {
    if (QUEUED_JOB_STATES.has(job.state)) {
      const queued = await queues.getRunJob(job.queue, job.id);
      const state = queued ? await queued.getState() : 'missing';
      // Only a job still in line is removed; one a runner took (or just finished) is not.
      // remove() also refuses a job a runner locked meanwhile: that one is cancelled as running.
      const removed = ['waiting', 'prioritized', 'delayed', 'missing'].includes(state) && (queued ? await queued.remove().then(() => true, () => false) : true);
      if (removed) {
        store.jobs.finish(job.id, { result: 'aborted', exitCode: null, message: 'cancelled before it started' });
        deps.events.emit('job', job.id);
        return reply.send({ id: job.id, status: 'done', result: 'aborted' });
      }
    }
    await deps.redis.multi().set(abortKey(config.redisPrefix, job.id), '1', 'EX', 7 * 24 * 3600).publish(abortChannel(config.redisPrefix), String(job.id)).exec();
    store.jobs.markAborting(job.id);
    deps.events.emit('job', job.id);
    return reply.code(202).send({ id: job.id, status: 'aborting' });
  }

  app.get<{ Params: { id: string } }>(
    '/api/v1/jobs/:id/log',
    { schema: { tags: ['jobs'], summary: 'The job\'s log so far', params: jobIdParams, response: { 200: textResponse('allgo.log: stdout and stderr as they came'), ...errors(401, 404) } } },
    async (req, reply) => {
    const job = visibleJob(req.params.id, requireUser(req));
    const f = await datastore.open(job.id, LOG_FILE);
    reply.type('text/plain; charset=utf-8');
    if (!f) return reply.send('');
    reply.header('content-length', f.size);
    return reply.send(f.handle.createReadStream());
  },
  );

  function describe(j: Job) {
    return {
      id: j.id,
      app: j.appName,
      version: j.versionLabel,
      param: j.param,
      queue: j.queue,
      state: j.state,
      result: j.result,
      exit_code: j.exitCode,
      message: j.message,
      created_at: j.createdAt,
      started_at: j.startedAt,
      finished_at: j.finishedAt,
      url: jobUrl(config, j.id),
    };
  }

  function resolveApp(ref: string, user: User): App {
    const found = store.apps.byRef(ref);
    if (!found || !maySee(user, found)) throw notFound.app(ref);
    return found;
  }

  function resolveVersion(target: App, label: string | undefined): Version {
    if (label) {
      const v = store.versions.byLabel(target.id, label);
      if (!v) throw notFound.version(target.name, label);
      if (v.state !== 'ready') throw new ConflictError(`version ${label} of ${target.name} is not ready (${v.state}): pick a ready version`);
      return v;
    }
    const latest = store.versions.latestReady(target.id);
    if (!latest) throw new ConflictError(`${target.name} has no ready version yet: its provider must push one`);
    return latest;
  }
}

const tooLarge = (limit: number) => new PayloadTooLargeError(`the input files are larger than the upload limit of ${Math.round(limit / MB)} MB`);
