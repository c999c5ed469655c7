// Every route the server has, as registered (app.allgoRoutes): the API reference test checks
// that each one not hidden is documented. Register it first, so it sees every route.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

interface RouteEntry {
  method: string;
  url: string;
  readonly hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    allgoRoutes: RouteEntry[];
  }
}

export const routeIndex = fp(
  async (app) => {
    const routes: RouteEntry[] = [];
    app.decorate('allgoRoutes', routes);
    app.addHook('onRoute', (r) => {
      // Read when asked: scopes that hide their routes (hideRoutes) set it after this hook runs.
      for (const method of [r.method].flat()) {
        routes.push({ method, url: r.url, get hidden() { return !!(r.schema as { hide?: boolean } | undefined)?.hide; } });
      }
    });
  },
  { name: 'allgo-route-index', fastify: '5.x' },
);

/** Keeps a scope's routes out of the API reference: they are protocol or plumbing, not API. */
export function hideRoutes(scope: FastifyInstance): void {
  scope.addHook('onRoute', (r) => void (r.schema = { ...(r.schema ?? {}), hide: true }));
}
