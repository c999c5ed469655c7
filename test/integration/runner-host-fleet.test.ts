// Runner hosts as a fleet: each is listed with its heartbeat; labels route queues to the
// hosts that have them; a host lost mid-job gets the job started again elsewhere when its
// queue allows retries, and ended as "runner host NAME lost" when it does not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { fixtureRepo, push } from '../helpers/git.js';
import { removeImages, uniqueName } from '../helpers/platform.js';
import { startFleet, type Fleet, type RunnerHost } from '../helpers/runner-hosts.js';
import { allgo, tempHomes } from '../helpers/cli.js';

const CONFIG = `
queues:
  standard: {time_limit: 20m}
  gpu: {time_limit: 20m, labels: [gpu]}
  retrying: {time_limit: 20m, retries: 1}
  single: {time_limit: 20m, concurrency: 1}
runner: {lock_duration: 2s, heartbeat: 1s, concurrency: 2}
`;

let fleet: Fleet;
let probe: string;
const homes = tempHomes();

beforeAll(async () => {
  fleet = await startFleet(CONFIG);
  probe = uniqueName('probe');
  expect((await push(fixtureRepo('probe'), fleet.url, probe, 'admin', fleet.adminToken)).code).toBe(0);
});
afterAll(async () => {
  await fleet?.close();
  removeImages([probe]);
  homes.removeAll();
});

type QueueInfo = { name: string; labels: string[]; runners: number; served: boolean };
const queues = async (): Promise<Record<string, QueueInfo>> =>
  Object.fromEntries(((await (await fleet.api('/api/v1/queues')).json()) as { queues: QueueInfo[] }).queues.map((q) => [q.name, q]));

async function containerOf(id: number): Promise<string> {
  const redis = new Redis(fleet.redisUrl);
  try {
    return `allgo-${await redis.get(`${fleet.prefix}:instance`)}-job-${id}`;
  } finally {
    redis.disconnect();
  }
}

describe('labels and heartbeats', () => {
  it('a gpu queue waits, said so, until a runner with the label joins; each host is listed', async () => {
    const plain = await fleet.runner('plain');
    await plain.process.waitFor('runner ready');
    await expect.poll(async () => (await queues()).standard.served, { timeout: 10_000, message: 'not yet: standard served' }).toBe(true);
    const q = await queues();
    expect(q.gpu).toMatchObject({ labels: ['gpu'], runners: 0, served: false });
    const gpuJob = await fleet.submit(probe, 'args on-gpu', { queue: 'gpu' });
    // The plain host serves its queue meanwhile, and leaves the gpu job alone.
    expect(await fleet.done(await fleet.submit(probe, 'args plain'))).toMatchObject({ result: 'success' });
    expect((await fleet.job(gpuJob)).status).toBe('waiting');

    const gpu = await fleet.runner('gpu-host', { labels: 'gpu,highmem' });
    await gpu.process.waitFor('runner ready');
    expect(await fleet.done(gpuJob)).toMatchObject({ result: 'success' });
    expect((await fleet.progress(gpuJob, 'gpu'))?.host).toBe('gpu-host');
    expect((await queues()).gpu).toMatchObject({ runners: 1, served: true });

    const res = await fleet.api('/api/v1/runners');
    const { runners } = (await res.json()) as { runners: { name: string; labels: string[]; slots: number; live: boolean; version: string; queues: string[]; last_heartbeat: string }[] };
    const byName = Object.fromEntries(runners.map((r) => [r.name, r]));
    expect(byName.plain).toMatchObject({ labels: [], slots: 2, live: true, queues: ['standard', 'retrying', 'single'] });
    expect(byName['gpu-host']).toMatchObject({ labels: ['gpu', 'highmem'], slots: 2, live: true, queues: ['standard', 'gpu', 'retrying', 'single'] });
    expect(byName.plain.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Date.now() - Date.parse(byName.plain.last_heartbeat)).toBeLessThan(60_000);
    // Listing the fleet is an admin's business.
    const user = await fleet.api('/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: uniqueName('u'), email: 'u@example.org' }) });
    const userToken = ((await user.json()) as { token: string }).token;
    expect((await fleet.api('/api/v1/runners', { token: userToken })).status).toBe(403);

    const cli = await allgo(['runners', '--url', fleet.url, '--token', fleet.adminToken], { home: homes.make() });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^NAME\s+HOST\s+LABELS\s+SLOTS\s+RUNNING\s+LAST HEARTBEAT\s+LIVE\s+VERSION/);
    expect(cli.stdout).toMatch(/gpu-host\s+\S+\s+gpu,highmem\s+2\s/);

    await gpu.process.stop('SIGTERM');
    await plain.process.stop('SIGTERM');
    // A runner that stops says goodbye: the queue is unserved at once, not after a timeout.
    expect((await queues()).gpu).toMatchObject({ runners: 0, served: false });
  });
});

describe('a queue capped at one job', () => {
  it('runs one job at a time across two runner hosts that both serve it', async () => {
    const hosts = [await fleet.runner(uniqueName('cap-a')), await fleet.runner(uniqueName('cap-b'))];
    for (const h of hosts) await h.process.waitFor('runner ready');
    await expect.poll(async () => (await queues()).single.runners === 2, { timeout: 10_000, message: 'not yet: both hosts serve the queue' }).toBe(true);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await fleet.submit(probe, 'sleep 1', { queue: 'single' }));
    let most = 0;
    const states = async () => Promise.all(ids.map(async (id) => (await fleet.job(id)).status as string));
    // Sampled until all are done (bounded: 4 one-second jobs end well within a minute).
    for (let i = 0; i < 600; i++) {
      const now = await states();
      most = Math.max(most, now.filter((s) => s === 'running').length);
      if (now.every((s) => s === 'done')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(most).toBe(1);
    for (const id of ids) expect(await fleet.job(id)).toMatchObject({ result: 'success' });
    for (const h of hosts) await h.process.stop('SIGTERM');
  });
});

describe('a runner host lost mid-job', () => {
  const survivors: RunnerHost[] = [];
  afterEach(async () => {
    for (const h of survivors.splice(0)) await h.process.stop('SIGTERM');
  });

  async function loseHostMidJob(queue: string): Promise<{ id: number; survivor: string }> {
    const doomed = await fleet.runner(uniqueName('doomed'));
    await doomed.process.waitFor('runner ready');
    const id = await fleet.submit(probe, `bash 'echo start >> starts.txt; echo begun; sleep 12; echo finished'`, { queue });
    // Its container runs: it has printed.
    await expect.poll(async () => (await (await fleet.api(`/api/v1/jobs/${id}/log`)).text()).includes('begun'), { timeout: 60_000, message: 'not yet: job running' }).toBe(true);
    expect((await fleet.progress(id, queue))?.host).toBe(doomed.name);
    const survivor = await fleet.runner(uniqueName('survivor'));
    survivors.push(survivor);
    await survivor.process.waitFor('runner ready');
    // The whole host goes: its runner, and its engine's containers with it.
    await doomed.process.stop('SIGKILL');
    execFileSync('docker', ['rm', '-f', await containerOf(id)], { stdio: 'ignore' });
    return { id, survivor: survivor.name };
  }

  it('starts the job again on another host when its queue allows a retry', async () => {
    const { id, survivor } = await loseHostMidJob('retrying');
    const end = await fleet.done(id);
    expect(end).toMatchObject({ result: 'success', exit_code: 0 });
    expect(await fleet.progress(id, 'retrying')).toMatchObject({ host: survivor, attempt: 2 });
    // Its files are the second attempt's alone: the lost host's never became visible.
    const starts = (end.files as { name: string; url: string }[]).find((f) => f.name === 'starts.txt')!;
    expect(await (await fetch(starts.url)).text()).toBe('start\n');
    const log = await (await fleet.api(`/api/v1/jobs/${id}/events`)).text();
    expect(log).toMatch(/runner host doomed-\w+ lost; starting the job again on survivor-\w+ \(attempt 2 of 2\)/);
  });

  it('ends the job as "runner host NAME lost" when its queue allows none, its inputs kept', async () => {
    const { id } = await loseHostMidJob('standard');
    const end = await fleet.done(id);
    expect(end).toMatchObject({ result: 'error', exit_code: null });
    expect(end.message).toMatch(/^runner host doomed-\w+ lost$/);
    expect((end.files as { name: string }[]).map((f) => f.name)).toEqual(['allgo.log']);
    const log = await (await fleet.api(`/api/v1/jobs/${id}/log`)).text();
    expect(log).toContain('begun\n');
    expect(log).toMatch(/\[allgo\] runner host doomed-\w+ lost\n$/);
  });
});
