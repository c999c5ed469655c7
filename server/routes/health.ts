import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './context.js';
import { def } from './api-schemas.js';
import type { Health } from '../../schemas/index.js';

const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms))]);

export async function healthRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get<{ Reply: { 200: Health; 503: Health } }>('/api/v1/health', { schema: { tags: ['system'], summary: 'Store, Redis and Docker, each checked', response: { 200: def('Health'), 503: def('Health') } } }, async (_req, reply) => {
    const check = async (fn: () => Promise<unknown>): Promise<Health['checks'][string]> => {
      try {
        await within(fn(), 2000);
        return { ok: true };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    };
    const checks = {
      store: await check(async () => deps.store.db.prepare('SELECT 1').get()),
      redis: await check(() => deps.redis.ping()),
      docker: await check(() => deps.docker.ping()),
    };
    const ok = Object.values(checks).every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', checks });
  });
}
