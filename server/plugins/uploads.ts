// The routes that take multipart bodies (a job's files, a session's input files), in a scope of
// their own with @fastify/multipart: the plugin hooks every request of the scope it is in (an
// onResponse that cleans up saved files), which showed in the cost of every polled GET. Any
// other route answers a multipart body with 415.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';

export async function uploadRoutes(app: FastifyInstance, routes: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    // preservePath: see the name as sent, so a path in it is refused rather than silently cut.
    await scope.register(multipart, { preservePath: true });
    routes(scope);
  });
}
