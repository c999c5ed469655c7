// allgo scaled out on this machine, as production runs it: the compiled `allgo server` and
// `allgo builder` on one data dir (the server supervises its redis-server), and runner hosts
// as `allgo runner` processes with data dirs of their own and runner tokens, which reach the
// server over HTTP and share no folder with it. They share this machine's one Docker engine.
import { INTERNAL_URL_FILE } from '../../server/internal-listener.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { childProcesses, rssKb } from './measure.js';
import { serverSetup, type Allgo } from './allgo.js';

export interface Fleet extends Allgo {
  /** Starts a runner host; resolves once it is ready. LOG_LEVEL=info: its job timings are in its output. */
  addRunner(name: string): Promise<RoleProcess>;
  runners: RoleProcess[];
}

export async function startFleet(configYaml: string): Promise<Fleet> {
  const { dataDir, token, url, env } = await serverSetup(configYaml, 'allgo-bench-fleet-');
  const server = spawnRole('server', env);
  const roles: RoleProcess[] = [server];
  const runners: RoleProcess[] = [];
  const dirs = [dataDir];
  const stopAll = async () => {
    for (const r of [...runners, ...roles].reverse()) await r.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    await server.waitFor('allgo: listening on', 60_000);
    const builder = spawnRole('builder', env);
    roles.push(builder);
    await builder.waitFor('builder ready', 60_000);
  } catch (err) {
    await stopAll();
    throw err;
  }
  const redisUrl = readFileSync(join(dataDir, 'redis', 'url'), 'utf8').trim();
  // Runner hosts reach the server's internal listener, whose address the server writes down.
  const serverUrl = readFileSync(join(dataDir, INTERNAL_URL_FILE), 'utf8').trim();
  const api = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Token token=${token}`);
    return fetch(url + path, { ...init, headers });
  };
  const pid = server.child.pid!;
  const redisPid = childProcesses(pid).find((c) => c.comm === 'redis-server')?.pid ?? null;
  return {
    url,
    token,
    dataDir,
    pid,
    redisPid,
    role: server,
    runners,
    api,
    memory: () => ({ allgo: rssKb(pid), redis: redisPid ? rssKb(redisPid) : null }),
    async addRunner(name) {
      const res = await api('/api/v1/runner-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      if (res.status !== 201) throw new Error(`runner token ${name}: ${res.status} ${await res.text()}`);
      const own = mkdtempSync(join(tmpdir(), `allgo-bench-${name}-`));
      dirs.push(own);
      const runner = spawnRole('runner', {
        ALLGO_DATA_DIR: own,
        REDIS_URL: redisUrl,
        ALLGO_SERVER_URL: serverUrl,
        ALLGO_RUNNER_TOKEN: ((await res.json()) as { token: string }).token,
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
        HOME: env.HOME,
      });
      runners.push(runner);
      await runner.waitFor('runner ready', 60_000);
      return runner;
    },
    stop: stopAll,
  };
}

/** The runner's own timings of each job it ran (from its JSON log): staging and upload, in ms. */
export function runnerTimings(runner: RoleProcess): { jobId: number; stagingMs?: number; uploadMs?: number }[] {
  const byJob = new Map<number, { jobId: number; stagingMs?: number; uploadMs?: number }>();
  for (const line of runner.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    const l = JSON.parse(line) as { jobId?: number; stagingMs?: number; uploadMs?: number };
    if (l.jobId === undefined || (l.stagingMs === undefined && l.uploadMs === undefined)) continue;
    const t = byJob.get(l.jobId) ?? { jobId: l.jobId };
    if (l.stagingMs !== undefined) t.stagingMs = l.stagingMs;
    if (l.uploadMs !== undefined) t.uploadMs = l.uploadMs;
    byJob.set(l.jobId, t);
  }
  return [...byJob.values()];
}
