// Wires the HTTP side: plugins, auth, the API, the git server. Listens nowhere: main does.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type Docker from 'dockerode';
import type { Config } from '../common/config.js';
import type { Store } from './store/index.js';
import type { Queues } from './queues.js';
import type { ServerEvents } from './events.js';
import { packageRoot, type Validators } from '../schemas/index.js';
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

export interface RouteEntry {
  method: string;
  url: string;
  readonly hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    allgoRoutes: RouteEntry[];
  }
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, store } = deps;
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  // Every route, as registered: the API reference test checks each is documented.
  const routes: RouteEntry[] = [];
  app.decorate('allgoRoutes', routes);
  app.addHook('onRoute', (r) => {
    // Read when asked: scopes that hide their routes set it after this hook runs.
    for (const method of [r.method].flat()) {
      routes.push({ method, url: r.url, get hidden() { return !!(r.schema as { hide?: boolean } | undefined)?.hide; } });
    }
  });
  installErrorHandler(app);
  // preservePath: see the name as sent, so a path in it is refused rather than silently cut.
  await app.register(multipart, { preservePath: true });
  // Response schemas document and are checked by tests; bodies are sent as built, so A||GO's
  // key order ({"<id>": …, "status": …}) and every field survive.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'allgo API',
        version: (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version,
        description: 'Run published command-line apps as jobs. Compatible with A||GO\'s API v1: POST /api/v1/jobs and GET /api/v1/jobs/N work unchanged.',
      },
      servers: [{ url: config.publicUrl }],
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
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  /** Routes that are protocol or plumbing, not API: kept out of the reference. */
  const hideRoutes = (scope: FastifyInstance) => scope.addHook('onRoute', (r) => void (r.schema = { ...(r.schema ?? {}), hide: true }));

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
    contextUrl: (versionId) => `${config.internalUrl ?? internalBase()}/internal/source/${versionId}?sig=${signSource(deps.secret, versionId)}`,
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
    hideRoutes(scope);
    await smartHttp(scope, { config, store, repos: deps.repos, pushes, hookUrl: () => `${internalBase()}/internal/git-hook`, hookSecret: deps.secret });
    await internalRoutes(scope, { store, repos: deps.repos, preReceive, pushes, sources, secret: deps.secret });
  });
  // The catalog: a catch-all GET that every route above outranks.
  await app.register(async (scope) => {
    hideRoutes(scope);
    await siteRoutes(scope, { dataDir: config.dataDir, enabled: config.site.enabled });
  });
  return app;
}
