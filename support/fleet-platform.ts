// allgo on a fleet of test hosts (support/hosts.ts), the way an installation that outgrew one
// machine runs it: the server's host runs the server, Redis and the registry; other hosts run
// `allgo builder` or `allgo runner` against their own Docker engines, reaching the server, Redis
// and the registry over the fleet's network only. Every process runs inside its host.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnRole, type RoleProcess } from './processes.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { startFleet, type Fleet, type HostSpec, type TestHost } from './hosts.js';

const PORT = 8080;
const REDIS_PORT = 6379;
const REGISTRY_PORT = 5000;
const BASE_IMAGE = process.env.ALLGO_BASE_IMAGE ?? 'debian:bookworm';

export interface FleetPlatform {
  fleet: Fleet;
  /** The server, as every other host (and the test process) reaches it. */
  url: string;
  redisUrl: string;
  /** host:port of the registry, on the server's host. */
  registry: string;
  adminToken: string;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Starts `allgo builder` on a host (which gets the base image). */
  builder(host: string, env?: Record<string, string>): Promise<RoleProcess>;
  /** Starts `allgo runner` on a host. */
  runner(host: string, env?: Record<string, string>): Promise<RoleProcess>;
  /** The settings every role of this installation shares. */
  env(host: TestHost): Record<string, string>;
  close(): Promise<void>;
}

export interface FleetPlatformOptions {
  /** The server's host is `a`; list the others (builders need `images: [base image]`, given by default). */
  hosts: HostSpec[];
  configYaml?: string;
  /**
   * TEMPORARY, until runners stage jobs through the server (no shared disk): a runner gets the
   * server's data dir as its own, so it finds the job's folder at the path the payload names.
   */
  shareDatastore?: boolean;
}

export async function startFleetPlatform(opts: FleetPlatformOptions): Promise<FleetPlatform> {
  const specs: HostSpec[] = [{ name: 'a', docker: false }, ...opts.hosts];
  const fleet = await startFleet(specs);
  const roles: RoleProcess[] = [];
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
    if (opts.configYaml) writeFileSync(join(a.dir, 'config.yaml'), opts.configYaml);
    redis = a.spawn('redis-server', ['--bind', a.address, '--port', String(REDIS_PORT), '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--dir', join(a.dir, 'redis')], { stdio: 'ignore' });
    registry = await startRegistry({ host: a.address, port: REGISTRY_PORT, wrap: a.wrap });
    const registryAddress = registry.address;
    const env = (h: TestHost): Record<string, string> => ({
      REDIS_URL: redisUrl,
      ALLGO_REDIS_PREFIX: prefix,
      ALLGO_REGISTRY: registryAddress,
      ALLGO_INTERNAL_URL: url,
      ALLGO_SERVER_URL: url,
      ALLGO_DATA_DIR: h.dir,
      ...(opts.configYaml ? { ALLGO_CONFIG: join(a.dir, 'config.yaml') } : {}),
      // The server's host has no engine: a path that is none, never the machine's own engine.
      DOCKER_HOST: h.dockerHost ?? `unix://${join(h.dir, 'no-docker.sock')}`,
    });
    const start = async (host: TestHost, role: 'server' | 'builder' | 'runner', extra: Record<string, string>, ready: string) => {
      const p = spawnRole(role, { ...env(host), ...extra }, host.wrap);
      roles.push(p);
      await p.waitFor(ready, 60_000);
      return p;
    };
    await waitForRedis(a, redisUrl);
    await start(a, 'server', { PORT: String(PORT), HOST: '0.0.0.0', ALLGO_PUBLIC_URL: url, ALLGO_ADMIN_TOKEN: adminToken }, 'allgo: listening on');
    const api = (path: string, init: RequestInit & { token?: string } = {}) => {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Token token=${init.token}`);
      return fetch(url + path, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(30_000) });
    };
    return {
      fleet,
      url,
      redisUrl,
      registry: registryAddress,
      adminToken,
      api,
      env,
      builder: (host, extra = {}) => start(fleet.host(host), 'builder', extra, 'allgo: builder ready'),
      runner: (host, extra = {}) => start(fleet.host(host), 'runner', { ...(opts.shareDatastore ? { ALLGO_DATA_DIR: a.dir } : {}), ...extra }, 'allgo: runner ready'),
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
