// GET /metrics for Prometheus: off the API (not in its reference), served only to the metrics
// token, and not at all when none is configured. Also times every request the server answers.
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { hideRoutes } from '../plugins/route-index.js';
import { NotFoundError, UnauthorizedError } from '../errors.js';
import { safeEqual } from '../../common/safe-equal.js';
import type { ServerMetrics } from './server-metrics.js';

/** The routes that stream (Server-Sent Events): counted while open, not timed. */
const STREAM_ROUTES = new Set(['/api/v1/jobs/:id/events', '/api/v1/apps/:name/sessions/:id/events']);
/**
 * Git's routes answer on the raw response (hijacked): timed by its close, as Fastify's reply
 * timing (elapsedTime) is not theirs. Every other request is timed by Fastify's onResponse, once
 * its answer is written: a request whose client left before that is not timed.
 */
const hijacks = (route: string): boolean => route.startsWith('/git/');

/** Throws unless the request carries the configured metrics token. */
export function checkMetricsToken(configured: string | null, header: string | undefined): void {
  if (!configured) throw new NotFoundError('metrics are off on this server: set ALLGO_METRICS_TOKEN (or metrics.token in the config) to serve /metrics');
  const sent = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (!sent || !safeEqual(sent, configured)) throw new UnauthorizedError('/metrics needs the metrics token: send "Authorization: Bearer <metrics token>"');
}

export const metricsPlugin = fp<{ metrics: ServerMetrics; token: string | null }>(
  async (app, { metrics, token }) => {
    // Callback hooks, not async ones: they run on every request, and a promise per hook shows in the API's cost.
    app.addHook('onRequest', (req: FastifyRequest, reply, done) => {
      const route = req.routeOptions.url ?? 'unmatched';
      // The raw response's close: an event stream ends there, whoever closes it.
      if (STREAM_ROUTES.has(route)) {
        reply.raw.once('close', metrics.streamOpened());
      } else if (hijacks(route)) {
        const start = process.hrtime.bigint();
        reply.raw.once('close', () => metrics.observeRequest(route, req.method, reply.raw.statusCode, Number(process.hrtime.bigint() - start) / 1e9));
      }
      done();
    });
    app.addHook('onResponse', (req: FastifyRequest, reply, done) => {
      const route = req.routeOptions.url ?? 'unmatched';
      if (!STREAM_ROUTES.has(route) && !hijacks(route)) metrics.observeRequest(route, req.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.addHook('onClose', async () => metrics.close());
    await app.register(async (scope) => {
      hideRoutes(scope);
      scope.get('/metrics', async (req, reply) => {
        checkMetricsToken(token, req.headers.authorization);
        const text = await metrics.render();
        return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
      });
    });
  },
  { name: 'allgo-metrics', fastify: '5.x', dependencies: ['allgo-route-index'] },
);
