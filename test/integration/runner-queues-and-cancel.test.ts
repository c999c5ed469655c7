// Queues: a cap on concurrent jobs over all runners, shorter queues first, a visible place in
// line; cancelling, deleting, and expiry of old jobs' files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, removeImages, uniqueName, waitForJob, type Platform } from '../helpers/platform.js';
import { fixtureRepo, push } from '../helpers/git.js';

let p: Platform;
let probe: string;
const images: string[] = [];

const CONFIG = `
queues:
  fast: {time_limit: 1m}
  solo: {time_limit: 10m, concurrency: 1}
  slow: {time_limit: 1h}
runner:
  concurrency: 3
`;

beforeAll(async () => {
  p = await startPlatform({ configYaml: CONFIG });
  probe = uniqueName('probe');
  images.push(probe);
  expect((await push(fixtureRepo('probe'), p.url, probe, 'admin', p.adminToken)).code).toBe(0);
});
afterAll(async () => {
  await p?.close();
  removeImages(images);
});

async function submit(param: string, queue: string, platform = p, app = probe): Promise<number> {
  const f = new FormData();
  f.append('job[webapp_id]', app);
  f.append('job[queue]', queue);
  f.append('job[param]', param);
  const res = await platform.api('/api/v1/jobs', { method: 'POST', token: platform.adminToken, body: f });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

const get = async (id: number, platform = p) => (await (await platform.api(`/api/v1/jobs/${id}`, { token: platform.adminToken })).json()) as Record<string, unknown>;

async function until(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('queues', () => {
  it('lists each queue with its time limit, priority and cap, shortest first', async () => {
    const body = (await (await p.api('/api/v1/queues')).json()) as { default: string; queues: Record<string, unknown>[] };
    expect(body.queues).toEqual([
      expect.objectContaining({ name: 'fast', time_limit: '1m', priority: 1, concurrency: null }),
      expect.objectContaining({ name: 'solo', time_limit: '10m', priority: 2, concurrency: 1 }),
      expect.objectContaining({ name: 'slow', time_limit: '1h', priority: 3, concurrency: null }),
    ]);
  });

  it('runs one job at a time in a queue capped at 1, and tells a waiting job its place', async () => {
    const ids = [await submit('sleep 2', 'solo'), await submit('sleep 2', 'solo'), await submit('sleep 2', 'solo')];
    let maxRunning = 0;
    let sawPosition = false;
    await until(async () => {
      const jobs = await Promise.all(ids.map((id) => get(id)));
      maxRunning = Math.max(maxRunning, jobs.filter((j) => j.status === 'running').length);
      if (jobs[2].status === 'waiting' && typeof jobs[2].queue_position === 'number') sawPosition = true;
      return jobs.every((j) => j.status === 'done');
    });
    expect(maxRunning).toBe(1);
    expect(sawPosition).toBe(true);
    const started = await Promise.all(ids.map(async (id) => Date.parse((await get(id)).started_at as string)));
    expect(started[0]).toBeLessThan(started[1]);
    expect(started[1]).toBeLessThan(started[2]);
  });
});

describe('priority', () => {
  it('serves the queue with the shorter time limit first when a runner frees a slot', async () => {
    const one = await startPlatform({ configYaml: 'runner: {concurrency: 1}\n' });
    try {
      const app = uniqueName('probe');
      images.push(app);
      expect((await push(fixtureRepo('probe'), one.url, app, 'admin', one.adminToken)).code).toBe(0);
      const blocker = await submit('sleep 2', 'batch', one, app);
      await until(async () => (await get(blocker, one)).status === 'running');
      const longer = await submit('exit 0', 'batch', one, app);
      const shorter = await submit('exit 0', 'interactive', one, app);
      const [a, b] = [await waitForJob(one, longer, one.adminToken), await waitForJob(one, shorter, one.adminToken)];
      expect(Date.parse(b.started_at as string)).toBeLessThan(Date.parse(a.started_at as string));
    } finally {
      await one.close();
    }
  });
});

describe('cancel and delete', () => {
  it('cancels a waiting job: it never starts', async () => {
    const blocker = await submit('sleep 3', 'solo');
    await until(async () => (await get(blocker)).status === 'running');
    const waiting = await submit('sleep 1', 'solo');
    const res = await p.api(`/api/v1/jobs/${waiting}`, { method: 'DELETE', token: p.adminToken });
    expect(res.status).toBe(200);
    expect(await waitForJob(p, waiting, p.adminToken)).toMatchObject({ status: 'done', result: 'aborted', message: 'cancelled before it started', started_at: null });
    await waitForJob(p, blocker, p.adminToken);
  });

  it('cancels a running job: aborting, then done/aborted with its partial output kept', async () => {
    const id = await submit('tick 100', 'fast');
    await until(async () => {
      const log = await (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text();
      return log.includes('tick 2');
    });
    const other = await p.addUser(uniqueName('other'));
    expect((await p.api(`/api/v1/jobs/${id}`, { method: 'DELETE', token: other })).status).toBe(404);
    const res = await p.api(`/api/v1/jobs/${id}`, { method: 'DELETE', token: p.adminToken });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id, status: 'aborting' });
    const job = await waitForJob(p, id, p.adminToken, 30_000);
    expect(job).toMatchObject({ status: 'done', result: 'aborted' });
    const log = await (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text();
    expect(log).toContain('tick 1');
    expect(log).not.toContain('tick 100');
    expect(log).toContain('[allgo] cancelled while running');
  });

  it('deletes a finished job: its files are removed and its links answer 410', async () => {
    const id = await submit('write result.txt 42', 'fast');
    const job = await waitForJob(p, id, p.adminToken);
    const url = (job.files as { name: string; url: string }[]).find((f) => f.name === 'result.txt')!.url;
    expect(await (await fetch(url)).text()).toBe('42\n');
    expect((await p.api(`/api/v1/jobs/${id}`, { method: 'DELETE', token: p.adminToken })).status).toBe(200);
    expect((await fetch(url)).status).toBe(410);
    expect((await p.api(`/api/v1/jobs/${id}`, { token: p.adminToken })).status).toBe(404);
    expect(existsSync(join(p.dataDir, 'datastore', String(id)))).toBe(false);
  });
});

describe('retention', () => {
  it('archives finished jobs after the configured time: files gone, metadata kept', async () => {
    const short = await startPlatform({ configYaml: 'jobs: {retention: 2s}\n' });
    try {
      const app = uniqueName('probe');
      images.push(app);
      expect((await push(fixtureRepo('probe'), short.url, app, 'admin', short.adminToken)).code).toBe(0);
      const id = await submit('write out.txt kept-for-a-while', 'standard', short, app);
      const done = await waitForJob(short, id, short.adminToken);
      expect(done).toMatchObject({ status: 'done', result: 'success' });
      const url = (done.files as { name: string; url: string }[]).find((f) => f.name === 'out.txt')!.url;
      await until(async () => (await get(id, short)).status === 'archived', 20_000);
      const archived = await get(id, short);
      expect(archived).toMatchObject({ status: 'archived', result: 'success', exit_code: 0, files: [] });
      expect((await fetch(url)).status).toBe(410);
      // Its event stream ends at once instead of waiting for a log that will never come.
      const events = await fetch(`${short.url}/api/v1/jobs/${id}/events`, { headers: { authorization: `Token token=${short.adminToken}` }, signal: AbortSignal.timeout(15_000) });
      expect(await events.text()).toContain('event: end');
    } finally {
      await short.close();
    }
  });
});
