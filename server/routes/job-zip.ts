// GET /api/v1/jobs/N/files.zip: every file of a job in one zip, written as it is sent (yazl
// streams each file in turn, nothing is built in memory). Open to whoever may see the job:
// its owner or an admin with a token, or anyone with the job's key, as the download links.
import type { FastifyInstance } from 'fastify';
import { ZipFile } from 'yazl';
import { AllgoError, notFound } from '../errors.js';
import type { ApiDeps } from './context.js';
import { contentResponse, errors, jobIdParams } from './api-schemas.js';

export async function jobZipRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, datastore, keys } = deps;
  app.get<{ Params: { id: string }; Querystring: { key?: string } }>(
    '/api/v1/jobs/:id/files.zip',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Every file of a job as one zip, streamed: with a token, or with the job\'s key as its download links',
        params: jobIdParams,
        querystring: { type: 'object', properties: { key: { type: 'string', description: 'The job\'s key (in its zip_url and download links): no token needed' } } },
        response: { 200: contentResponse('a zip of the job\'s folder', { 'application/zip': 'Binary' }), ...errors(404, 410) },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const job = /^\d+$/.test(id) ? store.jobs.byId(Number(id)) : null;
      const user = req.user;
      const allowed = !!job && job.state !== 'deleted' && ((req.query.key !== undefined && keys.matches(job, req.query.key)) || (!!user && (user.isAdmin || user.id === job.userId)));
      if (!job || !allowed) throw notFound.job(id);
      if (job.state === 'archived') throw new AllgoError('gone', 410, `the files of job ${job.id} have expired`);
      const files = await datastore.list(job.id);
      const zip = new ZipFile();
      for (const f of files) {
        zip.addReadStreamLazy(f.name, { size: f.size }, (cb) => {
          datastore.open(job.id, f.name).then(
            (opened) => (opened ? cb(null, opened.handle.createReadStream()) : cb(new Error(`${f.name} vanished`), undefined as never)),
            (err: unknown) => cb(err, undefined as never),
          );
        });
      }
      zip.end();
      reply.header('x-content-type-options', 'nosniff');
      reply.header('content-disposition', `attachment; filename="job-${job.id}.zip"`);
      reply.type('application/zip');
      return reply.send(zip.outputStream);
    },
  );
}
