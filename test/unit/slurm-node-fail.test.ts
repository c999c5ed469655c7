// A Slurm job whose node failed (NODE_FAIL, BOOT_FAIL) under the Slurm backend's follower
// (run-slurm-job.ts): with a retry left in the queue, the job goes back in line to start again
// (HostLostError, which run-job.ts turns into a takeover retry); with none, it ends in error
// naming the node. The Slurm commands are faked: only their answers matter here.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunPayload } from '../../schemas/index.js';
import { runSlurmJob, type SlurmRun } from '../../runner/backends/slurm/run-slurm-job.js';
import type { SlurmCommands, SlurmJob } from '../../runner/backends/slurm/commands.js';
import type { ImageExports } from '../../runner/backends/slurm/images.js';
import { HostLostError } from '../../runner/backends/backend.js';
import type { RunHooks, RunOptions } from '../../runner/run-container.js';
import type { LogWriter } from '../../common/log-stream.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function slurm(state: string): SlurmRun {
  const job: SlurmJob = { id: '7', name: 'allgo-x-job-1', state, node: 'c12', workDir: null, start: null, exitCode: 0, signal: 9, reason: null, comment: null };
  const cli = { byName: async () => [], submit: async () => '7', job: async () => job, cancel: async () => undefined, answers: async () => true };
  const images = { ready: async () => ({ ref: 'img', archive: null }) };
  return { cli: cli as unknown as SlurmCommands, images: images as unknown as ImageExports, name: 'allgo-x-job-1', partition: null, sbatchOptions: [], runtime: 'podman', podmanRoot: null, pollMs: 10 };
}

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'allgo-slurm-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'job'));
  return join(dir, 'job');
}

const payload = (retries: number): RunPayload => ({ jobId: 1, image: 'img', argv: ['x'], memoryMb: 64, timeLimitMs: 60_000, queue: 'standard', logKey: 'k', retries }) as RunPayload;
const opts: RunOptions = { instance: 'x', user: '1000:1000', pidsLimit: 64, outputLimitBytes: 1 << 20, maxFiles: 100, logLimitBytes: 1 << 20, tmpMb: 16 };
const hooks = (): RunHooks => ({
  live: { write: () => undefined } as unknown as LogWriter,
  cancel: new AbortController().signal,
  lost: new AbortController().signal,
  fence: () => 'owner',
  setVerdict: async () => undefined,
  getVerdict: async () => null,
  prepareImage: async () => undefined,
  logPreamble: 0,
  setLogPreamble: async () => undefined,
});

describe('a Slurm job whose node failed', () => {
  it('goes back in line for another attempt while the queue allows one', async () => {
    for (const state of ['NODE_FAIL', 'BOOT_FAIL']) {
      await expect(runSlurmJob(slurm(state), payload(1), workdir(), 1, opts, hooks())).rejects.toThrow(new HostLostError(`Slurm node c12 failed during the job (${state}, Slurm job 7)`));
    }
  });

  it('ends in error naming the node once no retry is left', async () => {
    for (const [retries, attempt] of [[0, 1], [1, 2]]) {
      const r = await runSlurmJob(slurm('NODE_FAIL'), payload(retries), workdir(), attempt, opts, hooks());
      expect(r).toMatchObject({ result: 'error', exitCode: null, message: 'Slurm node c12 failed during the job (NODE_FAIL, Slurm job 7)' });
    }
  });

  it('is not taken for lost when its program failed', async () => {
    await expect(runSlurmJob(slurm('FAILED'), payload(1), workdir(), 1, opts, hooks())).resolves.toMatchObject({ result: 'error' });
  });
});
