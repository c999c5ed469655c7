// Wires the HTTP side, one plugin each: the route index, errors, metrics, the API reference,
// who is calling, retention, the webhooks, the API, the webapp sessions' proxy, git, and the catalog. Listens nowhere: main does.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type Docker from 'dockerode';
import type { Config } from '../common/config.js';
import type { Store } from './store/index.js';
import type { Queues } from './queues.js';
import type { ServerEvents } from './events.js';
import type { Validators } from '../schemas/index.js';
import type { Repos } from './git/repos.js';
import { Datastore } from './datastore.js';
import { DownloadKeys } from './download-keys.js';
import { join } from 'node:path';
import { ImageExports } from './image-export/image-exports.js';
import { registryAuth } from '../common/registry.js';
import { installErrorHandler } from './error-handler.js';
import { routeIndex } from './plugins/route-index.js';
import { publicUrl } from './plugins/public-url.js';
import { openapi } from './plugins/openapi.js';
import { auth } from './plugins/auth.js';
import { retention } from './plugins/retention.js';
import { api } from './routes/index.js';
import { git } from './git/plugin.js';
import { installSecurityHeaders } from './security-headers.js';
import { redactingLogger } from './log-redaction.js';
import { lazyRequestLogger } from './request-logger.js';
import { runnerApi } from './plugins/runner-api.js';
import { siteRoutes } from './site/serve.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { metricsPlugin } from './metrics/plugin.js';
import { instanceId } from '../common/instance.js';
import { SessionService } from './sessions/session-service.js';
import { sessionProxy } from './sessions/proxy.js';
import { hostRouteRewriter } from './sessions/host-route.js';
import { startWebhooks } from './webhooks/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The internal listener's app (see buildServer). */
    internal: FastifyInstance;
  }
}

export interface ServerDeps {
  config: Readonly<Config>;
  store: Store;
  queues: Queues;
  redis: Redis;
  /** A new Redis connection, for what blocks (the webhook worker). */
  connect(): Redis;
  docker: Docker;
  repos: Repos;
  events: ServerEvents;
  validators: Validators;
  /** Signs internal requests (git hooks, build sources). */
  secret: string;
  log: Logger;
}

/**
 * Answers are serialized from each route's response schema (Fastify's fast-json-stringify):
 * faster than JSON.stringify, and what goes out is what the schema declares, no more. Only
 * GET /api/v1/jobs/N has its own, to keep A||GO's key order (routes/job-status-serializer.ts).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, store, log } = deps;
  const datastore = new Datastore(config.dataDir, config.runnerUser);
  const app = Fastify({
    loggerInstance: redactingLogger(log) as FastifyBaseLogger,
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: 1024 * 1024,
    trustProxy: config.trustProxy,
    // A request (an upload, a push) must arrive whole within limits.upload_timeout, or Node
    // answers 408 and closes it: a slow sender cannot hold a socket and an upload slot forever.
    // Node checks every connectionsCheckingInterval (30 s by default): a short timeout checks sooner.
    requestTimeout: config.uploadTimeoutMs,
    http: { connectionsCheckingInterval: Math.min(30_000, Math.max(250, config.uploadTimeoutMs / 4)) },
    // A session's own host name (webapps.domain) is served as its path route.
    rewriteUrl: hostRouteRewriter(config.webapps.domain),
  });
  // Node holds a request whose headers arrived to headersTimeout (60 s) even when requestTimeout is shorter.
  app.server.headersTimeout = Math.min(app.server.headersTimeout, config.uploadTimeoutMs);
  await app.register(publicUrl, { configured: config.publicUrl });
  await app.register(routeIndex);
  installErrorHandler(app);
  // Before the routes it times. Its own registry: no process-wide default one.
  const metrics = new ServerMetrics({ ...deps, datastore });
  await app.register(metricsPlugin, { metrics, token: config.metricsToken });
  installSecurityHeaders(app);
  await app.register(openapi, { publicUrl: config.publicUrl });
  await app.register(auth, { users: store.users });
  await app.register(retention, { store, datastore, retentionMs: config.retentionMs, log: log.child({ role: 'retention' }) });
  // Sessions left by the last run are found again or ended before any request comes.
  const sessions = new SessionService({ config, store, docker: deps.docker, instance: await instanceId(deps.redis, config.redisPrefix), log: log.child({ role: 'sessions' }) });
  await sessions.restore();
  sessions.startSweeps();
  app.addHook('onClose', async () => sessions.close());
  const imageExports = new ImageExports({ docker: deps.docker, dir: join(config.dataDir, 'image-exports'), auth: registryAuth(config.registry) });
  const keys = new DownloadKeys(deps.secret);
  // Jobs' webhooks: queued deliveries, sent by a worker of this process (it signs and records them).
  const webhooks = await startWebhooks({ config, store, events: deps.events, datastore, keys, connection: deps.redis, workerConnection: deps.connect(), secret: deps.secret, log: log.child({ role: 'webhooks' }) });
  app.addHook('onClose', async () => webhooks.close());
  await app.register(api, { ...deps, datastore, keys, imageExports, sessions });
  await app.register(sessionProxy, { config, sessions, sessionStore: store.sessions, users: store.users, secret: deps.secret });
  // The internal listener: only what allgo's own parts call. main listens it on
  // config.internalListen (loopback by default), so none of it is served on the public port.
  const internal = Fastify({ loggerInstance: redactingLogger(log.child({ listener: 'internal' })) as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  installErrorHandler(internal);
  app.decorate('internal', internal);
  app.addHook('onClose', async () => internal.close());
  await app.register(git, { ...deps, internal, countPush: (outcome) => metrics.countPush(outcome) });
  // The runner protocol, for runners and builders on this host or others (internal.listen).
  await internal.register(runnerApi, { ...deps, datastore });
  // The catalog: a catch-all GET that every route above outranks.
  await app.register(siteRoutes, { dataDir: config.dataDir, enabled: config.site.enabled });
  return app;
}
