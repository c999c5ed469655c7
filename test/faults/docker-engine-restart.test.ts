// The Docker engine restarted mid-job: the job ends as an error that names the engine, and
// the runner goes on serving new jobs. The engine is really stopped and started again.
import { describe, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { runJobId, runQueueName } from '../../common/queues.js';
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

/** Stops the machine's dockerd; `whileAway` runs before it is started again as scripts/setup.sh does. */
async function restartEngine(whileAway: () => Promise<void> = async () => undefined): Promise<void> {
  const pid = machineDockerd();
  if (process.getuid?.() !== 0 || !pid) throw new Error(`this test restarts the local dockerd: run it as root with the dockerd that scripts/setup.sh starts (${PID_FILE})`);
  process.kill(pid, 'SIGTERM');
  await expect.poll(machineDockerd, { timeout: 60_000, message: 'dockerd did not stop' }).not.toBe(pid);
  await expect.poll(engineAnswers, { message: 'dockerd still answers' }).toBe(false);
  try {
    await whileAway();
  } finally {
    const log = openSync('/var/log/allgo-dockerd.log', 'a');
    spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
    await expect.poll(engineAnswers, { message: 'dockerd did not answer again' }).toBe(true);
  }
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

  test('puts the jobs it takes while the engine is away back in line, and runs them once it answers', async ({ platform: p, probe }) => {
    const ids: number[] = [];
    await restartEngine(async () => {
      for (let i = 0; i < 3; i++) ids.push(await p.submit(probe, `bash 'echo while away ${i}'`));
      // The runner takes the first, finds no engine, and puts it back in line (delayed), not failed.
      const connection = new Redis(p.redisUrl, { maxRetriesPerRequest: null });
      const runs = new Queue(runQueueName('standard'), { connection, prefix: p.redisPrefix });
      try {
        await expect.poll(async () => (await runs.getJob(runJobId(ids[0])))?.getState(), { timeout: 30_000, message: 'the first job was not put back' }).toBe('delayed');
      } finally {
        await runs.close();
        connection.disconnect();
      }
    });
    for (const [i, id] of ids.entries()) {
      const job = await waitForJob(p, id, p.adminToken, 90_000);
      expect(job, JSON.stringify(job)).toMatchObject({ result: 'success' });
      expect(await (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text()).toContain(`while away ${i}`);
    }
  });
});
