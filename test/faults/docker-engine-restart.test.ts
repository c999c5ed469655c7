// The Docker engine restarted mid-job: the job ends as an error that names the engine, and
// the runner goes on serving new jobs. The engine is really stopped and started again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { startPlatform, removeImages, uniqueName, waitForJob, type Platform } from '../helpers/platform.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { until } from '../helpers/processes.js';

let p: Platform;
let probe: string;

beforeAll(async () => {
  p = await startPlatform();
  probe = uniqueName('probe');
  expect((await push(fixtureRepo('probe'), p.url, probe, 'admin', p.adminToken)).code).toBe(0);
});
afterAll(async () => {
  await p?.close();
  removeImages([probe]);
});

const engineAnswers = (): boolean => {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
};
// The machine's engine only, by its pid file: test hosts (support/hosts.ts) run dockerds of
// their own, which `pkill -x dockerd` would kill too, in the middle of another test run.
const PID_FILE = '/var/run/docker.pid';
const machineDockerd = (): number | null => {
  try {
    const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
    return pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd' ? pid : null;
  } catch {
    return null;
  }
};

/** Stops dockerd and starts it again the way scripts/setup.sh does. */
async function restartEngine(): Promise<void> {
  const pid = machineDockerd();
  if (process.getuid?.() !== 0 || !pid) throw new Error(`this test restarts the local dockerd: run it as root with the dockerd that scripts/setup.sh starts (${PID_FILE})`);
  process.kill(pid, 'SIGTERM');
  await until(() => machineDockerd() !== pid, 60_000, 'dockerd stopped');
  const log = openSync('/var/log/allgo-dockerd.log', 'a');
  spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  await until(engineAnswers, 60_000, 'dockerd answering again');
}

async function submit(param: string): Promise<number> {
  const f = new FormData();
  f.append('job[webapp_id]', probe);
  f.append('job[param]', param);
  const res = await p.api('/api/v1/jobs', { method: 'POST', token: p.adminToken, body: f });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

describe('the Docker engine restarted mid-job', () => {
  it('ends the job as an error naming the engine, and the runner keeps serving', async () => {
    const id = await submit("bash 'echo begun; sleep 60'");
    await until(async () => (await (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text()).includes('begun'), 30_000, 'job started');
    await restartEngine();
    const job = await waitForJob(p, id, p.adminToken, 90_000);
    expect(job).toMatchObject({ status: 'done', result: 'error' });
    expect(job.message).toMatch(/Docker engine/);

    const next = await submit("bash 'echo after the restart'");
    expect(await waitForJob(p, next, p.adminToken)).toMatchObject({ result: 'success' });
  });
});
