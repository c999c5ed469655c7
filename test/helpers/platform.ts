// Boots the real platform (server + builder + runner, as `allgo up` does) against the test
// Redis and the local Docker engine, in a temp data dir with its own Redis prefix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { inject } from 'vitest';
import { loadConfig } from '../../common/config.js';
import { startRoles, type StartedRoles } from '../../cli/roles.js';
import { freePort } from '../../common/net.js';
import { removeAppImages } from '../../support/images.js';

export { appImageId } from '../../support/images.js';

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
  close(): Promise<void>;
}

export const uniqueName = (base: string): string => `${base}-${randomBytes(3).toString('hex')}`;

/** `site`: build the catalog site (off by default: building it costs seconds of CPU per publish). */
/**
 * `dataDir`: start on this folder (removed on close) instead of a new one; `log`: where the
 * platform logs (default: silent, or TEST_LOG_LEVEL), for tests that check what it logs.
 */
export async function startPlatform(opts: { configYaml?: string; env?: Record<string, string>; site?: boolean | { debounce: string }; dataDir?: string; log?: Logger } = {}): Promise<Platform> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'allgo-test-'));
  if (opts.configYaml) writeFileSync(join(dataDir, 'config.yaml'), opts.configYaml);
  const adminToken = randomBytes(16).toString('hex');
  const port = await freePort();
  const config = loadConfig({
    ALLGO_DATA_DIR: dataDir,
    PORT: String(port),
    ALLGO_PUBLIC_URL: `http://127.0.0.1:${port}`,
    HOST: '127.0.0.1',
    REDIS_URL: inject('redisUrl'),
    ALLGO_REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
    ALLGO_ADMIN_TOKEN: adminToken,
    PATH: process.env.PATH,
    ...opts.env,
  }, { site: { enabled: !!opts.site, ...(typeof opts.site === 'object' ? opts.site : {}) } });
  const running = await startRoles(config, { server: true, builder: true, runner: true }, opts.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  const url = running.url!;
  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Token token=${init.token}`);
    return fetch(url + path, { ...init, headers });
  };
  return {
    url,
    dataDir,
    redisPrefix: config.redisPrefix,
    redisUrl: config.redisUrl!,
    adminToken,
    running,
    api,
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
    },
  };
}

/** Removes the images a test's apps made (see support/images.ts). */
export const removeImages = removeAppImages;

/** Polls a job until it is done (bounded), returning its last state. */
export async function waitForJob(p: Platform, id: number, token: string, ms = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await p.api(`/api/v1/jobs/${id}`, { token });
    const body = (await res.json()) as Record<string, unknown>;
    if (body.status === 'done' || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 250));
  }
}
