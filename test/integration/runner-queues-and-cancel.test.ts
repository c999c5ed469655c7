// Queues: a cap on concurrent jobs over all runners, shorter queues first, a visible place in
// line; cancelling, deleting, and expiry of old jobs' files.
import { describe, expect, onTestFinished, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, uniqueName, waitForJob, type Platform, type PlatformOptions } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';

const CONFIG = `
queues:
  fast: {time_limit: 1m}
  solo: {time_limit: 10m, concurrency: 1}
  slow: {time_limit: 1h}
runner:
  concurrency: 3
`;

const test = platformTest({ configYaml: CONFIG });

/** Another platform, with the probe pushed, for this test only. */
async function otherPlatform(opts: PlatformOptions): Promise<{ p: Platform; probe: string }> {
  const p = await startPlatform(opts);
  onTestFinished(() => p.close());
  return { p, probe: await p.pushProbe() };
}

/** Waits (bounded) until job `id` has `status`. */
const reaches = (p: Platform, id: number, status: string, timeout = 60_000) =>
  expect.poll(async () => (await p.job(id)).status, { timeout, message: `job ${id} never reached ${status}` }).toBe(status);

describe('queues', () => {
  test('lists each queue with its time limit, priority and cap, shortest first', async ({ platform: p }) => {
    const body = (await (await p.api('/api/v1/queues')).json()) as { default: string; queues: Record<string, unknown>[] };
    expect(body.queues).toEqual([
      expect.objectContaining({ name: 'fast', time_limit: '1m', priority: 1, concurrency: null }),
      expect.objectContaining({ name: 'solo', time_limit: '10m', priority: 2, concurrency: 1 }),
      expect.objectContaining({ name: 'slow', time_limit: '1h', priority: 3, concurrency: null }),
    ]);
  });

  test('runs one job at a time in a queue capped at 1, and tells a waiting job its place', async ({ platform: p, probe }) => {
    const ids = [await p.submit(probe, 'sleep 2', { queue: 'solo' }), await p.submit(probe, 'sleep 2', { queue: 'solo' }), await p.submit(probe, 'sleep 2', { queue: 'solo' })];
    let maxRunning = 0;
    let sawPosition = false;
    await vi.waitFor(
      async () => {
        const jobs = await Promise.all(ids.map((id) => p.job(id)));
        maxRunning = Math.max(maxRunning, jobs.filter((j) => j.status === 'running').length);
        if (jobs[2].status === 'waiting' && typeof jobs[2].queue_position === 'number') sawPosition = true;
        expect(jobs.map((j) => j.status), 'the three jobs did not all finish').toEqual(['done', 'done', 'done']);
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(maxRunning).toBe(1);
    expect(sawPosition).toBe(true);
    const started = await Promise.all(ids.map(async (id) => Date.parse((await p.job(id)).started_at as string)));
    expect(started[0]).toBeLessThan(started[1]);
    expect(started[1]).toBeLessThan(started[2]);
  });
});

describe('priority', () => {
  test('serves the queue with the shorter time limit first when a runner frees a slot', async () => {
    const { p: one, probe: app } = await otherPlatform({ configYaml: 'runner: {concurrency: 1}\n' });
    const blocker = await one.submit(app, 'sleep 2', { queue: 'batch' });
    await reaches(one, blocker, 'running');
    const longer = await one.submit(app, 'exit 0', { queue: 'batch' });
    const shorter = await one.submit(app, 'exit 0', { queue: 'interactive' });
    const [a, b] = [await waitForJob(one, longer, one.adminToken), await waitForJob(one, shorter, one.adminToken)];
    expect(Date.parse(b.started_at as string)).toBeLessThan(Date.parse(a.started_at as string));
  });
});

describe('cancel and delete', () => {
  test('cancels a waiting job: it never starts', async ({ platform: p, probe }) => {
    const blocker = await p.submit(probe, 'sleep 3', { queue: 'solo' });
    await reaches(p, blocker, 'running');
    const waiting = await p.submit(probe, 'sleep 1', { queue: 'solo' });
    const res = await p.api(`/api/v1/jobs/${waiting}`, { method: 'DELETE', token: p.adminToken });
    expect(res.status).toBe(200);
    expect(await waitForJob(p, waiting, p.adminToken)).toMatchObject({ status: 'done', result: 'aborted', message: 'cancelled before it started', started_at: null });
    await waitForJob(p, blocker, p.adminToken);
  });

  test('cancels a running job: aborting, then done/aborted with its partial output kept', async ({ platform: p, probe }) => {
    const id = await p.submit(probe, 'tick 100', { queue: 'fast' });
    await expect.poll(async () => (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text(), { message: `job ${id} never printed tick 2` }).toContain('tick 2');
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

  test('deletes a finished job: its files are removed and its links answer 410', async ({ platform: p, probe }) => {
    const id = await p.submit(probe, 'write result.txt 42', { queue: 'fast' });
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
  test('archives finished jobs after the configured time: files gone, metadata kept', async () => {
    const { p: short, probe: app } = await otherPlatform({ configYaml: 'jobs: {retention: 2s}\n' });
    const id = await short.submit(app, 'write out.txt kept-for-a-while', { queue: 'standard' });
    const done = await waitForJob(short, id, short.adminToken);
    expect(done).toMatchObject({ status: 'done', result: 'success' });
    const url = (done.files as { name: string; url: string }[]).find((f) => f.name === 'out.txt')!.url;
    await reaches(short, id, 'archived', 20_000);
    const archived = await short.job(id);
    expect(archived).toMatchObject({ status: 'archived', result: 'success', exit_code: 0, files: [] });
    expect((await fetch(url)).status).toBe(410);
    // Its event stream ends at once instead of waiting for a log that will never come.
    const events = await fetch(`${short.url}/api/v1/jobs/${id}/events`, { headers: { authorization: `Token token=${short.adminToken}` }, signal: AbortSignal.timeout(15_000) });
    expect(await events.text()).toContain('event: end');
  });
});
