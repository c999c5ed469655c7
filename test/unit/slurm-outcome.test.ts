// How a Slurm job's end becomes allgo's result (runner/backends/slurm/outcome.ts), and what the
// batch script and Slurm's answers look like to the runner.
import { describe, expect, it } from 'vitest';
import { nodeLost, slurmOutcome } from '../../runner/backends/slurm/outcome.js';
import { batchScript, parseStatus, shellWord } from '../../runner/backends/slurm/batch-script.js';
import type { SlurmJob } from '../../runner/backends/slurm/commands.js';

const p = { timeLimitMs: 60_000, queue: 'standard', memoryMb: 64 };
const ended = (state: string, more: Partial<SlurmJob> = {}): SlurmJob => ({ id: '7', name: 'allgo-x-job-1', state, node: 'n1', workDir: '/w/1-1', start: null, exitCode: 0, signal: null, reason: null, comment: null, ...more });

describe('a Slurm job\'s outcome', () => {
  it('is the container\'s exit status when Slurm saw it complete', () => {
    expect(slurmOutcome(p, '7', ended('COMPLETED'), { exitCode: 0, oom: false }, null)).toEqual({ result: 'success', exitCode: 0, message: 'exited with code 0' });
    expect(slurmOutcome(p, '7', ended('COMPLETED'), { exitCode: 3, oom: false }, null)).toEqual({ result: 'error', exitCode: 3, message: 'exited with code 3' });
  });

  it('names the time limit on TIMEOUT and the memory limit on OUT_OF_MEMORY or an out-of-memory kill', () => {
    expect(slurmOutcome(p, '7', ended('TIMEOUT'), null, null)).toMatchObject({ result: 'timeout', message: 'killed: time limit of 1m (queue standard) exceeded' });
    expect(slurmOutcome(p, '7', ended('OUT_OF_MEMORY'), null, null)).toMatchObject({ result: 'error', message: 'killed: out of memory (limit 64 MB)' });
    expect(slurmOutcome(p, '7', ended('COMPLETED'), { exitCode: 137, oom: true }, null)).toMatchObject({ result: 'error', exitCode: 137, message: 'killed: out of memory (limit 64 MB)' });
  });

  it('takes NODE_FAIL and BOOT_FAIL for a lost node, named after sacct\'s NodeList, and nothing else', () => {
    expect(nodeLost(ended('NODE_FAIL', { node: 'c12' }))).toBe('Slurm node c12 failed during the job (NODE_FAIL, Slurm job 7)');
    expect(nodeLost(ended('BOOT_FAIL', { node: null }))).toBe('Slurm node unknown failed during the job (BOOT_FAIL, Slurm job 7)');
    for (const state of ['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED', 'OUT_OF_MEMORY', 'PREEMPTED']) expect(nodeLost(ended(state))).toBeNull();
    expect(nodeLost(null)).toBeNull();
  });

  it('names the node on NODE_FAIL and BOOT_FAIL', () => {
    expect(slurmOutcome(p, '7', ended('NODE_FAIL', { node: 'c12' }), null, null)).toMatchObject({ result: 'error', message: 'Slurm node c12 failed during the job (NODE_FAIL, Slurm job 7)' });
    expect(slurmOutcome(p, '7', ended('BOOT_FAIL', { node: 'c13' }), null, null).message).toContain('Slurm node c13 failed');
  });

  it('is aborted when allgo cancelled it, and "cancelled by the cluster" when someone else did', () => {
    const verdict = { result: 'aborted' as const, message: 'cancelled while running; its files so far are kept' };
    expect(slurmOutcome(p, '7', ended('CANCELLED'), null, verdict)).toMatchObject(verdict);
    expect(slurmOutcome(p, '7', ended('CANCELLED'), null, null)).toMatchObject({ result: 'error', message: 'cancelled by the cluster (Slurm job 7)' });
  });

  it('is never a success when Slurm forgot the job and the container said nothing', () => {
    expect(slurmOutcome(p, '7', null, null, null)).toMatchObject({ result: 'error', message: 'Slurm no longer knows job 7 and its container left no exit status: its outcome is unknown' });
    expect(slurmOutcome(p, '7', ended('FAILED', { exitCode: 70 }), null, null)).toMatchObject({ result: 'error', message: 'the Slurm job 7 ended FAILED (exit code 70) before its container reported an exit status' });
  });
});

describe('the batch script', () => {
  const script = batchScript({
    p: { jobId: 1, image: 'allgo/a:1', argv: ['/bin/prog', "it's", '$(reboot)'], memoryMb: 64, timeLimitMs: 1000, queue: 'standard', logKey: 'k' },
    workdir: '/w/1-1/job',
    statusFile: '/w/1-1/slurm.status',
    container: 'allgo-x-job-1-1',
    image: 'abc',
    archive: null,
    podmanRoot: null,
    opts: { instance: 'x', user: '65534:65534', pidsLimit: 64, outputLimitBytes: 1, maxFiles: 16, logLimitBytes: 1, tmpMb: 8 },
  });

  it('gives podman argv as one JSON word, never to a shell', () => {
    expect(script).toContain(`--entrypoint ${shellWord(JSON.stringify(['/bin/prog', "it's", '$(reboot)']))}`);
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
  });

  it('boxes the container as Docker jobs are', () => {
    for (const flag of ['--network none', '--read-only', '--memory 64m --memory-swap 64m', '--pids-limit 64', '--cap-drop all', '--security-opt no-new-privileges', "--user '65534:65534'", "-v '/w/1-1/job:/job'", '-w /job']) expect(script).toContain(flag);
  });

  it('reads the status it writes', () => {
    expect(parseStatus('exit=3 oom=false\n')).toEqual({ exitCode: 3, oom: false });
    expect(parseStatus('exit=137 oom=true\n')).toEqual({ exitCode: 137, oom: true });
    expect(parseStatus(null)).toBeNull();
    expect(parseStatus('garbage')).toBeNull();
  });
});
