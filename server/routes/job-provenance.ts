// How a job was made: GET /api/v1/jobs/N/provenance (its RO-Crate metadata, also for an
// archived job: the record outlives the files) and GET /api/v1/jobs/N/crate.zip (that
// metadata with the files it lists, streamed). Open as files.zip is: a token or the job's key.
import type { FastifyInstance } from 'fastify';
import { ZipFile } from 'yazl';
import type { Job } from '../store/index.js';
import { METADATA_FILE, cratePath, crateFiles, roCrate, type CrateFiles } from '../provenance/ro-crate.js';
import { jobByKeyOrToken, keyQuery, requireFiles } from './job-access.js';
import { addJobFile, sendZip } from './job-zip.js';
import type { ApiDeps } from './context.js';
import { contentResponse, errors, jobIdParams } from './api-schemas.js';

type Req = { Params: { id: string }; Querystring: { key?: string } };

export async function jobProvenanceRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, datastore } = deps;

  const crateOf = async (job: Job, publicUrl: string): Promise<{ files: CrateFiles; crate: ReturnType<typeof roCrate> }> => {
    const present = new Set(job.state === 'archived' ? [] : (await datastore.filesOf(job)).map((f) => f.name));
    const files = crateFiles(job, present);
    // A job's app and version are never deleted while its record is kept.
    const crate = roCrate({ job, app: store.apps.byId(job.appId)!, version: store.versions.byId(job.versionId)!, publicUrl, files });
    return { files, crate };
  };

  app.get<Req>(
    '/api/v1/jobs/:id/provenance',
    {
      schema: {
        tags: ['jobs'],
        summary: 'How the job was made, as an RO-Crate 1.1 ro-crate-metadata.json (Process Run Crate): tool, version, image digest, parameters, inputs and outputs with their SHA-256',
        params: jobIdParams,
        querystring: keyQuery,
        response: { 200: contentResponse('ro-crate-metadata.json', { 'application/ld+json': 'RoCrate' }), ...errors(404) },
      },
    },
    async (req, reply) => {
      const { crate } = await crateOf(jobByKeyOrToken(deps, req), req.publicUrl);
      return reply.type('application/ld+json; charset=utf-8').send(JSON.stringify(crate, null, 2));
    },
  );

  app.get<Req>(
    '/api/v1/jobs/:id/crate.zip',
    {
      schema: {
        tags: ['jobs'],
        summary: 'The job\'s RO-Crate: ro-crate-metadata.json with its outputs, its log and its unchanged inputs, streamed as one zip',
        params: jobIdParams,
        querystring: keyQuery,
        response: { 200: contentResponse('an RO-Crate as a zip', { 'application/zip': 'Binary' }), ...errors(404, 410) },
      },
    },
    async (req, reply) => {
      const job = jobByKeyOrToken(deps, req);
      requireFiles(job);
      const { files, crate } = await crateOf(job, req.publicUrl);
      const zip = new ZipFile();
      zip.addBuffer(Buffer.from(JSON.stringify(crate, null, 2)), METADATA_FILE);
      for (const f of files.inputs) addJobFile(zip, datastore, job.id, f.name, cratePath('input', f.name), f.size);
      for (const f of files.outputs) addJobFile(zip, datastore, job.id, f.name, cratePath('output', f.name), f.size);
      if (files.log) addJobFile(zip, datastore, job.id, files.log.name, cratePath('log', files.log.name), files.log.size);
      return sendZip(reply, zip, `job-${job.id}-crate.zip`);
    },
  );
}
