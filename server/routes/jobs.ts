// The jobs API, compatible with A||GO's: POST /api/v1/jobs (multipart, job[webapp_id],
// job[param], files[N], and typed job[params][ID] and files[ID]; or JSON without files) and GET /api/v1/jobs/N with the file → URL map and the status.
// The work is the jobs service's (server/jobs/): these routes check who asks and answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError } from '../errors.js';
import { LOG_FILE } from '../../common/files.js';
import { isFinishedJob } from '../../common/states.js';
import { runLogKey } from '../../common/queues.js';
import { readWholeLog } from '../../common/log-stream.js';
import { LOG_SLACK_BYTES } from '../staging.js';
import type { JobCancelled, JobCreated, JobList, JobStartEstimate, JobStatus } from '../../schemas/index.js';
import type { Job, User } from '../store/index.js';
import { inputLimitOf, submitJob } from '../jobs/submit-job.js';
import { UploadSlots } from '../jobs/upload-slots.js';
import { readMultipart } from '../jobs/read-multipart.js';
import { readJson } from '../jobs/read-json.js';
import { VersionInputs } from '../jobs/typed-params.js';
import { cancelJob, deleteJob } from '../jobs/cancel-job.js';
import { rerunReader } from '../jobs/rerun-job.js';
import { type ApiDeps, requireUser, jobUrl } from './context.js';
import type { JobFile } from '../datastore.js';
import { jobStatus, jobSummary } from './job-bodies.js';
import { jobStatusSerializers } from './job-status-serializer.js';
import { def, errors, jobIdParams, textResponse } from './api-schemas.js';
import { estimateStart } from '../jobs/start-estimate.js';
import { uploadRoutes } from '../plugins/uploads.js';
import { visibleJob } from './job-access.js';

type ById = { Params: { id: string } };

const JSON_TYPE = 'application/json; charset=utf-8';

export async function jobRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { config, store, datastore, queues } = deps;
  const uploads = new UploadSlots(config.uploadsPerUser);
  const submitDeps = { ...deps, inputs: new VersionInputs() };
  /** The answer of a done job, by its kept file listing (see below): it goes with the listing. */
  const doneAnswers = new WeakMap<readonly JobFile[], { jobId: number; base: string; body: string }>();

  /** A waiting job's place in line, and when it may start. */
  const waitingFacts = async (job: Job): Promise<{ position: number | null; estimate?: JobStartEstimate }> => {
    const position = await queues.position(job.queue, job.id).catch(() => null);
    if (position === null) return { position };
    const concurrency = config.queues.find((q) => q.name === job.queue)?.concurrency ?? null;
    const h = store.queueHistory;
    return { position, estimate: estimateStart({ queue: job.queue, position, durations: h.recentDurations(job.queue), running: h.running(job.queue), concurrency, now: Date.now() }) };
  };

  await uploadRoutes(app, (scope) => {
    scope.post<{ Reply: JobCreated }>(
      '/api/v1/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Submit a job (A||GO compatible)',
          consumes: ['multipart/form-data', 'application/json'],
          body: def('JobSubmission'),
          response: { 200: def('JobCreated'), ...errors(400, 401, 404, 409, 413, 429, 503) },
        },
        // The multipart body is read as a stream and checked field by field by the reader.
        validatorCompiler: () => () => true,
      },
      async (req) => {
        const user = requireUser(req);
        if (!req.isMultipart()) {
          if (!req.headers['content-type']?.startsWith('application/json')) throw new BadRequestError('send the job as multipart/form-data (job[webapp_id], job[param], job[params][ID], files[0], …) or, without files, as JSON ({"app", "params"})');
          const job = await submitJob(submitDeps, user, readJson(req.body), req);
          return { id: job.id, url: jobUrl(req, job.id), avg_time: 0 };
        }
        const release = uploads.take(user.id);
        // Given back once the body is read or the client is gone, whichever the handler sees last.
        req.raw.once('close', release);
        try {
          const job = await submitJob(submitDeps, user, readMultipart((limits) => req.parts({ limits }), config, inputLimitOf(store, user)), req);
          return { id: job.id, url: jobUrl(req, job.id), avg_time: 0 };
        } finally {
          release();
        }
      },
    );
  });

  app.get<{ Querystring: { limit?: string; before?: string }; Reply: JobList }>(
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
        jobs: jobs.map((j) => jobSummary(req, j)),
        next: jobs.length === limit ? `/api/v1/jobs?limit=${limit}&before=${jobs[jobs.length - 1].id}` : null,
      };
    },
  );

  // A string is an answer already serialized (a done job's, kept).
  app.get<ById & { Reply: JobStatus | string }>(
    '/api/v1/jobs/:id',
    {
      schema: { tags: ['jobs'], summary: 'A job: A||GO\'s {"<id>": {file: url}, "status"} and more', params: jobIdParams, response: { 200: def('JobStatus'), ...errors(401, 404) } },
      serializerCompiler: jobStatusSerializers,
    },
    // Not an async function: a done job polled again is answered without waiting on anything.
    (req, reply) => {
      const job = visibleJob(store, req.params.id, requireUser(req));
      // A done job's record no longer changes but to leave `done`, and its kept listing is
      // replaced when its files change: its answer is made once per link base, then reused.
      const listing = datastore.keptFilesOf(job);
      const kept = listing && doneAnswers.get(listing);
      if (kept?.jobId === job.id && kept.base === req.publicUrl) {
        reply.type(JSON_TYPE).send(kept.body);
        return;
      }
      return answer(req, reply, job);
    },
  );

  const answer = async (req: FastifyRequest, reply: FastifyReply, job: Job): Promise<JobStatus | string> => {
    const files = await datastore.filesOf(job);
    if (job.state !== 'done') {
      const waiting = job.state === 'waiting' ? await waitingFacts(job) : null;
      return jobStatus(req, job, deps.keys.keyFor(job), files, waiting, store.progress.get(job.id));
    }
    const body = reply.serialize(jobStatus(req, job, deps.keys.keyFor(job), files, null, store.progress.get(job.id))) as string;
    doneAnswers.set(files, { jobId: job.id, base: req.publicUrl, body });
    reply.type(JSON_TYPE);
    return body;
  };

  // The same job again: its version (or another), parameters and inputs; a new job of the caller's.
  app.post<ById & { Reply: JobCreated }>(
    '/api/v1/jobs/:id/rerun',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job again: the same version, parameters and inputs (copied), always run for real; a re-run on the same version whose outputs differ is flagged not_reproduced',
        params: jobIdParams,
        body: def('JobRerun'),
        response: { 200: def('JobCreated'), ...errors(400, 401, 404, 409, 410, 429, 503) },
      },
    },
    async (req) => {
      const user = requireUser(req);
      const original = visibleJob(store, req.params.id, user);
      const job = await submitJob(submitDeps, user, rerunReader(deps, original, req.body), req);
      return { id: job.id, url: jobUrl(req, job.id), avg_time: 0 };
    },
  );

  const cancelled = { 200: def('JobCancelled'), 202: def('JobCancelled') };
  type Cancelled = ById & { Reply: { 200: JobCancelled; 202: JobCancelled } };

  // Cancels a job that has not finished; deletes the files of one that has.
  app.delete<Cancelled>(
    '/api/v1/jobs/:id',
    { schema: { tags: ['jobs'], summary: 'Cancel an unfinished job, or delete a finished job\'s files', params: jobIdParams, response: { ...cancelled, ...errors(401, 404) } } },
    async (req, reply) => {
      const body = await deleteJob(deps, visibleJob(store, req.params.id, requireUser(req)));
      return reply.code(body.status === 'aborting' ? 202 : 200).send(body);
    },
  );

  // Cancel only: a job that finished meanwhile keeps its result and its files.
  app.post<Cancelled>(
    '/api/v1/jobs/:id/cancel',
    { schema: { tags: ['jobs'], summary: 'Cancel a job that has not finished (never deletes anything)', params: jobIdParams, response: { ...cancelled, ...errors(401, 404, 409) } } },
    async (req, reply) => {
      const body = await cancelJob(deps, visibleJob(store, req.params.id, requireUser(req)));
      return reply.code(body.status === 'aborting' ? 202 : 200).send(body);
    },
  );

  app.get<ById>(
    '/api/v1/jobs/:id/log',
    { schema: { tags: ['jobs'], summary: 'The job\'s log so far', params: jobIdParams, response: { 200: textResponse('allgo.log: stdout and stderr as they came'), ...errors(401, 404) } } },
    async (req, reply) => {
      const job = visibleJob(store, req.params.id, requireUser(req));
      reply.type('text/plain; charset=utf-8');
      // Until its outputs are committed, a job's log is on its runner host: the live copy is in Redis.
      if (!isFinishedJob(job.state)) return reply.send(await readWholeLog(deps.redis, runLogKey(config.redisPrefix, job.id), config.logLimitBytes + LOG_SLACK_BYTES));
      const f = await datastore.open(job.id, LOG_FILE);
      if (!f) return reply.send('');
      reply.header('content-length', f.size);
      return reply.send(f.handle.createReadStream());
    },
  );
}
