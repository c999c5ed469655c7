// Wires the HTTP side: plugins, auth, the API, the git server. Listens nowhere: main does.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type Docker from 'dockerode';
import type { Config } from './config.js';
import type { Store } from './store/index.js';
import type { Queues } from './queues.js';
import type { ServerEvents } from './events.js';
import type { Validators } from '../schemas/index.js';
import { Datastore } from './datastore.js';
import { RetentionSweeper } from './retention.js';
import { authenticate } from './auth.js';
import { UnauthorizedError } from './errors.js';
import { installErrorHandler } from './error-handler.js';
import { jobRoutes } from './routes/jobs.js';
import { jobEventRoutes } from './routes/job-events.js';
import { appRoutes } from './routes/apps.js';
import { userRoutes } from './routes/users.js';
import { healthRoutes } from './routes/health.js';
import { datastoreRoutes } from './routes/datastore.js';
import { siteRoutes } from './site/serve.js';
import { smartHttp } from './git/smart-http.js';
import { internalRoutes, signSource } from './git/internal-routes.js';
import { PreReceive, type PushContext } from './git/pre-receive.js';
import type { Repos, GitEnv } from './git/repos.js';

export interface ServerDeps {
  config: Readonly<Config>;
  store: Store;
  queues: Queues;
  redis: Redis;
  docker: Docker;
  repos: Repos;
  events: ServerEvents;
  validators: Validators;
  /** Signs internal requests (git hooks, build sources). */
  secret: string;
  log: Logger;
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, store } = deps;
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  installErrorHandler(app);
  // preservePath: see the name as sent, so a path in it is refused rather than silently cut.
  await app.register(multipart, { preservePath: true });

  app.decorateRequest('user', null);
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    const header = req.headers.authorization;
    if (!header) return;
    req.user = authenticate(store.users, header);
    // A wrong token is an error, not anonymity: the caller meant to be someone.
    if (!req.user) throw new UnauthorizedError('invalid token: check the token in your Authorization header');
  });

  /** Where allgo's own processes reach this server: loopback on the port it listens on. */
  const internalBase = (): string => {
    const addr = app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('the server is not listening');
    const host = addr.family === 'IPv6' ? (addr.address === '::' ? '[::1]' : `[${addr.address}]`) : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
    return `http://${host}:${addr.port}`;
  };

  const pushes = new Map<string, PushContext>();
  const sources = new Map<number, { app: string; commit: string; env: GitEnv }>();
  const datastore = new Datastore(config.dataDir, config.runnerUser);
  const preReceive = new PreReceive({
    ...deps,
    sources,
    contextUrl: (versionId) => `${internalBase()}/internal/source/${versionId}?sig=${signSource(deps.secret, versionId)}`,
  });

  const retention = new RetentionSweeper(store, datastore, config.retentionMs, deps.log.child({ role: 'retention' }));
  app.addHook('onReady', async () => retention.start());
  app.addHook('onClose', async () => retention.stop());

  const api = { ...deps, datastore };
  await app.register(async (scope) => {
    await jobRoutes(scope, api);
    await jobEventRoutes(scope, api);
    await appRoutes(scope, api);
    await userRoutes(scope, api);
    await healthRoutes(scope, api);
    await datastoreRoutes(scope, api);
  });
  await app.register(async (scope) => {
    await smartHttp(scope, { config, store, repos: deps.repos, pushes, hookUrl: () => `${internalBase()}/internal/git-hook`, hookSecret: deps.secret });
    await internalRoutes(scope, { store, repos: deps.repos, preReceive, pushes, sources, secret: deps.secret });
  });
  // The catalog: a catch-all GET that every route above outranks.
  await app.register(async (scope) => siteRoutes(scope, { dataDir: config.dataDir }));
  return app;
}
