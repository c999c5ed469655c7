// Nothing lost, nothing stuck: runners killed or frozen mid-job, a server killed while jobs
// run, Redis restarted with jobs queued. Each role here is a real process killed for real.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { inject } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../../common/config.js';
import { startRoles, type Running } from '../../cli/roles.js';
import { RedisSupervisor } from '../../cli/redis-supervisor.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { removeImages, uniqueName } from '../helpers/platform.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { until } from '../helpers/processes.js';
import { freePort } from '../../common/net.js';

const CONFIG = 'runner: {lock_duration: 2s, concurrency: 2}\n';
const TICKS = `echo start >> starts.txt; for i in $(seq 1 12); do echo tick $i; sleep 0.5; done`;
const EXPECTED_TICKS = Array.from({ length: 12 }, (_, i) => `tick ${i + 1}\n`).join('');

interface Env {
  dataDir: string;
  env: Record<string, string>;
  url: string;
  token: string;
}

const images: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups.length = 0;
});
afterAll(() => removeImages(images));

async function makeEnv(redisUrl = inject('redisUrl')): Promise<Env> {
  const dataDir = mkdtempSync(join(tmpdir(), 'allgo-crash-'));
  writeFileSync(join(dataDir, 'config.yaml'), CONFIG);
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  return {
    dataDir,
    url: `http://127.0.0.1:${port}`,
    token,
    env: {
      ALLGO_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      ALLGO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      REDIS_URL: redisUrl,
      ALLGO_REDIS_PREFIX: `c${randomBytes(4).toString('hex')}`,
      ALLGO_ADMIN_TOKEN: token,
    },
  };
}

async function inProcess(e: Env, roles: { server: boolean; builder: boolean; runner: boolean }): Promise<Running> {
  const running = await startRoles(loadConfig(e.env), roles, pino({ level: 'silent' }));
  cleanups.push(() => running.close());
  return running;
}

function role(name: 'server' | 'runner', e: Env): RoleProcess {
  const r = spawnRole(name, e.env);
  cleanups.push(() => r.stop('SIGKILL'));
  return r;
}

async function publishProbe(e: Env): Promise<string> {
  const app = uniqueName('probe');
  images.push(app);
  const r = await push(fixtureRepo('probe'), e.url, app, 'admin', e.token);
  expect(r.code, r.output).toBe(0);
  return app;
}

async function submit(e: Env, app: string, script: string): Promise<number> {
  const f = new FormData();
  f.append('job[webapp_id]', app);
  f.append('job[param]', `bash '${script}'`);
  const res = await fetch(`${e.url}/api/v1/jobs`, { method: 'POST', headers: { authorization: `Token token=${e.token}` }, body: f });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

async function job(e: Env, id: number): Promise<Record<string, unknown>> {
  return (await (await fetch(`${e.url}/api/v1/jobs/${id}`, { headers: { authorization: `Token token=${e.token}` } })).json()) as Record<string, unknown>;
}

/** The job's log: from the runner host while it runs (the API's live copy), then the committed file. */
const log = async (e: Env, id: number): Promise<string> => {
  const res = await fetch(`${e.url}/api/v1/jobs/${id}/log`, { headers: { authorization: `Token token=${e.token}` } }).catch(() => null);
  return res?.ok ? res.text() : '';
};
/** The log on the runner host itself, which it keeps until the server takes the outputs. */
const runnerLog = (e: Env, id: number): string => {
  try {
    return readFileSync(join(e.dataDir, 'runner', 'work', `${id}-1`, 'allgo.log'), 'utf8');
  } catch {
    return '';
  }
};
const starts = (e: Env, id: number): string => readFileSync(join(e.dataDir, 'datastore', String(id), 'starts.txt'), 'utf8');

async function done(e: Env, id: number, ms = 90_000): Promise<Record<string, unknown>> {
  let last: Record<string, unknown> = {};
  await until(async () => (last = await job(e, id)).status === 'done', ms, `job ${id} done`);
  return last;
}

describe('a runner killed mid-job', () => {
  it('is replaced by one that re-attaches to the container and finishes the job, log complete', async () => {
    const e = await makeEnv();
    await inProcess(e, { server: true, builder: true, runner: false });
    const app = await publishProbe(e);
    const first = role('runner', e);
    await first.waitFor('runner ready');
    const id = await submit(e, app, TICKS);
    await until(async () => (await log(e, id)).includes('tick 3'), 30_000, 'tick 3');
    await first.stop('SIGKILL');
    const second = role('runner', e);
    await second.waitFor('runner ready');
    expect(await done(e, id)).toMatchObject({ result: 'success', exit_code: 0 });
    expect(await log(e, id)).toBe(EXPECTED_TICKS);
    expect(starts(e, id)).toBe('start\n');
  });

  it('ends as error "runner lost" when its container is gone too, instead of staying running', async () => {
    const e = await makeEnv();
    await inProcess(e, { server: true, builder: true, runner: false });
    const app = await publishProbe(e);
    const first = role('runner', e);
    await first.waitFor('runner ready');
    const id = await submit(e, app, 'echo begun; sleep 60');
    await until(async () => (await log(e, id)).includes('begun'), 30_000, 'job started');
    await first.stop('SIGKILL');
    const instance = await new Redis(e.env.REDIS_URL).get(`${e.env.ALLGO_REDIS_PREFIX}:instance`).then((v) => v!);
    execFileSync('docker', ['rm', '-f', `allgo-${instance}-job-${id}`], { stdio: 'ignore' });
    role('runner', e);
    const end = await done(e, id);
    expect(end).toMatchObject({ result: 'error' });
    expect(end.message).toContain('runner lost');
  });
});

describe('a runner frozen past its lock', () => {
  it('does not get the job run twice: the other runner re-attaches, the frozen one steps back', async () => {
    const e = await makeEnv();
    await inProcess(e, { server: true, builder: true, runner: false });
    const app = await publishProbe(e);
    const a = role('runner', e);
    const b = role('runner', e);
    await a.waitFor('runner ready');
    await b.waitFor('runner ready');
    const id = await submit(e, app, TICKS);
    await until(async () => (await log(e, id)).includes('tick 2'), 30_000, 'tick 2');
    const owner = await runnerPidOf(e, id);
    const frozen = [a, b].find((r) => r.child.pid === owner)!;
    expect(frozen).toBeDefined();
    frozen.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 6000));
    frozen.child.kill('SIGCONT');
    expect(await done(e, id)).toMatchObject({ result: 'success' });
    // BullMQ saw the claim lapse and handed the job on: the takeover really happened.
    expect((await bullJob(e, id)).stalledCounter).toBeGreaterThanOrEqual(1);
    expect(await log(e, id)).toBe(EXPECTED_TICKS);
    expect(starts(e, id)).toBe('start\n');
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
  });
});

describe('a server killed while jobs run', () => {
  it('records every job’s true outcome once it is back', async () => {
    const e = await makeEnv();
    let server = role('server', e);
    await server.waitFor('listening on');
    // Workers check the server at start: they join once it is up.
    await inProcess(e, { server: false, builder: true, runner: true });
    const app = await publishProbe(e);
    const ids = [await submit(e, app, 'sleep 2; echo ok'), await submit(e, app, 'sleep 2; exit 5'), await submit(e, app, 'sleep 3; echo late')];
    await until(async () => (await job(e, ids[0])).status === 'running' && (await job(e, ids[1])).status === 'running', 30_000, 'two jobs running');
    await server.stop('SIGKILL');
    // The running jobs end while no server is there to hear it, nor to take their outputs: the
    // runner keeps them until it is back. The third can only start then (its inputs are there).
    await until(() => runnerLog(e, ids[0]).includes('ok') && runnerLog(e, ids[1]).includes('exited with code 5'), 30_000, 'running jobs finished');
    server = role('server', e);
    await server.waitFor('listening on');
    const results = await Promise.all(ids.map((id) => done(e, id, 30_000)));
    expect(results.map((r) => [r.result, r.exit_code])).toEqual([
      ['success', 0],
      ['error', 5],
      ['success', 0],
    ]);
  });
});

describe('Redis restarted while jobs are queued', () => {
  it('loses none of them (append-only file)', async () => {
    const redisDir = mkdtempSync(join(tmpdir(), 'allgo-crash-redis-'));
    let sup = new RedisSupervisor(redisDir, pino({ level: 'silent' }));
    const url = await sup.start();
    cleanups.push(async () => rmSync(redisDir, { recursive: true, force: true }));
    cleanups.push(() => sup.stop());
    const e = await makeEnv(url);
    await inProcess(e, { server: true, builder: true, runner: false });
    const app = await publishProbe(e);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await submit(e, app, `echo job ${i}`));
    await sup.stop();
    sup = new RedisSupervisor(redisDir, pino({ level: 'silent' }));
    expect(await sup.start()).toBe(url);
    await inProcess(e, { server: false, builder: false, runner: true });
    for (const id of ids) expect(await done(e, id)).toMatchObject({ result: 'success' });
  });
});

async function bullJob(e: Env, id: number): Promise<{ progress: unknown; stalledCounter: number }> {
  const connection = new Redis(e.env.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('run-standard', { connection, prefix: e.env.ALLGO_REDIS_PREFIX });
  try {
    const j = await queue.getJob(`job-${id}`);
    return { progress: j?.progress, stalledCounter: j?.stalledCounter ?? 0 };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

async function runnerPidOf(e: Env, id: number): Promise<number> {
  const { progress } = await bullJob(e, id);
  return Number(String((progress as { runner?: string }).runner ?? '').split(':').pop());
}
