// Result downloads: /datastore/<job>/<key>/<file>. The key is the capability: these URLs
// need no token, so a result can be shared by sharing its link.
import type { FastifyInstance } from 'fastify';
import { NotFoundError, AllgoError } from '../errors.js';
import type { ApiDeps } from './context.js';
import { contentResponse, errors } from './api-schemas.js';

const INLINE = /\.(txt|log|csv|tsv|json|md)$/i;

export async function datastoreRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get<{ Params: { job: string; key: string; file: string } }>(
    '/datastore/:job/:key/:file',
    {
      schema: {
        tags: ['files'],
        summary: 'Download a job\'s file: the link is the capability, no token needed',
        params: { type: 'object', required: ['job', 'key', 'file'], properties: { job: { type: 'string' }, key: { type: 'string' }, file: { type: 'string' } } },
        response: { 200: contentResponse('the file: text inline, anything else as an attachment', { 'application/octet-stream': 'Binary', 'text/plain': 'Text' }), ...errors(404, 410) },
      },
    },
    async (req, reply) => {
    const { job: jobId, key, file } = req.params;
    const missing = new NotFoundError('no such file (the link may be mistyped)');
    const job = /^\d+$/.test(jobId) ? deps.store.jobs.byId(Number(jobId)) : null;
    if (!job || !deps.keys.matches(job, key)) throw missing;
    if (job.state === 'archived' || job.state === 'deleted') throw new AllgoError('gone', 410, `the files of job ${job.id} have expired`);
    if (file.includes('/') || file === '.' || file === '..') throw missing;
    const f = await deps.datastore.open(job.id, file);
    if (!f) throw missing;
    // User-made files are never rendered as pages on this origin.
    reply.header('x-content-type-options', 'nosniff');
    reply.header('content-security-policy', "default-src 'none'; sandbox");
    reply.header('content-length', f.size);
    if (INLINE.test(file)) reply.type('text/plain; charset=utf-8');
    else {
      reply.type('application/octet-stream');
      reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file)}`);
    }
    return reply.send(f.handle.createReadStream());
  },
  );
}
