// GET /api/v1/apps/NAME/versions/V/image?format=…: a ready version's image as a file for HPC
// runtimes (docker load, podman, Charliecloud, Apptainer), for whoever may see the app. Built
// once per version on the server's disk and streamed from there (image-export/).
import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import type { ImageFormat } from '../../schemas/index.js';
import { AllgoError, BadRequestError, ExportFailedError } from '../errors.js';
import { IMAGE_FORMATS, isImageFormat } from '../image-export/image-exports.js';
import type { ApiDeps } from './context.js';
import { contentResponse, def, errors } from './api-schemas.js';
import { readyVersion, versionParams } from './app-lookup.js';

const FORMATS = Object.keys(IMAGE_FORMATS).join(', ');

export async function appImageRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, imageExports } = deps;
  app.get<{ Params: { name: string; version: string }; Querystring: { format?: string } }>(
    '/api/v1/apps/:name/versions/:version/image',
    {
      schema: {
        tags: ['apps'],
        summary: 'A ready version\'s image as a file to run offline: docker-archive, oci (an OCI layout tar) or squashfs (its root file system). Built on first request, then cached',
        params: versionParams,
        querystring: { type: 'object', properties: { format: { type: 'string', description: String(def('ImageFormat').description) } } },
        response: { 200: contentResponse('the image file', { 'application/x-tar': 'Binary', 'application/octet-stream': 'Binary' }), ...errors(400, 401, 404, 409, 500) },
      },
    },
    async (req, reply) => {
      const { format } = req.query;
      // Checked here rather than by the schema's enum, so the answer names the formats.
      if (!isImageFormat(format)) throw new BadRequestError(`format must be one of ${FORMATS}, not ${JSON.stringify(format ?? '')}`, 'bad_format');
      const { a, v } = readyVersion(store, req.params.name, req.params.version, req.user);
      const file = await imageExports.file(v, format).catch((err: Error) => {
        if (err instanceof AllgoError) throw err;
        req.log.error({ err, app: a.name, version: v.label, format }, 'image export failed');
        throw new ExportFailedError(`could not export the image of ${a.name} ${v.label} as ${format}: ${err.message}`);
      });
      reply.header('content-length', String(file.size));
      reply.header('content-disposition', `attachment; filename="${fileName(a.name, v.label, format)}"`);
      reply.type(IMAGE_FORMATS[format].type);
      return reply.send(createReadStream(file.path));
    },
  );
}

/** app-1.0.docker.tar: the version's label kept to what a file name may hold. */
const fileName = (app: string, label: string, format: ImageFormat): string => `${app}-${label.replace(/[^A-Za-z0-9._-]/g, '_')}${IMAGE_FORMATS[format].suffix}`;
