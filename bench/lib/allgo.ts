// The platform as production runs it: the compiled `node dist/cli/main.js up` in its own
// process, a temp data dir, its own supervised redis-server (REDIS_URL unset) unless
// BENCH_REDIS_URL is given, LOG_LEVEL=warn. Build dist/ first (the npm scripts do).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { packageRoot } from '../../schemas/index.js';
import { freePort } from '../../common/net.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { fixtureRepo, editFile, commitAll, push } from '../../support/git.js';
import { childProcesses, rssKb, sleep } from './measure.js';

export interface Allgo {
  url: string;
  token: string;
  dataDir: string;
  /** The `allgo up` process. */
  pid: number;
  /** The supervised redis-server, when allgo started one. */
  redisPid: number | null;
  role: RoleProcess;
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Resident memory (KB) of the allgo process and of its redis-server. */
  memory(): { allgo: number | null; redis: number | null };
  stop(): Promise<void>;
}

/** A fresh data dir with `configYaml`, a free port, an admin token, and the server's environment. */
export async function serverSetup(configYaml: string, dirPrefix = 'allgo-bench-'): Promise<{ dataDir: string; token: string; url: string; env: Record<string, string> }> {
  if (!existsSync(join(packageRoot(), 'dist', 'cli', 'main.js'))) throw new Error('dist/ is not built: run `npx tsc -p tsconfig.json` first');
  const dataDir = mkdtempSync(join(tmpdir(), dirPrefix));
  writeFileSync(join(dataDir, 'config.yaml'), configYaml);
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ALLGO_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    ALLGO_PUBLIC_URL: url,
    ALLGO_ADMIN_TOKEN: token,
    ALLGO_REDIS_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    HOME: process.env.HOME ?? '/root',
  };
  return { dataDir, token, url, env };
}

export async function startAllgo(configYaml = 'runner: {concurrency: 2}\n'): Promise<Allgo> {
  const { dataDir, token, url, env } = await serverSetup(configYaml);
  if (process.env.BENCH_REDIS_URL) env.REDIS_URL = process.env.BENCH_REDIS_URL;
  // To see where a benchmark's server spends its time: a V8 CPU profile per process, in that folder.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const role = spawnRole('up', env, [], profile);
  try {
    await role.waitFor('allgo: listening on', 60_000);
  } catch (err) {
    await role.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const pid = role.child.pid!;
  const redisPid = childProcesses(pid).find((c) => c.comm === 'redis-server')?.pid ?? null;
  return {
    url,
    token,
    dataDir,
    pid,
    redisPid,
    role,
    api: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Token token=${token}`);
      return fetch(url + path, { ...init, headers });
    },
    memory: () => ({ allgo: rssKb(pid), redis: redisPid ? rssKb(redisPid) : null }),
    async stop() {
      await role.stop();
      const left = role.output().split('\n').filter((l) => /"level":(50|60)/.test(l));
      if (left.length) console.error(`allgo logged ${left.length} errors; the first:\n${left[0]}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A git work tree of test/fixtures/probe (the helper removes it when the process exits). */
export const probeRepo = (): string => fixtureRepo('probe');

/** Pushes the work tree to allgo as `app` and waits (bounded) for `version` to be ready. */
export async function publish(a: Allgo, dir: string, app: string, version: string): Promise<{ pushMs: number; readyMs: number }> {
  const started = performance.now();
  let readyMs: number | null = null;
  let pushing = true;
  // Watches the API while the push runs: the version is ready a little before the push returns.
  const watch = (async () => {
    while (pushing && readyMs === null && performance.now() - started < 300_000) {
      if (await isReady(a, app, version)) readyMs = performance.now() - started;
      else await sleep(20);
    }
  })();
  const res = await push(dir, a.url, app, 'admin', a.token);
  const pushMs = performance.now() - started;
  pushing = false;
  await watch;
  if (res.code !== 0) throw new Error(`push of ${app} ${version} failed:\n${res.output}`);
  if (readyMs === null && (await isReady(a, app, version))) readyMs = pushMs;
  if (readyMs === null) throw new Error(`${app} ${version} is not ready after the push:\n${res.output}`);
  return { pushMs, readyMs };
}

async function isReady(a: Allgo, app: string, version: string): Promise<boolean> {
  const res = await a.api(`/api/v1/apps/${app}`);
  if (!res.ok) return false;
  const body = (await res.json()) as { versions?: { version: string; state: string }[] };
  return !!body.versions?.some((v) => v.version === version && v.state === 'ready');
}

/** Sets the version label in allgo.yaml and commits, so the next push publishes a new version. */
export function bumpVersion(dir: string, version: string): void {
  editFile(dir, 'allgo.yaml', (t) => t.replace(/^version: .*$/m, `version: "${version}"`));
  commitAll(dir, `version ${version}`);
}

/** Removes the images of the given repositories (the plain baselines; support/images.ts removes allgo's). */
export function removeImages(repos: string[]): void {
  for (const repo of repos) {
    try {
      const refs = execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', repo], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').filter(Boolean);
      if (refs.length) execFileSync('docker', ['rmi', '-f', ...refs], { stdio: 'ignore' });
    } catch (err) {
      // Never hide the benchmark's own error (e.g. the engine went away during it).
      console.error(`could not remove the images of ${repo}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}

export const benchName = (base: string): string => `${base}-${randomBytes(3).toString('hex')}`;
