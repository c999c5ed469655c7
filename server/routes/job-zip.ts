// GET /api/v1/jobs/N/files.zip: every file of a job in one zip, written as it is sent (yazl
// streams each file in turn, nothing is built in memory). Open to whoever may see the job:
// its owner or an admin with a token, or anyone with the job's key, as the download links.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Datastore } from '../datastore.js';
import { ZipFile } from 'yazl';
import { jobByKeyOrToken, keyQuery, requireFiles } from './job-access.js';
import type { ApiDeps } from './context.js';
import { contentResponse, errors, jobIdParams } from './api-schemas.js';

export async function jobZipRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { datastore } = deps;
  app.get<{ Params: { id: string }; Querystring: { key?: string } }>(
    '/api/v1/jobs/:id/files.zip',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Every file of a job as one zip, streamed: with a token, or with the job\'s key as its download links',
        params: jobIdParams,
        querystring: keyQuery,
        response: { 200: contentResponse('a zip of the job\'s folder', { 'application/zip': 'Binary' }), ...errors(404, 410) },
      },
    },
    async (req, reply) => {
      const job = jobByKeyOrToken(deps, req);
      requireFiles(job);
      const files = await datastore.list(job.id);
      const zip = new ZipFile();
      for (const f of files) addJobFile(zip, datastore, job.id, f.name, f.name, f.size);
      return sendZip(reply, zip, `job-${job.id}.zip`);
    },
  );
}

/** Adds a file of the job's folder as `entry`, opened only when the zip reaches it. */
export function addJobFile(zip: ZipFile, datastore: Datastore, jobId: number, name: string, entry: string, size: number): void {
  zip.addReadStreamLazy(entry, { size }, (cb) => {
    datastore.open(jobId, name).then(
      (opened) => (opened ? cb(null, opened.handle.createReadStream()) : cb(new Error(`${name} vanished`), undefined as never)),
      (err: unknown) => cb(err, undefined as never),
    );
  });
}

export function sendZip(reply: FastifyReply, zip: ZipFile, fileName: string): FastifyReply {
  zip.end();
  reply.header('content-disposition', `attachment; filename="${fileName}"`);
  reply.type('application/zip');
  return reply.send(zip.outputStream);
}
