// Starts allgo's roles in this process: `up` is all three, `server`, `builder` and
// `runner` one each. Each role gets its own connections and closes them step by step.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
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
import { connectRedis, checkRedis, type Redis } from '../common/redis.js';
import { connectDocker } from '../common/docker.js';
import { closeWorker } from '../common/close.js';
import { localRunnerToken } from '../common/runner-protocol.js';
import { packageVersion } from '../common/version.js';
import { ServerClient, RefusedError } from '../common/server-client.js';
import { createValidators, packageRoot, type RunnerHello } from '../schemas/index.js';
import { internalBase, INTERNAL_URL_FILE } from '../server/internal-listener.js';
import { ImageCache } from '../runner/image-cache.js';
import { DockerBackend } from '../runner/backends/docker.js';
import { SlurmBackend } from '../runner/backends/slurm/index.js';
import { checkRegistryLogin, registryAuth } from '../common/registry.js';
import { startSiteRebuilds } from '../server/site/index.js';
import { RedisSupervisor } from './redis-supervisor.js';

/** How long a worker waits at start for a server that is not up yet. */
const SERVER_WAIT_MS = 10_000;

export interface RoleSet {
  server: boolean;
  builder: boolean;
  runner: boolean;
}

export interface StartedRoles {
  /** Base URL the server listens on (loopback form), when the server role runs. */
  url: string | null;
  port: number | null;
  store: Store | null;
  /** The HTTP server, when the server role runs. */
  server: FastifyInstance | null;
  /** The first admin's token, when this start created it without ALLGO_ADMIN_TOKEN. */
  generatedAdminToken: string | null;
  /** The runner, when that role runs: its name (its token's), the queues it serves, its slots. */
  runner?: { name: string; queues: string[]; slots: number };
  close(): Promise<void>;
}

export async function startRoles(config: Readonly<Config>, roles: RoleSet, log: Logger): Promise<StartedRoles> {
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
      // quit() waits for a connection that may never come (a Redis refusing us): only when ready.
      closers.push(async () => (r.status === 'ready' ? r.quit().catch(() => r.disconnect()) : r.disconnect()));
      return r;
    };
    const docker = connectDocker(config);
    const running: StartedRoles = { url: null, port: null, store: null, server: null, generatedAdminToken: null, close };
    // The workers fail at start, one line each, on a Redis that refuses them.
    if (roles.builder || roles.runner) await checkRedis(redis(), redisUrl);

    if (roles.builder || roles.runner) await checkRegistryLogin(docker, config.registry);
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
      const repos = new Repos(join(config.dataDir, 'repos'), join(packageRoot(), 'server', 'git', 'hook-relay.mjs'), config.pushLimitBytes);
      await repos.sweepStaged();
      const app = await buildServer({
        config,
        store,
        queues,
        redis: logs,
        connect: redis,
        docker,
        repos,
        events,
        validators: createValidators(),
        secret: loadSecret(config.dataDir),
        log: log.child({ role: 'server' }),
      });
      closers.push(() => app.close());
      running.server = app;
      // The internal listener first: a push needs it as soon as the public port takes one.
      await app.internal.listen({ ...config.internalListen });
      // Where workers started later beside this server find it (see connectToServer).
      await writeFile(join(config.dataDir, INTERNAL_URL_FILE), internalBase(app.internal) + '\n', { mode: 0o600 });
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
      } else {
        // The catalog's rebuilds are what read (and prune) the catalog changes: with none, they are dropped, now and hourly.
        const drop = () => store.catalogChanges.prune(store.catalogChanges.last());
        drop();
        const dropping = setInterval(drop, 60 * 60_000).unref();
        closers.push(async () => clearInterval(dropping));
      }
    }
    if (roles.builder || roles.runner) {
      const { client, hello } = await connectToServer(config, running.server ? internalBase(running.server.internal) : null, roles);
      if (roles.builder) {
        const w = startBuilder({ docker, connection: redis(), redis: redis(), prefix: hello.redisPrefix, concurrency: config.builderConcurrency, allowNetwork: config.build.allowNetwork, server: client, registryAuth: registryAuth(config.registry), testBox: { user: config.runnerUser, pidsLimit: config.pidsLimit, tmpMb: config.tmpMb, maxFiles: config.maxFiles, logLimitBytes: config.logLimitBytes }, log: log.child({ role: 'builder' }) });
        closers.push(() => closeWorker(w));
      }
      if (roles.runner) {
        const slurm = config.runnerBackend === 'slurm';
        const pool = new RunnerPool({
          // Slurm's jobs run on the cluster; this host's engine only hands their images over.
          backend: (instance) => (slurm ? new SlurmBackend(config.slurm, instance, hello.queues, docker, registryAuth(config.registry)) : new DockerBackend(docker, instance)),
          connection: redis(),
          redis: redis(),
          subscriber: redis(),
          // The server's, so a runner host needs no ALLGO_REDIS_PREFIX of its own.
          prefix: hello.redisPrefix,
          client,
          hello,
          labels: config.runnerLabels,
          slots: config.runnerSlots ?? undefined,
          workDir: slurm ? config.slurm.workDir : join(config.dataDir, 'runner', 'work'),
          // ch-run and apptainer write the job's files as the Slurm job's user, this one (sbatch runs as it).
          jobFolderOwner: slurm && config.slurm.runtime !== 'podman' ? `${process.getuid!()}:${process.getgid!()}` : undefined,
          images: new ImageCache(docker, { budgetBytes: config.imageCacheBytes, auth: registryAuth(config.registry), log: log.child({ role: 'images' }) }),
          log: log.child({ role: 'runner', runner: hello.name }),
        });
        closers.push(() => pool.close());
        await pool.start();
        running.runner = { name: hello.name, queues: pool.queues, slots: pool.slotCount };
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

/**
 * The server as workers reach it, with their token. Beside the server (same process, or
 * the same data dir) both have defaults: its internal listener's loopback address, and a
 * token derived from its secret, both read from the data dir. The token is checked now: a
 * refused or unreachable server fails the start.
 */
async function connectToServer(config: Readonly<Config>, ownUrl: string | null, roles: RoleSet): Promise<{ client: ServerClient; hello: RunnerHello }> {
  const beside = async (file: string) => (await readFile(join(config.dataDir, file), 'utf8').catch(() => null))?.trim() || null;
  const rediscover = ownUrl || config.serverUrl ? undefined : () => beside(INTERNAL_URL_FILE);
  const url = ownUrl ?? config.serverUrl ?? (await rediscover!());
  if (!url) throw new Error(`no ALLGO_SERVER_URL: set it to the server's internal listener (its internal.listen), or run beside the server with its ALLGO_DATA_DIR`);
  let token = config.runnerToken;
  if (!token) {
    const secret = await beside('secret');
    if (!secret) throw new Error(`no ALLGO_RUNNER_TOKEN: set it to a runner token (allgo runner-token add NAME, on the server), or run beside the server with its ALLGO_DATA_DIR`);
    token = localRunnerToken(secret);
  }
  const client = new ServerClient(url, token, rediscover);
  try {
    return { client, hello: await client.hello({ version: packageVersion(), labels: [...config.runnerLabels], role: roles.runner ? 'runner' : 'builder' }, { retryForMs: SERVER_WAIT_MS }) };
  } catch (err) {
    if (err instanceof RefusedError) throw new Error(`the server at ${url} refused ${config.runnerToken ? 'ALLGO_RUNNER_TOKEN' : 'the local runner token'}: ${err.message}`);
    throw new Error(`${(err as Error).message}: set ALLGO_SERVER_URL to the server's internal listener`);
  }
}
