// allgo on a fleet of test hosts (support/hosts.ts), the way an installation that outgrew one
// machine runs it: the server's host runs the server, Redis and the registry; other hosts run
// `allgo builder` or `allgo runner` against their own Docker engines, reaching the server, Redis
// and the registry over the fleet's network only, each with a runner token of its own. No
// folder is shared: runners stage job files through the server's internal listener. Every
// process runs inside its host.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { runJobId, runQueueName } from '../common/queues.js';
import { waitAtMost } from '../common/close.js';
import { spawnRole, type RoleProcess } from './processes.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { startFleet, type Fleet, type HostSpec, type TestHost } from './hosts.js';

const PORT = 8080;
/** The server's internal listener, bound to a's fleet address: runner and builder hosts reach it. */
const INTERNAL_PORT = 8090;
const REDIS_PORT = 6379;
const REGISTRY_PORT = 5000;
const BASE_IMAGE = process.env.ALLGO_BASE_IMAGE ?? 'debian:bookworm';

export interface FleetPlatform {
  fleet: Fleet;
  /** The server, as every other host (and the test process) reaches it. */
  url: string;
  redisUrl: string;
  /** The installation's Redis key prefix (its queues are `run-<queue>` under it). */
  prefix: string;
  /** host:port of the registry, on the server's host. */
  registry: string;
  adminToken: string;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** The runner token named NAME, made by the admin through the API on first use. */
  runnerToken(name: string): Promise<string>;
  /** Submits a job (as the admin unless `token`); its id. */
  submit(app: string, param: string, opts?: { queue?: string; files?: Record<string, string>; token?: string }): Promise<number>;
  /** The job's status, as the API answers it. */
  job(id: number): Promise<Record<string, unknown>>;
  /** The job's progress in its run queue (which runner host, which attempt), or null. */
  progress(id: number, queue: string): Promise<{ host?: string; attempt?: number } | null>;
  /** The job as BullMQ holds it (its state, progress and attempts), or null: what a stuck job's report shows. */
  queued(id: number, queue: string): Promise<{ state: string; progress: unknown; attemptsMade: number; failedReason?: string } | null>;
  /** Every role process started so far (killed ones too), with what it wrote. */
  roleOutputs(): { name: string; output: string }[];
  /** Starts `allgo builder` on a host (which gets the base image). */
  builder(host: string, env?: Record<string, string>): Promise<RoleProcess>;
  /** Starts `allgo runner` on a host. */
  runner(host: string, env?: Record<string, string>): Promise<RoleProcess>;
  /** SIGKILLs the server and starts it again (same ports, same data dir). */
  restartServer(): Promise<void>;
  /** SIGKILLs Redis and starts it again (its data survives only with durableRedis). */
  restartRedis(): Promise<void>;
  /** The settings every role of this installation shares. */
  env(host: TestHost): Record<string, string>;
  close(): Promise<void>;
}

export interface FleetPlatformOptions {
  /** The server's host is `a`; list the others (builders need `images: [base image]`, given by default). */
  hosts: HostSpec[];
  configYaml?: string;
  /** Redis keeps its data on disk (append-only file), so it can be killed and started again (the soak). */
  durableRedis?: boolean;
  /** Every role's LOG_LEVEL (default warn); the soak sets info so that its report can follow a job. */
  logLevel?: string;
}

export async function startFleetPlatform(opts: FleetPlatformOptions): Promise<FleetPlatform> {
  const specs: HostSpec[] = [{ name: 'a', docker: false }, ...opts.hosts];
  const fleet = await startFleet(specs);
  const roles: RoleProcess[] = [];
  const roleNames: string[] = [];
  let registry: TestRegistry | null = null;
  let redis: ReturnType<TestHost['spawn']> | null = null;
  const close = async () => {
    await Promise.allSettled(roles.map((r) => r.stop()));
    await registry?.stop().catch(() => undefined);
    redis?.kill('SIGKILL');
    await fleet.close();
  };
  try {
    const a = fleet.host('a');
    const url = `http://${a.address}:${PORT}`;
    const redisUrl = `redis://${a.address}:${REDIS_PORT}`;
    const adminToken = randomBytes(16).toString('hex');
    const prefix = `f${fleet.id}`;
    mkdirSync(join(a.dir, 'redis'), { recursive: true });
    const serverUrl = `http://${a.address}:${INTERNAL_PORT}`;
    const configFile = join(a.dir, 'config.yaml');
    writeFileSync(configFile, `${opts.configYaml ?? ''}\ninternal: {listen: "${a.address}:${INTERNAL_PORT}"}\n`);
    const redisArgs = ['--bind', a.address, '--port', String(REDIS_PORT), '--protected-mode', 'no', '--save', '', '--appendonly', opts.durableRedis ? 'yes' : 'no', '--dir', join(a.dir, 'redis')];
    redis = a.spawn('redis-server', redisArgs, { stdio: 'ignore' });
    registry = await startRegistry({ host: a.address, port: REGISTRY_PORT, wrap: a.wrap });
    const registryAddress = registry.address;
    const env = (h: TestHost): Record<string, string> => ({
      REDIS_URL: redisUrl,
      ALLGO_REDIS_PREFIX: prefix,
      ALLGO_REGISTRY: registryAddress,
      ALLGO_SERVER_URL: serverUrl,
      ALLGO_DATA_DIR: h.dir,
      ALLGO_CONFIG: configFile,
      // The server's host has no engine: a path that is none, never the machine's own engine.
      DOCKER_HOST: h.dockerHost ?? `unix://${join(h.dir, 'no-docker.sock')}`,
    });
    const start = async (host: TestHost, role: 'server' | 'builder' | 'runner', extra: Record<string, string>, ready: string) => {
      // Every host but the server's is a remote worker: it needs a token of its own.
      const token: Record<string, string> = role === 'server' ? {} : { ALLGO_RUNNER_TOKEN: await runnerToken(`${role}-${host.name}`) };
      const p = spawnRole(role, { ...env(host), ...token, ...(opts.logLevel ? { LOG_LEVEL: opts.logLevel } : {}), ...extra }, host.wrap);
      roles.push(p);
      roleNames.push(`${role}-${host.name}#${roles.length}`);
      await p.waitFor(ready, 60_000);
      return p;
    };
    const api = (path: string, init: RequestInit & { token?: string } = {}) => {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Token token=${init.token}`);
      return fetch(url + path, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(30_000) });
    };
    // Kept by name: a runner started again on a host (after its host was killed) reuses its token.
    const tokens = new Map<string, string>();
    const runnerToken = async (name: string): Promise<string> => {
      const known = tokens.get(name);
      if (known) return known;
      const res = await api('/api/v1/runner-tokens', { method: 'POST', token: adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      if (res.status !== 201) throw new Error(`runner token ${name}: ${res.status} ${await res.text()}`);
      const { token } = (await res.json()) as { token: string };
      tokens.set(name, token);
      return token;
    };
    const submit: FleetPlatform['submit'] = async (app, param, o = {}) => {
      const form = new FormData();
      form.set('job[webapp_id]', app);
      form.set('job[param]', param);
      if (o.queue) form.set('job[queue]', o.queue);
      for (const [i, [name, text]] of Object.entries(o.files ?? {}).entries()) form.set(`files[${i}]`, new Blob([text]), name);
      const res = await api('/api/v1/jobs', { method: 'POST', body: form, token: o.token ?? adminToken });
      if (res.status !== 200) throw new Error(`submit: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: number }).id;
    };
    const queued: FleetPlatform['queued'] = async (id, queue) => {
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const q = new Queue(runQueueName(queue), { connection, prefix });
      try {
        const j = await q.getJob(runJobId(id));
        return j ? { state: await j.getState(), progress: j.progress, attemptsMade: j.attemptsMade, failedReason: j.failedReason } : null;
      } finally {
        await q.close();
        connection.disconnect();
      }
    };
    const progress: FleetPlatform['progress'] = async (id, queue) => ((await queued(id, queue))?.progress as { host?: string; attempt?: number } | undefined) ?? null;
    await waitForRedis(a, redisUrl);
    const startServer = () => start(a, 'server', { PORT: String(PORT), HOST: '0.0.0.0', ALLGO_PUBLIC_URL: url, ALLGO_ADMIN_TOKEN: adminToken }, 'allgo: listening on');
    let server = await startServer();
    const restartServer = async () => {
      await server.stop('SIGKILL');
      server = await startServer();
    };
    const restartRedis = async () => {
      const old = redis!;
      const exited = new Promise((r) => old.once('exit', r));
      old.kill('SIGKILL');
      await waitAtMost(exited, 10_000);
      redis = a.spawn('redis-server', redisArgs, { stdio: 'ignore' });
      await waitForRedis(a, redisUrl);
    };
    return {
      fleet,
      url,
      redisUrl,
      prefix,
      registry: registryAddress,
      adminToken,
      api,
      runnerToken,
      submit,
      job: async (id) => (await (await api(`/api/v1/jobs/${id}`, { token: adminToken })).json()) as Record<string, unknown>,
      progress,
      queued,
      roleOutputs: () => roles.map((r, i) => ({ name: roleNames[i], output: r.output() })),
      restartServer,
      restartRedis,
      env,
      builder: (host, extra = {}) => start(fleet.host(host), 'builder', extra, 'allgo: builder ready'),
      runner: (host, extra = {}) => start(fleet.host(host), 'runner', extra, 'allgo: runner ready'),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The base image every builder host needs, for HostSpec.images. */
export const baseImage = (): string => BASE_IMAGE;

async function waitForRedis(a: TestHost, redisUrl: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await a.exec('redis-cli', ['-u', redisUrl, 'ping'], { timeoutMs: 3000 });
    if (r.stdout.trim() === 'PONG') return;
    if (Date.now() > deadline) throw new Error(`Redis on test host a did not answer in ${ms} ms: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
