// Each user's share: the config's limits.user, or an admin's setting for them (API and
// `allgo user set`). Over max_running a job waits its turn; over max_waiting, per_minute or
// storage_gb a submission is refused with a code naming the limit and how to free room.
// GET /api/v1/user shows the use against the limits; GET /api/v1/storage the biggest users.
import { describe, expect, vi } from 'vitest';
import { uniqueName, type Platform } from '../helpers/platform.js';
import { allgo, cliTest } from '../helpers/cli.js';

const test = cliTest({ configYaml: 'runner: {concurrency: 3}\nlimits:\n  user: {per_minute: 4}\n' });

const json = { 'content-type': 'application/json' };

/** A fresh user and their token. */
async function newUser(p: Platform): Promise<{ name: string; token: string }> {
  const name = uniqueName('quota');
  return { name, token: await p.addUser(name) };
}

/** POST /api/v1/jobs as `token`, without throwing on a refusal. */
async function trySubmit(p: Platform, app: string, param: string, token: string): Promise<Response> {
  const form = new FormData();
  form.set('job[webapp_name]', app);
  form.set('job[param]', param);
  return p.api('/api/v1/jobs', { method: 'POST', token, body: form });
}

const setLimits = (p: Platform, name: string, body: object, token = p.adminToken) => p.api(`/api/v1/users/${name}`, { method: 'PATCH', token, headers: json, body: JSON.stringify(body) });

const me = async (p: Platform, token: string) => (await (await p.api('/api/v1/user', { token })).json()) as { limits: Record<string, number | null>; usage: { running: number; waiting: number; storage_bytes: number } };

describe('per-user limits', () => {
  test('refuses a submission past per_minute from the config with 429 rate_per_minute and Retry-After', async ({ platform: p, probe }) => {
    const u = await newUser(p);
    expect((await me(p, u.token)).limits).toEqual({ max_running: null, max_waiting: null, per_minute: 4, storage_gb: null });
    for (let i = 0; i < 4; i++) expect((await trySubmit(p, probe, 'exit 0', u.token)).status).toBe(200);
    const refused = await trySubmit(p, probe, 'exit 0', u.token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    const body = (await refused.json()) as { error: string; code: string };
    expect(body.code).toBe('rate_per_minute');
    expect(body.error).toMatch(/per_minute: 4.*try again in a minute/);
  });

  test('only an admin sets limits; a limit set to null returns to the config', async ({ platform: p, user }) => {
    const u = await newUser(p);
    const denied = await setLimits(p, u.name, { max_running: 1 }, user.token);
    expect(denied.status).toBe(403);
    expect((await setLimits(p, 'no-such-user', { max_running: 1 })).status).toBe(404);
    expect((await setLimits(p, u.name, { max_running: 0 })).status).toBe(400);
    expect((await setLimits(p, u.name, {})).status).toBe(400);
    const set = (await (await setLimits(p, u.name, { max_running: 2, per_minute: 100 })).json()) as { limits: object };
    expect(set.limits).toEqual({ max_running: 2, max_waiting: null, per_minute: 100, storage_gb: null });
    await setLimits(p, u.name, { per_minute: null });
    expect((await me(p, u.token)).limits).toEqual({ max_running: 2, max_waiting: null, per_minute: 4, storage_gb: null });
  });

  test('over max_running a job waits its turn, and over max_waiting a submission gets 403 quota_max_waiting', async ({ platform: p, probe }) => {
    const u = await newUser(p);
    expect((await setLimits(p, u.name, { max_running: 1, max_waiting: 2 })).status).toBe(200);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await trySubmit(p, probe, 'sleep 1', u.token);
      expect(res.status).toBe(200);
      ids.push(((await res.json()) as { id: number }).id);
      // The first one taken, the next two wait (three slots free: only the limit holds them).
      if (i === 0) await expect.poll(async () => (await p.job(ids[0])).status).toBe('running');
    }
    const refused = await trySubmit(p, probe, 'exit 0', u.token);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: string; code: string };
    expect(body.code).toBe('quota_max_waiting');
    expect(body.error).toMatch(/max_waiting: 2.*cancel some/);

    let most = 0;
    await vi.waitFor(
      async () => {
        const states = await Promise.all(ids.map(async (id) => (await p.job(id)).status));
        most = Math.max(most, states.filter((s) => s === 'running').length);
        expect(states).toEqual(['done', 'done', 'done']);
      },
      // Below the held jobs' safety delay (2 × lock_duration, 60 s): each starts because the
      // one before it ended, not because its delay ran out.
      { timeout: 40_000, interval: 100 },
    );
    expect(most).toBe(1);
    const jobs = await Promise.all(ids.map((id) => p.job(id)));
    expect(jobs.map((j) => j.result)).toEqual(['success', 'success', 'success']);
  });

  test('refuses a submission once the user\'s job files pass storage_gb, and room comes back when a job is deleted', async ({ platform: p, probe }) => {
    const u = await newUser(p);
    // About one byte: the first job's log is enough to fill it.
    await setLimits(p, u.name, { storage_gb: 1e-9 });
    const first = (await (await trySubmit(p, probe, 'exit 0', u.token)).json()) as { id: number };
    await expect.poll(async () => (await p.job(first.id)).status).toBe('done');
    const used = (await me(p, u.token)).usage;
    expect(used.storage_bytes).toBeGreaterThan(0);

    const refused = await trySubmit(p, probe, 'exit 0', u.token);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: string; code: string };
    expect(body.code).toBe('quota_storage_gb');
    expect(body.error).toMatch(/storage_gb.*delete finished jobs/);

    const biggest = (await (await p.api('/api/v1/storage?limit=1000', { token: p.adminToken })).json()) as { users: { name: string; storage_bytes: number; storage_gb: number | null }[] };
    expect(biggest.users.find((x) => x.name === u.name)).toMatchObject({ storage_bytes: used.storage_bytes, storage_gb: 1e-9 });
    expect((await p.api('/api/v1/storage', { token: u.token })).status).toBe(403);

    expect((await p.api(`/api/v1/jobs/${first.id}`, { method: 'DELETE', token: u.token })).status).toBe(200);
    expect((await me(p, u.token)).usage.storage_bytes).toBe(0);
    expect((await trySubmit(p, probe, 'exit 0', u.token)).status).toBe(200);
  });
});

describe('allgo user set and allgo storage', () => {
  test('sets a user\'s limits, "default" returning one to the config, and lists storage', async ({ platform: p, home }) => {
    const u = await newUser(p);
    const env = { ALLGO_URL: p.url, ALLGO_TOKEN: p.adminToken };
    const r = await allgo(['user', 'set', u.name, '--max-running', '4', '--max-waiting', '100', '--per-minute', '60', '--storage-gb', '50'], { home, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${u.name}: max running 4, max waiting 100, per minute 60, storage 50 GB`);
    expect((await me(p, u.token)).limits).toEqual({ max_running: 4, max_waiting: 100, per_minute: 60, storage_gb: 50 });

    expect((await allgo(['user', 'set', u.name, '--per-minute', 'default'], { home, env })).code).toBe(0);
    expect((await me(p, u.token)).limits.per_minute).toBe(4);

    const bad = await allgo(['user', 'set', u.name, '--max-running', '1.5'], { home, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-running takes a whole number above 0');

    const list = await allgo(['storage', '--json', '--limit', '1000'], { home, env });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual(expect.any(Array));
  });

  test("allgo user prune deletes the files of a user's finished jobs, freeing their storage, and leaves the others", async ({ platform: p, probe, home }) => {
    const u = await newUser(p);
    const env = { ALLGO_URL: p.url, ALLGO_TOKEN: p.adminToken };
    const finished = await p.submit(probe, 'exit 0', { token: u.token });
    await expect.poll(async () => (await p.job(finished)).status).toBe('done');
    const running = await p.submit(probe, 'sleep 30', { token: u.token });
    await expect.poll(async () => (await p.job(running)).status).toBe('running');
    expect((await me(p, u.token)).usage.storage_bytes).toBeGreaterThan(0);

    const kept = await allgo(['user', 'prune', u.name, '--older-than', '1d'], { home, env });
    expect(kept.stdout).toContain(`${u.name}: deleted the files of 0 jobs`);
    const r = await allgo(['user', 'prune', u.name, '--older-than', '0s'], { home, env });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${u.name}: deleted the files of 1 job,`);
    expect((await p.api(`/api/v1/jobs/${finished}`, { token: u.token })).status).toBe(404);
    expect((await p.job(running)).status).toBe('running');
    expect((await me(p, u.token)).usage.storage_bytes).toBe(0);
    expect((await allgo(['user', 'prune', u.name], { home, env })).code).toBe(2);
    await p.api(`/api/v1/jobs/${running}`, { method: 'DELETE', token: u.token });
  });
});
