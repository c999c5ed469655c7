// Starts allgo's roles in this process: `up` is all three, `server`, `builder` and
// `runner` one each. Each role gets its own connections and closes them step by step.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Worker } from 'bullmq';
import type { Config } from '../common/config.js';
import { openStore, type Store } from '../server/store/index.js';
import { Queues } from '../server/queues.js';
import { OutcomeRecorder } from '../server/outcomes.js';
import { ServerEvents } from '../server/events.js';
import { buildServer } from '../server/build-server.js';
import { ensureAdmin, loadSecret, secureDataDir } from '../server/bootstrap.js';
import { Repos } from '../server/git/repos.js';
import { startBuilder } from '../builder/worker.js';
import { RunnerPool } from '../runner/pool.js';
import { ImageCache } from '../runner/image-cache.js';
import { checkRegistryLogin, registryAuth } from '../common/registry.js';
import { connectRedis, type Redis } from '../common/redis.js';
import { createValidators, packageRoot } from '../schemas/index.js';
import { startSiteRebuilds } from '../server/site/index.js';
import { RedisSupervisor } from './redis-supervisor.js';

export interface RoleSet {
  server: boolean;
  builder: boolean;
  runner: boolean;
}

export interface Running {
  /** Base URL the server listens on (loopback form), when the server role runs. */
  url: string | null;
  port: number | null;
  store: Store | null;
  /** The HTTP server, when the server role runs. */
  server: FastifyInstance | null;
  /** The first admin's token, when this start created it without ALLGO_ADMIN_TOKEN. */
  generatedAdminToken: string | null;
  close(): Promise<void>;
}

export async function startRoles(config: Readonly<Config>, roles: RoleSet, log: Logger): Promise<Running> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err) => log.warn({ err }, 'while closing'));
    closers.length = 0;
  };
  try {
    // The server owns the data dir; a builder or runner on the same host only finds it.
    if (roles.server) await secureDataDir(config.dataDir);
    else await mkdir(config.dataDir, { recursive: true });
    const redisUrl = await resolveRedis(config, roles, log, closers);
    const redis = (): Redis => {
      const r = connectRedis(redisUrl);
      r.on('error', (err) => log.debug({ err }, 'redis connection error'));
      closers.push(async () => r.quit().catch(() => r.disconnect()));
      return r;
    };
    const docker = new Docker();
    const running: Running = { url: null, port: null, store: null, server: null, generatedAdminToken: null, close };

    if (roles.builder || roles.runner) await checkRegistryLogin(docker, config.registry);
    if (roles.builder) {
      const w = startBuilder({
        docker,
        connection: redis(),
        redis: redis(),
        prefix: config.redisPrefix,
        concurrency: config.builderConcurrency,
        registryAuth: registryAuth(config.registry),
        log: log.child({ role: 'builder' }),
      });
      closers.push(() => closeWorker(w));
    }
    if (roles.runner) {
      const pool = new RunnerPool({
        docker,
        connection: redis(),
        redis: redis(),
        subscriber: redis(),
        prefix: config.redisPrefix,
        queues: config.queues.map((q) => q.name),
        slots: config.runnerConcurrency,
        lockDurationMs: config.lockDurationMs,
        datastoreDir: join(config.dataDir, 'datastore'),
        options: { user: config.runnerUser, pidsLimit: config.pidsLimit, outputLimitBytes: config.outputLimitBytes, maxFiles: config.maxFiles, logLimitBytes: config.logLimitBytes, tmpMb: config.tmpMb },
        images: new ImageCache(docker, { budgetBytes: config.imageCacheBytes, auth: registryAuth(config.registry), log: log.child({ role: 'images' }) }),
        log: log.child({ role: 'runner' }),
      });
      closers.push(() => pool.close());
      await pool.start();
    }
    if (roles.server) {
      const store = openStore(join(config.dataDir, 'allgo.db'));
      closers.push(async () => store.close());
      running.store = store;
      const admin = ensureAdmin(store, config.adminToken);
      running.generatedAdminToken = admin.token;
      const events = new ServerEvents();
      const queues = new Queues(redis(), config.redisPrefix, config.queues);
      closers.push(() => queues.close());
      await queues.applyConcurrency();
      const logs = redis();
      const outcomes = new OutcomeRecorder({ store, queues, redis: logs, connect: redis, queueNames: config.queues.map((q) => q.name), prefix: config.redisPrefix, events, log: log.child({ role: 'outcomes' }) });
      closers.push(() => outcomes.close());
      await outcomes.start();
      const app = await buildServer({
        config,
        store,
        queues,
        redis: logs,
        docker,
        repos: new Repos(join(config.dataDir, 'repos'), join(packageRoot(), 'server', 'git', 'hook-relay.mjs')),
        events,
        validators: createValidators(),
        secret: loadSecret(config.dataDir),
        log: log.child({ role: 'server' }),
      });
      closers.push(() => app.close());
      running.server = app;
      await app.listen({ port: config.port, host: config.host });
      if (!config.publicUrl) {
        log.warn({ host: config.host, port: config.port }, 'ALLGO_PUBLIC_URL is not set: links in answers and pages follow the address each request came to (set it when a proxy or a fixed name fronts allgo)');
      }
      const addr = app.server.address() as { port: number };
      running.port = addr.port;
      running.url = `http://127.0.0.1:${addr.port}`;
      if (config.site.enabled) {
        const site = await startSiteRebuilds({ config, store, events, connection: redis(), workerConnection: redis(), log: log.child({ role: 'site' }) });
        closers.push(() => site.close());
      }
    }
    return running;
  } catch (err) {
    await close();
    throw err;
  }
}

/** REDIS_URL if given; else the embedded redis-server (the server role starts it, others find it). */
async function resolveRedis(config: Readonly<Config>, roles: RoleSet, log: Logger, closers: (() => Promise<unknown>)[]): Promise<string> {
  if (config.redisUrl) return config.redisUrl;
  const dir = join(config.dataDir, 'redis');
  if (!roles.server) {
    const url = await readFile(join(dir, 'url'), 'utf8').catch(() => null);
    if (!url) throw new Error('no REDIS_URL: set it to the Redis the server uses (or start `allgo server` on this host first)');
    return url.trim();
  }
  const sup = new RedisSupervisor(dir, log.child({ role: 'redis' }));
  closers.push(() => sup.stop());
  return sup.start();
}

/** Lets running work finish for a while, then stops regardless. */
async function closeWorker(w: Worker): Promise<void> {
  await Promise.race([w.close(), new Promise((r) => setTimeout(r, 10_000))]);
  await w.close(true);
}
