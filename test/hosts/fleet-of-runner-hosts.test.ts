// Runner hosts on real separate hosts (network namespaces with their own Docker engines, see
// support/hosts.ts): a runs the server, Redis and the registry, b the builder, c and d runners
// that serve every queue without labels, g a runner with the label gpu that joins late. They
// share one fleet, in this order: tokens and staging URLs, labels, a capped queue, then c
// killed mid-job (its runner and its engine), twice, once per retry policy.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleetPlatform, baseImage, type FleetPlatform } from '../../support/fleet-platform.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { fixtureRepo, push, removeRepos } from '../../support/git.js';
import { Signer, stagingScope } from '../../server/signer.js';
import { RUNNER_ROUTES } from '../../common/runner-protocol.js';
import { SIGNATURE_HEADER } from '../../common/internal-http.js';
import { done, download } from '../helpers/fleet-jobs.js';

const CONFIG = `
queues:
  standard: {time_limit: 20m}
  retrying: {time_limit: 20m, retries: 1}
  single: {time_limit: 20m, concurrency: 1}
  gpu: {time_limit: 20m, labels: [gpu]}
  nobody: {time_limit: 20m, labels: [none-has-it]}
runner: {lock_duration: 2s, heartbeat: 1s, concurrency: 2}
`;

let p: FleetPlatform;
const runners: Record<string, RoleProcess> = {};
const app = `probe-${Date.now().toString(36)}`;

beforeAll(async () => {
  p = await startFleetPlatform({
    hosts: [{ name: 'b', images: [baseImage()] }, { name: 'c' }, { name: 'd' }, { name: 'g' }],
    configYaml: CONFIG,
  });
  await p.builder('b');
  [runners.c, runners.d] = await Promise.all([p.runner('c'), p.runner('d')]);
  const pushed = await push(fixtureRepo('probe'), p.url, app, 'admin', p.adminToken);
  expect(pushed.code, pushed.output).toBe(0);
});
afterAll(async () => {
  await p?.close();
  removeRepos();
});

type QueueInfo = { name: string; runners: number; served: boolean };
const queue = async (name: string): Promise<QueueInfo> =>
  ((await (await p.api('/api/v1/queues')).json()) as { queues: QueueInfo[] }).queues.find((q) => q.name === name)!;

describe('runner tokens and staging URLs across hosts', () => {
  it('refuse a runner with a wrong token at start in one line', async () => {
    const c = p.fleet.host('c');
    const r = spawnRole('runner', { ...p.env(c), ALLGO_RUNNER_TOKEN: 'allgo_runner_wrong' }, c.wrap);
    const code = await vi.waitFor(() => {
      expect(r.child.exitCode, 'the refused runner is still running').not.toBeNull();
      return r.child.exitCode;
    }, { timeout: 30_000, interval: 100 });
    expect(code).toBe(1);
    const lines = r.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('refused ALLGO_RUNNER_TOKEN: unknown or revoked runner token');
  });

  it('let a runner on d fetch a job\'s inputs with its grant, and neither a user\'s token, another job\'s grant nor an expired one', async () => {
    const res = await p.api('/api/v1/users', { method: 'POST', token: p.adminToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `u${Date.now().toString(36)}`, email: 'u@example.org' }) });
    const userToken = ((await res.json()) as { token: string }).token;
    // Jobs on a queue no runner serves: their inputs stay on a, unclaimed by any runner.
    const mine = await p.submit(app, 'args', { queue: 'nobody', files: { 'mine.txt': 'mine' }, token: userToken });
    const theirs = await p.submit(app, 'args', { queue: 'nobody', files: { 'secret.txt': 'not yours' } });
    const runnerToken = await p.runnerToken('stager-d');
    const internal = p.env(p.fleet.host('d')).ALLGO_SERVER_URL;
    // Every call is made from d, over the fleet's network, as d's runner would.
    const d = p.fleet.host('d');
    const call = async (path: string, token: string, signature?: string, post?: string): Promise<{ status: number; body: string }> => {
      const args = ['-s', '-w', '\n%{http_code}', '-H', `authorization: Bearer ${token}`, ...(signature ? ['-H', `${SIGNATURE_HEADER}: ${signature}`] : [])];
      if (post !== undefined) args.push('-X', 'POST', '-H', 'content-type: application/json', '--data', post);
      const r = await d.exec('curl', [...args, internal + path], { timeoutMs: 30_000 });
      const at = r.stdout.lastIndexOf('\n');
      return { status: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, at) };
    };
    const claim = async (id: number) => {
      const r = await call(RUNNER_ROUTES.claim(id, 1), runnerToken, undefined, '{}');
      expect(r.status, r.body).toBe(200);
      return (JSON.parse(r.body) as { grant: { signature: string } }).grant.signature;
    };
    const [mineGrant, theirsGrant] = [await claim(mine), await claim(theirs)];
    const input = RUNNER_ROUTES.input(theirs, 1, 'secret.txt');
    // The grant works: the download is real, so the refusals below are refusals.
    expect(await call(input, runnerToken, theirsGrant)).toEqual({ status: 200, body: 'not yours' });

    // The job's own user, with the grant itself: a user's token never acts as a runner.
    const asUser = await call(input, userToken, theirsGrant);
    expect(asUser.status).toBe(401);
    expect(asUser.body).toContain('user tokens cannot act as runners');
    expect((await call(RUNNER_ROUTES.input(mine, 1, 'mine.txt'), userToken, mineGrant)).status).toBe(401);
    const refused = async (signature: string | undefined, code: string) => {
      const r = await call(input, runnerToken, signature);
      expect(r.status, r.body).toBe(403);
      expect((JSON.parse(r.body) as { code: string }).code).toBe(code);
    };
    // Another job's grant, none, and one expired (signed with a's secret an hour ago).
    await refused(mineGrant, 'bad_signature');
    await refused(undefined, 'bad_signature');
    const secret = readFileSync(join(p.fleet.host('a').dir, 'secret'), 'utf8').trim();
    await refused(new Signer(secret, () => Date.now() - 3600_000).sign(stagingScope('inputs', theirs, 1), 60_000), 'signature_expired');
  });
});

describe('labels across hosts', () => {
  it('a job on a gpu queue waits until a runner with the label gpu joins on g, then runs there', async () => {
    expect(await queue('gpu')).toMatchObject({ runners: 0, served: false });
    const gpuJob = await p.submit(app, 'args on-gpu', { queue: 'gpu' });
    // c and d serve their queues meanwhile, and leave the gpu job alone.
    expect(await done(p, await p.submit(app, 'args plain'))).toMatchObject({ result: 'success' });
    expect((await p.job(gpuJob)).status).toBe('waiting');

    runners.g = await p.runner('g', { ALLGO_RUNNER_LABELS: 'gpu' });
    const end = await done(p, gpuJob);
    expect(end).toMatchObject({ result: 'success' });
    expect(await download(end, 'allgo.log')).toContain('arg=on-gpu\n');
    expect((await p.progress(gpuJob, 'gpu'))?.host).toBe('runner-g');
    expect(await queue('gpu')).toMatchObject({ runners: 1, served: true });
    await runners.g.stop();
  });
});

describe('a queue capped at one job across hosts', () => {
  it('runs one job at a time across c and d together', async () => {
    await expect.poll(async () => (await queue('single')).runners, { timeout: 10_000, message: 'c and d do not both serve the queue' }).toBe(2);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await p.submit(app, 'sleep 1', { queue: 'single' }));
    let most = 0;
    // Sampled until all are done, bounded.
    await vi.waitFor(async () => {
      const states = await Promise.all(ids.map(async (id) => (await p.job(id)).status));
      most = Math.max(most, states.filter((s) => s === 'running').length);
      expect(states.every((s) => s === 'done'), `not all done: ${states.join(' ')}`).toBe(true);
    }, { timeout: 120_000, interval: 100 });
    expect(most).toBe(1);
    for (const id of ids) expect(await p.job(id)).toMatchObject({ result: 'success' });
    const hosts = await Promise.all(ids.map(async (id) => (await p.progress(id, 'single'))?.host));
    for (const h of hosts) expect(['runner-c', 'runner-d']).toContain(h);
  });
});

describe('a runner host killed mid-job', () => {
  /** A job running on c (d's runner is away while c takes it), then c killed: its runner, its engine, its containers. */
  async function killCMidJob(queueName: string): Promise<number> {
    await runners.d.stop();
    const id = await p.submit(app, `bash 'echo start >> starts.txt; echo begun; sleep 10; echo finished'`, { queue: queueName });
    await expect.poll(async () => (await (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text()).includes('begun'), { timeout: 90_000, message: 'the job never began' }).toBe(true);
    expect((await p.progress(id, queueName))?.host).toBe('runner-c');
    // c is killed while d's runner starts, not after: on a loaded machine a runner's start took
    // long enough that the job had ended on c by the time c was killed.
    const d = p.runner('d');
    await p.fleet.host('c').kill();
    runners.d = await d;
    await expect.poll(() => runners.c.child.exitCode ?? runners.c.child.signalCode, { timeout: 10_000, message: 'c\'s runner outlived its host' }).not.toBeNull();
    return id;
  }

  it('starts the job again on d when its queue allows a retry', async () => {
    const id = await killCMidJob('retrying');
    const end = await done(p, id);
    expect(end).toMatchObject({ result: 'success', exit_code: 0 });
    expect(await p.progress(id, 'retrying')).toMatchObject({ host: 'runner-d', attempt: 2 });
    // Its files are the second attempt's alone: what c made never became visible.
    expect(await download(end, 'starts.txt')).toBe('start\n');
    expect(await (await p.api(`/api/v1/jobs/${id}/events`, { token: p.adminToken })).text()).toContain('runner host runner-c lost; starting the job again on runner-d (attempt 2 of 2)');
  });

  it('ends the job as "runner host runner-c lost" when its queue allows none, and d keeps serving', async () => {
    // c comes back (same engine data, a new runner), to be killed again.
    await p.fleet.host('c').startEngine();
    runners.c = await p.runner('c');
    const id = await killCMidJob('standard');
    const end = await done(p, id);
    expect(end).toMatchObject({ result: 'error', exit_code: null, message: 'runner host runner-c lost' });
    expect(await download(end, 'allgo.log')).toMatch(/begun\n[^]*\[allgo\] runner host runner-c lost\n$/);
    const next = await p.submit(app, 'args after');
    expect(await done(p, next)).toMatchObject({ result: 'success' });
    expect((await p.progress(next, 'standard'))?.host).toBe('runner-d');
  });
});
