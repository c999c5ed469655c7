// The admin overview, through the API and `allgo admin`: what an admin watches (queues, runners,
// the last failures with their messages, the biggest users, disk use), 403 for anyone else.
import { describe, expect } from 'vitest';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliTest } from '../helpers/cli.js';
import { allgo } from '../helpers/cli.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { waitForJob } from '../helpers/platform.js';
import type { AdminOverview, User } from '../../schemas/index.js';

const METRICS_TOKEN = 'admin-overview-metrics-token';
const test = cliTest({ env: { ALLGO_METRICS_TOKEN: METRICS_TOKEN } });

/** One sample of /metrics' text, by its name and labels as written there. */
const sample = (text: string, series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

describe('the admin overview', () => {
  test('shows an admin the failed job and build with their messages, the user\'s storage, queues, runners and disks', async ({ platform: p, probe, user }) => {
    const failed = await p.submit(probe, 'exit 3', { token: user.token });
    const job = await waitForJob(p, failed, user.token);
    expect(job.result).toBe('error');
    const broken = p.appName('broken');
    const pushed = await push(fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'Dockerfile'), 'RUNN echo typo\n')), p.url, broken, 'admin', p.adminToken);
    expect(pushed.code).not.toBe(0);
    const me = (await (await p.api('/api/v1/user', { token: user.token })).json()) as Required<User>;
    expect(me.usage.storage_bytes).toBeGreaterThan(0);

    const res = await p.api('/api/v1/admin/overview', { token: p.adminToken });
    expect(res.status).toBe(200);
    const o = (await res.json()) as AdminOverview;
    expect(o.failed_jobs[0]).toMatchObject({ id: failed, app: probe, version: '1.0', user: user.name, result: 'error', message: job.message });
    expect(job.message).toBe('exited with code 3');
    expect(o.failed_builds.find((b) => b.app === broken)).toMatchObject({ version: '1.0', pusher: 'admin', error: expect.stringContaining('unknown instruction RUNN') });
    expect(o.users_by_storage.find((u) => u.name === user.name)).toEqual({ name: user.name, storage_bytes: me.usage.storage_bytes, jobs: 1, running: 0 });
    expect(o.queues.map((q) => q.name)).toEqual(['interactive', 'standard', 'batch']);
    expect(o.queues.find((q) => q.name === 'standard')).toMatchObject({ depth: 0, running: 0, oldest_waiting_since: null, oldest_waiting_seconds: 0 });
    // allgo up's own runner, heard from just now.
    expect(o.runners).toEqual([expect.objectContaining({ live: 1, slots: expect.any(Number), slots_in_use: 0 })]);
    expect(o.runners[0].heartbeat_age_seconds).toBeLessThan(60);
    expect(o.disk.data_dir).toMatchObject({ path: p.dataDir, jobs_bytes: expect.any(Number) });
    expect(o.disk.data_dir.jobs_bytes).toBeGreaterThanOrEqual(me.usage.storage_bytes);
    expect(o.disk.data_dir.free_bytes).toBeLessThanOrEqual(o.disk.data_dir.size_bytes);
    expect(o.disk.registry).toBeNull();
    expect(o.disk.docker?.images_bytes).toBeGreaterThan(0);

    // The metrics' numbers, read by the same functions.
    const metrics = await (await p.api('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const host = o.runners[0].host;
    expect(sample(metrics, `allgo_runner_slots{host="${host}"}`)).toBe(o.runners[0].slots);
    expect(sample(metrics, `allgo_runners_live{host="${host}"}`)).toBe(o.runners[0].live);
    expect(sample(metrics, 'allgo_queue_depth{queue="standard"}')).toBe(o.queues[1].depth);
    expect(sample(metrics, 'allgo_queue_oldest_waiting_seconds{queue="standard"}')).toBe(0);
    expect(sample(metrics, 'allgo_data_dir_size_bytes')).toBe(o.disk.data_dir.size_bytes);

    const mine = await p.api('/api/v1/admin/overview', { token: user.token });
    expect(mine.status).toBe(403);
    expect(await mine.json()).toEqual({ error: 'only admins can see the admin overview', code: 'forbidden' });
    expect((await p.api('/api/v1/admin/overview')).status).toBe(401);
  });

  test('allgo admin prints the sections for an admin, --json the API\'s answer, and refuses a user', async ({ platform: p, probe, home, userEnv }) => {
    const failed = await p.submit(probe, 'exit 4', { token: userEnv.ALLGO_TOKEN });
    await waitForJob(p, failed, userEnv.ALLGO_TOKEN);
    const env = { ALLGO_URL: p.url, ALLGO_TOKEN: p.adminToken };
    const r = await allgo(['admin'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    for (const title of ['QUEUES', 'RUNNERS', 'FAILED JOBS', 'FAILED BUILDS', 'USERS BY STORAGE', 'USERS BY RUNNING JOBS', 'DISK']) expect(r.stdout).toContain(`${title}\n`);
    expect(r.stdout).toMatch(new RegExp(`^${failed}\\s+${probe} 1\\.0\\s+user-\\w+\\s+standard\\s+error\\s+.*exited with code 4$`, 'm'));
    expect(r.stdout).toMatch(/^standard\s+0\s+0\s+-\s+-$/m);
    expect(r.stdout).toContain(`data dir ${p.dataDir}`);

    const json = await allgo(['admin', '--json'], { home, env });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as AdminOverview).failed_jobs[0]).toMatchObject({ id: failed, message: 'exited with code 4' });

    const refused = await allgo(['admin'], { home, env: userEnv });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('only admins can see the admin overview');
  });
});
