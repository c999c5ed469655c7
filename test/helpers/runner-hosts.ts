// A server (with its builder) in the test process, and runner "hosts" as separate processes
// that share no folder with it: each has a data dir of its own and only the settings a runner
// host has (REDIS_URL, ALLGO_SERVER_URL, ALLGO_RUNNER_TOKEN), reaching the server over HTTP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { inject } from 'vitest';
import { jobWhenDone } from './job-done.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../../common/config.js';
import { startRoles, type StartedRoles } from '../../cli/roles.js';
import { internalBase } from '../../server/internal-listener.js';
import { freePort } from '../../common/net.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';

export interface Fleet {
  url: string;
  /** The server's internal listener, which runner hosts reach (their ALLGO_SERVER_URL). */
  internalUrl: string;
  dataDir: string;
  prefix: string;
  redisUrl: string;
  adminToken: string;
  running: StartedRoles;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** A runner token made through the API, as an admin would. */
  runnerToken(name: string): Promise<string>;
  /** A runner host: its own data dir, its own process. */
  runner(name: string, opts?: { labels?: string; token?: string; env?: Record<string, string>; serverUrl?: string }): Promise<RunnerHost>;
  submit(app: string, param: string, opts?: { queue?: string; files?: Record<string, string | Buffer> }): Promise<number>;
  job(id: number): Promise<Record<string, unknown>>;
  done(id: number, ms?: number): Promise<Record<string, unknown>>;
  progress(id: number, queue?: string): Promise<Record<string, unknown> | null>;
  close(): Promise<void>;
}

export interface RunnerHost {
  name: string;
  dataDir: string;
  process: RoleProcess;
}

export async function startFleet(configYaml = '', opts: { redisUrl?: string } = {}): Promise<Fleet> {
  const dataDir = mkdtempSync(join(tmpdir(), 'allgo-fleet-server-'));
  writeFileSync(join(dataDir, 'config.yaml'), configYaml);
  const port = await freePort();
  const adminToken = randomBytes(16).toString('hex');
  const redisUrl = opts.redisUrl ?? inject('redisUrl');
  const config = loadConfig({
    ALLGO_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    ALLGO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: redisUrl,
    ALLGO_REDIS_PREFIX: `f${randomBytes(4).toString('hex')}`,
    ALLGO_ADMIN_TOKEN: adminToken,
  }, { site: { enabled: false } });
  const running = await startRoles(config, { server: true, builder: true, runner: false }, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  const url = running.url!;
  const internalUrl = internalBase(running.server!.internal);
  const hosts: RunnerHost[] = [];
  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Token token=${init.token ?? adminToken}`);
    return fetch(url + path, { ...init, headers });
  };
  const fleet: Fleet = {
    url,
    internalUrl,
    dataDir,
    prefix: config.redisPrefix,
    redisUrl,
    adminToken,
    running,
    api,
    async runnerToken(name) {
      const res = await api('/api/v1/runner-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      if (res.status !== 201) throw new Error(`runner token ${name}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    async runner(name, opts = {}) {
      const own = mkdtempSync(join(tmpdir(), `allgo-fleet-${name}-`));
      const token = opts.token ?? (await fleet.runnerToken(name));
      const env: Record<string, string> = {
        ALLGO_DATA_DIR: own,
        REDIS_URL: redisUrl,
        ALLGO_SERVER_URL: opts.serverUrl ?? internalUrl,
        ALLGO_RUNNER_TOKEN: token,
        ...(opts.labels ? { ALLGO_RUNNER_LABELS: opts.labels } : {}),
        ...opts.env,
      };
      const host = { name, dataDir: own, process: spawnRole('runner', env) };
      hosts.push(host);
      return host;
    },
    async submit(app, param, opts = {}) {
      const f = new FormData();
      f.append('job[webapp_id]', app);
      f.append('job[param]', param);
      if (opts.queue) f.append('job[queue]', opts.queue);
      let i = 0;
      for (const [name, data] of Object.entries(opts.files ?? {})) f.append(`files[${i++}]`, new Blob([typeof data === 'string' ? data : new Uint8Array(data)]), name);
      const res = await api('/api/v1/jobs', { method: 'POST', body: f });
      if (res.status !== 200) throw new Error(`submit: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: number }).id;
    },
    async job(id) {
      return (await (await api(`/api/v1/jobs/${id}`)).json()) as Record<string, unknown>;
    },
    done: (id, ms = 90_000) => jobWhenDone(id, () => fleet.job(id), ms, 200),
    async progress(id, queue = 'standard') {
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const q = new Queue(`run-${queue}`, { connection, prefix: config.redisPrefix });
      try {
        const j = await q.getJob(`job-${id}`);
        return (j?.progress as Record<string, unknown>) ?? null;
      } finally {
        await q.close();
        connection.disconnect();
      }
    },
    async close() {
      await Promise.all(hosts.map((h) => h.process.stop('SIGKILL')));
      await running.close();
      for (const h of hosts) rmSync(h.dataDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return fleet;
}
