// The API reference: OpenAPI 3.1 at /api/openapi.json, browsable at /api/docs, built from the
// routes' own schemas (which come from schemas/api.schema.json). Register it before the
// routes: it collects each route as it is added.
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { packageVersion } from '../../common/version.js';

export interface OpenApiOptions {
  /** The servers entry: where the reference's "try it" calls go; null: wherever the reference was read from. */
  publicUrl: string | null;
}

export const openapi = fp<OpenApiOptions>(
  async (app, { publicUrl }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'allgo API',
          version: packageVersion(),
          description: 'Run published command-line apps as jobs. Compatible with A||GO\'s API v1: POST /api/v1/jobs and GET /api/v1/jobs/N work unchanged.',
        },
        // A relative server URL is the document's own origin (OpenAPI 3.1, §4.8.5).
        servers: [{ url: publicUrl ?? '/' }],
        components: {
          securitySchemes: {
            token: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token token=<your token>` (A||GO\'s form) or `Bearer <your token>`' },
          },
        },
        security: [{ token: [] }],
        tags: [
          { name: 'jobs', description: 'Submit, follow, cancel jobs' },
          { name: 'apps', description: 'Published apps and their versions' },
          { name: 'users', description: 'Accounts and tokens' },
          { name: 'files', description: 'Result downloads' },
          { name: 'system', description: 'Queues and health' },
          { name: 'runners', description: 'Runner hosts and their tokens (admins)' },
          { name: 'webhooks', description: 'Jobs\' webhooks: your default one, your signing secret, each delivery and its attempts' },
        ],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/api/docs' });
    app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'allgo-openapi', fastify: '5.x' },
);
