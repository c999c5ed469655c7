// The Docker engine restarted mid-job: the job ends as an error that names the engine, and
// the runner goes on serving new jobs. The engine is really stopped and started again.
import { describe, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { waitForJob } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';

const test = platformTest();

const engineAnswers = (): boolean => {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
};
const dockerdRunning = (): boolean => {
  try {
    execFileSync('pgrep', ['-x', 'dockerd'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Stops dockerd and starts it again the way scripts/setup.sh does. */
async function restartEngine(): Promise<void> {
  if (process.getuid?.() !== 0 || !dockerdRunning()) throw new Error('this test restarts the local dockerd: run it as root with the dockerd that scripts/setup.sh starts');
  execFileSync('pkill', ['-TERM', '-x', 'dockerd']);
  await expect.poll(dockerdRunning, { message: 'dockerd did not stop' }).toBe(false);
  const log = openSync('/var/log/allgo-dockerd.log', 'a');
  spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  await expect.poll(engineAnswers, { message: 'dockerd did not answer again' }).toBe(true);
}

describe('the Docker engine restarted mid-job', () => {
  test('ends the job as an error naming the engine, and the runner keeps serving', async ({ platform: p, probe }) => {
    const id = await p.submit(probe, "bash 'echo begun; sleep 60'");
    await expect.poll(async () => (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text(), { timeout: 30_000, message: 'the job never started' }).toContain('begun');
    await restartEngine();
    const job = await waitForJob(p, id, p.adminToken, 90_000);
    expect(job).toMatchObject({ status: 'done', result: 'error' });
    expect(job.message).toMatch(/Docker engine/);

    const next = await p.submit(probe, "bash 'echo after the restart'");
    expect(await waitForJob(p, next, p.adminToken)).toMatchObject({ result: 'success' });
  });
});
