// The Slurm backend against a real cluster on this machine (support/slurm-cluster.ts): munged,
// slurmctld and one slurmd, the jobs' containers run by podman on the node. The server and
// builder run here; the runner (runner.backend: slurm) is a process of its own, so it can be
// killed mid-job for real. Everything goes through allgo's API, as for Docker jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../common/config.js';
import { startRoles, type StartedRoles } from '../../cli/roles.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { startSlurmCluster, type SlurmCluster } from '../../support/slurm-cluster.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { platformEnv, removeImages, uniqueName, type PlatformEnv } from '../helpers/platform.js';
import { jobWhenDone } from '../helpers/job-done.js';

let cluster: SlurmCluster;
let e: PlatformEnv;
let roles: StartedRoles;
let runner: RoleProcess;
const app = uniqueName('probe');

const config = (c: SlurmCluster) => `
queues:
  quick: {time_limit: 5s, slurm: {partition: allgo}}
  standard: {time_limit: 20m, slurm: {options: [--nice=0]}}
  retrying: {time_limit: 20m, retries: 1}
runner:
  backend: slurm
  lock_duration: 2s
  heartbeat: 1s
  concurrency: 3
  slurm: {conf: ${c.conf}, podman_root: ${c.podmanRoot}, poll: 200ms}
`;

beforeAll(async () => {
  cluster = await startSlurmCluster();
  e = await platformEnv({ configYaml: config(cluster) });
  roles = await startRoles(loadConfig(e.env), { server: true, builder: true, runner: false }, pino({ level: 'silent' }));
  const pushed = await push(fixtureRepo('probe'), e.url, app, 'admin', e.adminToken);
  expect(pushed.code, pushed.output).toBe(0);
  runner = spawnRole('runner', e.env);
  await runner.waitFor('runner ready');
});

afterAll(async () => {
  await runner?.stop('SIGKILL');
  await roles?.close();
  await cluster?.stop();
  removeImages([app]);
});

const api = (path: string, init: RequestInit = {}) => fetch(`${e.url}${path}`, { ...init, headers: { authorization: `Token token=${e.adminToken}`, ...init.headers } });

async function submit(script: string, queue = 'standard'): Promise<number> {
  const f = new FormData();
  f.append('job[webapp_id]', app);
  f.append('job[queue]', queue);
  f.append('job[param]', `bash '${script.replace(/'/g, `'\\''`)}'`);
  const res = await api('/api/v1/jobs', { method: 'POST', body: f });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { id: number }).id;
}
const job = async (id: number) => (await (await api(`/api/v1/jobs/${id}`)).json()) as Record<string, unknown>;
const done = (id: number, ms = 120_000) => jobWhenDone(id, () => job(id), ms, 200);
const log = async (id: number) => {
  const res = await api(`/api/v1/jobs/${id}/log`).catch(() => null);
  return res?.ok ? res.text() : '';
};
const logShows = (id: number, text: string) => expect.poll(() => log(id), { timeout: 90_000, message: `job ${id}'s log never showed "${text}"` }).toContain(text);
const file = (id: number, name: string) => readFileSync(join(e.dataDir, 'datastore', String(id), name), 'utf8');
/** The Slurm job of allgo job `id`, as the cluster's job completion log or queue has it. */
const slurmState = async (id: number) => {
  const out = await cluster.slurm('squeue', ['-h', '-t', 'all', '-o', '%j|%T']);
  return out.split('\n').find((l) => l.split('|')[0].endsWith(`-job-${id}`))?.split('|')[1] ?? null;
};

describe('jobs on a Slurm cluster', () => {
  it('succeed with their outputs and log, run by podman as the job user in /job', async () => {
    const id = await submit('echo hello from $(id -u) in $(pwd); echo result > out.txt');
    expect(await done(id)).toMatchObject({ status: 'done', result: 'success', exit_code: 0 });
    expect(file(id, 'out.txt')).toBe('result\n');
    const text = await log(id);
    expect(text).toContain('hello from 65534 in /job\n');
    expect(text).toMatch(/\[allgo\] Slurm job \d+, image [0-9a-f]{12}/);
    expect(await slurmState(id)).toBe('COMPLETED');
  });

  it('report a non-zero exit', async () => {
    const id = await submit('echo failing; exit 3');
    expect(await done(id)).toMatchObject({ result: 'error', exit_code: 3, message: 'exited with code 3' });
    expect(await log(id)).toContain('failing\n');
  });

  it('end as timeout past their queue\'s time limit', async () => {
    const id = await submit('echo begun; sleep 60', 'quick');
    expect(await done(id)).toMatchObject({ result: 'timeout', message: 'killed: time limit of 5s (queue quick) exceeded' });
    expect(await log(id)).toContain('begun\n');
  });

  it('end as error "out of memory" past their memory limit', async () => {
    const id = await submit('perl -e \'$x = "a" x (1024*1024*1024); print length($x)\'');
    expect(await done(id)).toMatchObject({ result: 'error', message: 'killed: out of memory (limit 64 MB)' });
  });

  it('are cancelled while running, their files so far kept', async () => {
    const id = await submit('echo partial > part.txt; echo begun; sleep 60');
    await logShows(id, 'begun');
    expect((await api(`/api/v1/jobs/${id}/cancel`, { method: 'POST' })).status).toBeLessThan(300);
    expect(await done(id, 60_000)).toMatchObject({ result: 'aborted' });
    expect(file(id, 'part.txt')).toBe('partial\n');
    expect(await slurmState(id)).toBe('CANCELLED');
  });

  it('are cancelled while they wait in the Slurm queue', async () => {
    // The node's 2 CPUs held by two jobs: a third waits in Slurm's queue, PENDING.
    const busy = [await submit('echo busy; sleep 60'), await submit('echo busy; sleep 60')];
    await Promise.all(busy.map((b) => logShows(b, 'busy')));
    const id = await submit('echo never');
    await expect.poll(() => slurmState(id), { timeout: 30_000 }).toBe('PENDING');
    expect((await api(`/api/v1/jobs/${id}/cancel`, { method: 'POST' })).status).toBeLessThan(300);
    expect(await done(id, 60_000)).toMatchObject({ result: 'aborted', message: 'cancelled while waiting in the Slurm queue' });
    expect(await log(id)).not.toContain('never');
    for (const b of busy) await api(`/api/v1/jobs/${b}/cancel`, { method: 'POST' });
    for (const b of busy) expect(await done(b, 60_000)).toMatchObject({ result: 'aborted' });
  });

  it('are refused the network and every folder but their own, as on Docker', async () => {
    const port = new URL(e.url).port;
    const id = await submit(
      `for target in 127.0.0.1/${port} 1.1.1.1/80; do if timeout 3 bash -c "echo > /dev/tcp/$target" 2>/dev/null; then echo "reached $target"; else echo "unreachable $target"; fi; done; ` +
        `touch /etc/evil 2>&1 | head -1; ls ${e.dataDir} 2>&1 | head -1; echo x > ../outside.txt 2>&1 | head -1; echo "uid: $(id -u)"`,
    );
    expect(await done(id)).toMatchObject({ result: 'success' });
    const text = await log(id);
    expect(text).not.toContain('reached ');
    expect(text.match(/unreachable/g)).toHaveLength(2);
    expect(text).toContain('Read-only file system');
    expect(text).toContain(`ls: cannot access '${e.dataDir}': No such file or directory`);
    expect(text).toContain('uid: 65534');
  });

  it('start again when their node fails while the queue allows a retry, and else end naming the node', async () => {
    const retried = await submit('echo attempt; sleep 8; echo survived', 'retrying');
    const lost = await submit('echo attempt; sleep 8', 'standard');
    await Promise.all([logShows(retried, 'attempt'), logShows(lost, 'attempt')]);
    // An admin's DOWN kills the node's jobs as its failure would: Slurm ends them NODE_FAIL.
    await cluster.slurm('scontrol', ['update', 'nodename=n1', 'state=down', 'reason=allgo-test']);
    await expect.poll(() => slurmState(lost), { timeout: 30_000 }).toBe('NODE_FAIL');
    // Back in service: at once when slurmd registers again (ReturnToService=2), else resumed.
    await cluster.slurm('scontrol', ['update', 'nodename=n1', 'state=resume']).catch(() => undefined);
    await expect.poll(async () => (await cluster.slurm('sinfo', ['-h', '-n', 'n1', '-o', '%T'])).trim(), { timeout: 60_000 }).toMatch(/^(idle|mixed|allocated)/);
    const NODE_FAILED = /Slurm node n1 failed during the job \(NODE_FAIL, Slurm job \d+\)/;
    const ended = await done(lost);
    expect(ended).toMatchObject({ result: 'error', exit_code: null });
    expect(ended.message).toMatch(NODE_FAILED);
    expect(await done(retried)).toMatchObject({ result: 'success', exit_code: 0 });
    // The note is in the job's live log (its events); the log file kept is the second attempt's.
    const events = await (await api(`/api/v1/jobs/${retried}/events`)).text();
    expect(events).toMatch(new RegExp(`${NODE_FAILED.source}; starting the job again on \\S+ \\(attempt 2 of 2\\)`));
    expect(await log(retried)).toContain('survived\n');
  });

  it('are found again by a runner started after one killed mid-jobs, which records their true outcomes', async () => {
    const ok = await submit('echo begun; sleep 4; echo done > after.txt');
    const failing = await submit('echo begun; sleep 4; exit 5');
    await Promise.all([logShows(ok, 'begun'), logShows(failing, 'begun')]);
    await runner.stop('SIGKILL');
    // Both end while no runner watches them.
    await expect.poll(async () => [await slurmState(ok), await slurmState(failing)], { timeout: 30_000 }).toEqual(['COMPLETED', 'COMPLETED']);
    runner = spawnRole('runner', e.env);
    await runner.waitFor('runner ready');
    expect(await done(ok)).toMatchObject({ result: 'success', exit_code: 0 });
    expect(file(ok, 'after.txt')).toBe('done\n');
    expect(await done(failing)).toMatchObject({ result: 'error', exit_code: 5, message: 'exited with code 5' });
    // Each ran once: the new runner followed the Slurm jobs instead of submitting them again.
    expect((await log(ok)).match(/begun/g)).toHaveLength(1);
  });
});

describe('jobs on a Slurm cluster whose runtime is Charliecloud', () => {
  it('run the same argv in /job as the job user, with their outputs and log, refused the network and every folder but their own', async () => {
    // The same cluster and queues; only the runner's runtime changes (runner.slurm.runtime).
    await runner.stop('SIGTERM');
    const yaml = join(e.dataDir, 'charliecloud.yaml');
    writeFileSync(yaml, config(cluster).replace('slurm: {conf:', 'slurm: {runtime: charliecloud, conf:'));
    runner = spawnRole('runner', { ...e.env, ALLGO_CONFIG: yaml });
    await runner.waitFor('runner ready');
    const port = new URL(e.url).port;
    const id = await submit(
      `echo hello from $(id -u) in $(pwd); echo result > out.txt; ` +
        `for target in 127.0.0.1/${port} 1.1.1.1/80; do if timeout 3 bash -c "echo > /dev/tcp/$target" 2>/dev/null; then echo "reached $target"; else echo "unreachable $target"; fi; done; ` +
        `touch /etc/evil 2>&1 | head -1; ls ${e.dataDir} 2>&1 | head -1; echo x > ../outside.txt 2>&1 | head -1`,
    );
    const ended = await done(id, 180_000);
    const text = await log(id);
    expect(ended, text).toMatchObject({ result: 'success', exit_code: 0 });
    expect(file(id, 'out.txt')).toBe('result\n');
    expect(text).toContain('hello from 65534 in /job\n');
    expect(text).toMatch(/exporting the image [0-9a-f]{12} for the cluster's nodes/);
    expect(text).not.toContain('reached ');
    expect(text.match(/unreachable/g)).toHaveLength(2);
    expect(text).toContain('Read-only file system');
    expect(text).toContain(`ls: cannot access '${e.dataDir}': No such file or directory`);
    expect(await slurmState(id)).toBe('COMPLETED');
  });
});
