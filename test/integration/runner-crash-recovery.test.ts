// Nothing lost, nothing stuck: runners killed or frozen mid-job, a server killed while jobs
// run, Redis restarted with jobs queued. Each role here is a real process killed for real.
import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../../common/config.js';
import { startRoles, type StartedRoles } from '../../cli/roles.js';
import { RedisSupervisor } from '../../cli/redis-supervisor.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { platformEnv, removeImages, uniqueName, type PlatformEnv } from '../helpers/platform.js';
import { jobWhenDone } from '../helpers/job-done.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';

const CONFIG = 'runner: {lock_duration: 2s, concurrency: 2}\n';
const TICKS = `echo start >> starts.txt; for i in $(seq 1 12); do echo tick $i; sleep 0.5; done`;
const EXPECTED_TICKS = Array.from({ length: 12 }, (_, i) => `tick ${i + 1}\n`).join('');

/** Cleanup after the test, in reverse order of set-up; it never fails the test. */
const afterTest = (fn: () => unknown): void =>
  onTestFinished(async () => {
    try {
      await fn();
    } catch {
      // already gone
    }
  });

/** A data dir, port and token of its own, removed after the test; no role started yet. */
async function makeEnv(redisUrl?: string): Promise<PlatformEnv> {
  const e = await platformEnv({ configYaml: CONFIG, redisUrl });
  afterTest(() => rmSync(e.dataDir, { recursive: true, force: true }));
  return e;
}

async function inProcess(e: PlatformEnv, roles: { server: boolean; builder: boolean; runner: boolean }): Promise<StartedRoles> {
  const running = await startRoles(loadConfig(e.env), roles, pino({ level: 'silent' }));
  afterTest(() => running.close());
  return running;
}

function role(name: 'server' | 'runner', e: PlatformEnv): RoleProcess {
  const r = spawnRole(name, e.env);
  afterTest(() => r.stop('SIGKILL'));
  return r;
}

async function publishProbe(e: PlatformEnv): Promise<string> {
  const app = uniqueName('probe');
  afterTest(() => removeImages([app]));
  const r = await push(fixtureRepo('probe'), e.url, app, 'admin', e.adminToken);
  expect(r.code, r.output).toBe(0);
  return app;
}

async function submit(e: PlatformEnv, app: string, script: string): Promise<number> {
  const f = new FormData();
  f.append('job[webapp_id]', app);
  f.append('job[param]', `bash '${script}'`);
  const res = await fetch(`${e.url}/api/v1/jobs`, { method: 'POST', headers: { authorization: `Token token=${e.adminToken}` }, body: f });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

async function job(e: PlatformEnv, id: number): Promise<Record<string, unknown>> {
  return (await (await fetch(`${e.url}/api/v1/jobs/${id}`, { headers: { authorization: `Token token=${e.adminToken}` } })).json()) as Record<string, unknown>;
}

/** The job's log: from the runner host while it runs (the API's live copy), then the committed file. */
const log = async (e: PlatformEnv, id: number): Promise<string> => {
  const res = await fetch(`${e.url}/api/v1/jobs/${id}/log`, { headers: { authorization: `Token token=${e.adminToken}` } }).catch(() => null);
  return res?.ok ? res.text() : '';
};
/** The log on the runner host itself, which it keeps until the server takes the outputs. */
const runnerLog = (e: PlatformEnv, id: number): string => {
  try {
    return readFileSync(join(e.dataDir, 'runner', 'work', `${id}-1`, 'allgo.log'), 'utf8');
  } catch {
    return '';
  }
};
const starts = (e: PlatformEnv, id: number): string => readFileSync(join(e.dataDir, 'datastore', String(id), 'starts.txt'), 'utf8');

/** Waits (bounded) until the job's log holds `text`. */
const logShows = (e: PlatformEnv, id: number, text: string, timeout = 30_000) =>
  expect.poll(() => log(e, id), { timeout, message: `job ${id}'s log never showed "${text}"` }).toContain(text);

const done = (e: PlatformEnv, id: number, timeout = 90_000) => jobWhenDone(id, () => job(e, id), timeout, 100);

describe('a runner killed mid-job', () => {
  it('is replaced by one that re-attaches to the container and finishes the job, log complete', async () => {
    const e = await makeEnv();
    await inProcess(e, { server: true, builder: true, runner: false });
    const app = await publishProbe(e);
    const first = role('runner', e);
    await first.waitFor('runner ready');
    const id = await submit(e, app, TICKS);
    await logShows(e, id, 'tick 3');
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
    await logShows(e, id, 'begun');
    await first.stop('SIGKILL');
    const redis = new Redis(e.env.REDIS_URL);
    const instance = await redis.get(`${e.env.ALLGO_REDIS_PREFIX}:instance`).finally(() => redis.disconnect());
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
    await logShows(e, id, 'tick 2');
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
    await expect.poll(async () => [(await job(e, ids[0])).status, (await job(e, ids[1])).status], { timeout: 30_000, message: 'two jobs never ran' }).toEqual(['running', 'running']);
    await server.stop('SIGKILL');
    // The running jobs end while no server is there to hear it, nor to take their outputs: the
    // runner keeps them until it is back. The third can only start then (its inputs are there).
    await expect.poll(() => runnerLog(e, ids[0]), { timeout: 30_000, message: 'the first job never finished' }).toContain('ok');
    await expect.poll(() => runnerLog(e, ids[1]), { timeout: 30_000, message: 'the second job never finished' }).toContain('exited with code 5');
    server = role('server', e);
    await server.waitFor('listening on');
    const results = await Promise.all(ids.map((id) => done(e, id, 30_000)));
    expect(results.map((r) => [r.result, r.exit_code])).toEqual([
      ['success', 0],
      ['error', 5],
      ['success', 0],
    ]);
  });

  it('leaves a builder beside it able to fetch the next push’s source from its new internal address', async () => {
    const e = await makeEnv();
    let server = role('server', e);
    await server.waitFor('listening on');
    await inProcess(e, { server: false, builder: true, runner: false });
    // The internal listener takes a free port at each start: the builder knew the old one.
    const before = readFileSync(join(e.dataDir, 'internal-url'), 'utf8');
    await server.stop('SIGKILL');
    server = role('server', e);
    await server.waitFor('listening on');
    expect(readFileSync(join(e.dataDir, 'internal-url'), 'utf8')).not.toBe(before);
    await publishProbe(e);
  });
});

describe('Redis restarted while jobs are queued', () => {
  it('loses none of them (append-only file)', async () => {
    const redisDir = mkdtempSync(join(tmpdir(), 'allgo-crash-redis-'));
    afterTest(() => rmSync(redisDir, { recursive: true, force: true }));
    let sup = new RedisSupervisor(redisDir, pino({ level: 'silent' }));
    afterTest(() => sup.stop());
    const url = await sup.start();
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

async function bullJob(e: PlatformEnv, id: number): Promise<{ progress: unknown; stalledCounter: number }> {
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

async function runnerPidOf(e: PlatformEnv, id: number): Promise<number> {
  const { progress } = await bullJob(e, id);
  return Number(String((progress as { runner?: string }).runner ?? '').split(':').pop());
}
