// Boots the real platform (server + builder + runner, as `allgo up` does) against the test
// Redis and the local Docker engine, in a temp data dir with its own Redis prefix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { inject, vi } from 'vitest';
import { jobWhenDone } from './job-done.js';
import { loadConfig } from '../../common/config.js';
import { startRoles, type StartedRoles } from '../../cli/roles.js';
import { freePort } from '../../common/net.js';
import { removeAppImages } from '../../support/images.js';
import { fixtureRepo, push } from './git.js';

export { appImageId } from '../../support/images.js';

export type Job = Record<string, unknown>;

export interface Platform {
  url: string;
  dataDir: string;
  /** This platform's Redis key prefix and URL (each test platform has its own prefix). */
  redisPrefix: string;
  redisUrl: string;
  adminToken: string;
  running: StartedRoles;
  /** Creates a user through the API; returns its token. */
  addUser(name: string, opts?: { provider?: boolean; email?: string }): Promise<string>;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Submits a job of `app` with `param` (as the admin unless `token` is given); its id. Throws unless accepted. */
  submit(app: string, param: string, opts?: { queue?: string; token?: string }): Promise<number>;
  /** A job as `GET /api/v1/jobs/N` answers it (to the admin unless `token` is given). */
  job(id: number, token?: string): Promise<Job>;
  /** A fresh app name; close() removes the images and job containers of every app named so. */
  appName(base: string): string;
  /** Pushes test/fixtures/probe (after `edit`) as admin to a fresh app; its name. Throws with git's output if refused. */
  pushProbe(edit?: (dir: string) => void, base?: string): Promise<string>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Written as the data dir's config.yaml. */
  configYaml?: string;
  env?: Record<string, string>;
  /** Build the catalog site (off by default: building it costs seconds of CPU per publish). */
  site?: boolean | { debounce: string };
  /** Start on this folder (removed on close) instead of a new one. */
  dataDir?: string;
  /** Where the platform logs (default: silent, or TEST_LOG_LEVEL), for tests that check what it logs. */
  log?: Logger;
}

export interface PlatformEnv {
  dataDir: string;
  url: string;
  adminToken: string;
  /** What `allgo up` or a single role reads: data dir, port, public URL, Redis and its own prefix, admin token. */
  env: Record<string, string>;
}

/** Platform.api for the server at `url`: a request, with `token` as A||GO's Authorization header. */
export const apiOf =
  (url: string): Platform['api'] =>
  (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Token token=${init.token}`);
    return fetch(url + path, { ...init, headers });
  };

export const uniqueName = (base: string): string => `${base}-${randomBytes(3).toString('hex')}`;

/** A fresh data dir (or `dataDir`, holding `configYaml`), a free loopback port, an admin token and a Redis prefix. */
export async function platformEnv(opts: { configYaml?: string; redisUrl?: string; dataDir?: string } = {}): Promise<PlatformEnv> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'allgo-test-'));
  if (opts.configYaml) writeFileSync(join(dataDir, 'config.yaml'), opts.configYaml);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const adminToken = randomBytes(16).toString('hex');
  const env = {
    ALLGO_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    ALLGO_PUBLIC_URL: url,
    REDIS_URL: opts.redisUrl ?? inject('redisUrl'),
    ALLGO_REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
    ALLGO_ADMIN_TOKEN: adminToken,
  };
  return { dataDir, url, adminToken, env };
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const { dataDir, adminToken, env } = await platformEnv(opts);
  const config = loadConfig({ ...env, PATH: process.env.PATH, ...opts.env }, { site: { enabled: !!opts.site, ...(typeof opts.site === 'object' ? opts.site : {}) } });
  let running: StartedRoles;
  try {
    running = await startRoles(config, { server: true, builder: true, runner: true }, opts.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = running.url!;
  const apps: string[] = [];
  const api = apiOf(url);
  const appName = (base: string): string => {
    const name = uniqueName(base);
    apps.push(name);
    return name;
  };
  return {
    url,
    dataDir,
    redisPrefix: config.redisPrefix,
    redisUrl: config.redisUrl!,
    adminToken,
    running,
    api,
    appName,
    async submit(app, param, { queue, token = adminToken } = {}) {
      const form = new FormData();
      form.append('job[webapp_id]', app);
      if (queue) form.append('job[queue]', queue);
      form.append('job[param]', param);
      const res = await api('/api/v1/jobs', { method: 'POST', token, body: form });
      if (res.status !== 200) throw new Error(`the job was refused: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: number }).id;
    },
    async job(id, token = adminToken) {
      return (await (await api(`/api/v1/jobs/${id}`, { token })).json()) as Job;
    },
    async pushProbe(edit, base = 'probe') {
      const app = appName(base);
      const pushed = await push(fixtureRepo('probe', edit), url, app, 'admin', adminToken);
      if (pushed.code !== 0) throw new Error(`the push of the probe as ${app} was refused:\n${pushed.output}`);
      return app;
    },
    async addUser(name, o = {}) {
      const res = await api('/api/v1/users', {
        method: 'POST',
        token: adminToken,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, email: o.email ?? `${name}@example.org`, provider: o.provider ?? false }),
      });
      if (res.status !== 201) throw new Error(`could not create user ${name}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    async close() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
      removeImages(apps);
    },
  };
}

/** Removes the images a test's apps made (see support/images.ts). */
export const removeImages = removeAppImages;

/** Waits (bounded) until a job is done and returns it; on timeout, fails with its last state. */
export function waitForJob(p: Platform, id: number, token: string, ms = 120_000): Promise<Job> {
  return jobWhenDone(id, () => p.job(id, token), ms);
}

/** Waits (bounded) until a page of the served site satisfies `ok`: the site is rebuilt after a debounce. */
export function waitForSite(p: Platform, path: string, ok: (body: string, status: number) => boolean, ms = 120_000): Promise<string> {
  return vi.waitFor(
    async () => {
      const res = await fetch(p.url + path);
      const body = await res.text();
      if (!ok(body, res.status)) throw new Error(`the site's ${path} did not change as expected in ${ms} ms; last answer (${res.status}):\n${body.slice(0, 500)}`);
      return body;
    },
    { timeout: ms, interval: 250 },
  );
}
