// Strangers' code for strangers: each hostile job ends with a clear result, stays inside its
// box, and the next job on the same runner runs normally.
import { describe, expect } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { waitForJob, appImageId, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';

const CONFIG = `
queues:
  quick: {time_limit: 6s}
  standard: {time_limit: 20m}
runner:
  concurrency: 2
  output_mb: 20
  log_mb: 1
  pids_limit: 64
  tmp_mb: 8
`;

const test = platformTest({ configYaml: CONFIG });

async function run(p: Platform, probe: string, script: string, queue = 'quick'): Promise<{ job: Record<string, unknown>; log: string }> {
  const id = await p.submit(probe, `bash '${script.replace(/'/g, `'\\''`)}'`, { queue });
  const job = await waitForJob(p, id, p.adminToken);
  const log = readFileSync(join(p.dataDir, 'datastore', String(id), 'allgo.log'), 'utf8');
  return { job, log };
}

describe('hostile jobs end with a clear result', () => {
  test('a fork bomb hits the process limit and is stopped by the time limit', async ({ platform: p, probe }) => {
    const { job } = await run(p, probe, ':(){ :|:& };:; sleep 60');
    expect(job).toMatchObject({ status: 'done', result: 'timeout' });
  });

  test('a memory hog is killed by the memory limit and the result says so', async ({ platform: p, probe }) => {
    const { job, log } = await run(p, probe, 'perl -e \'$x = "a" x (1024*1024*1024); print length($x)\'');
    expect(job).toMatchObject({ status: 'done', result: 'error', message: 'killed: out of memory (limit 64 MB)' });
    expect(log).toContain('[allgo] killed: out of memory (limit 64 MB)');
  });

  test('an infinite loop is killed at the time limit', async ({ platform: p, probe }) => {
    const { job } = await run(p, probe, 'while :; do :; done');
    expect(job).toMatchObject({ result: 'timeout', message: 'killed: time limit of 6s (queue quick) exceeded' });
  });

  test('10 GB of output is stopped at the output limit', async ({ platform: p, probe }) => {
    const { job } = await run(p, probe, 'dd if=/dev/zero of=big.bin bs=1M count=10240 status=none', 'standard');
    expect(job).toMatchObject({ result: 'error', message: 'killed: its files went over the output limit of 20 MB' });
    const files = job.files as { name: string; size: number }[];
    // Stopped within a few hundred ms of crossing the limit, far from 10 GB.
    expect(files.find((f) => f.name === 'big.bin')!.size).toBeLessThan(2 * 1024 * 1024 * 1024);
  });

  test('cannot reach the network, the host or the server', async ({ platform: p, probe }) => {
    const port = new URL(p.url).port;
    const { job, log } = await run(p, probe, 
      `for target in 127.0.0.1/${port} 172.17.0.1/${port} 1.1.1.1/80; do if timeout 3 bash -c "echo > /dev/tcp/$target" 2>/dev/null; then echo "reached $target"; else echo "unreachable $target"; fi; done; ip -o link 2>/dev/null || cat /proc/net/dev`,
    );
    expect(job).toMatchObject({ result: 'success' });
    expect(log).not.toContain('reached ');
    expect(log.match(/unreachable/g)).toHaveLength(3);
    expect(log).not.toMatch(/eth0/);
  });

  test('sees neither the host nor other jobs: no secrets in /proc, no data dir, read-only root, no root user', async ({ platform: p, probe }) => {
    const { job, log } = await run(p, probe, 
      `echo "pids: $(ls -d /proc/[0-9]* | wc -l)"; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; ls ${p.dataDir} 2>&1 | head -1; ls /job/../ ; touch /etc/evil 2>&1 | head -1; echo "uid: $(id -u)"; touch /tmp/ok && echo tmp-writable`,
    );
    expect(job).toMatchObject({ result: 'success' });
    expect(Number(/pids: (\d+)/.exec(log)![1])).toBeLessThan(6);
    expect(log).not.toContain(p.adminToken);
    expect(log).not.toContain('ALLGO_ADMIN_TOKEN');
    expect(log).toContain(`ls: cannot access '${p.dataDir}': No such file or directory`);
    expect(log).toContain('Read-only file system');
    expect(log).toContain('uid: 65534');
    expect(log).toContain('tmp-writable');
  });

  test('a single 100 MB line is cut at the log limit with a visible marker, and the job succeeds', async ({ platform: p, probe }) => {
    const { job, log } = await run(p, probe, "head -c 100000000 /dev/zero | tr '\\0' x; echo; echo after", 'standard');
    expect(job).toMatchObject({ result: 'success' });
    expect(log).toContain('[allgo] log truncated at 1 MB');
    expect(log.length).toBeLessThan(1.1 * 1024 * 1024);
  });

  test('a file name with a newline is listed and downloadable', async ({ platform: p, probe }) => {
    const { job } = await run(p, probe, `printf content > "$(printf 'two\\nlines.txt')"`);
    expect(job).toMatchObject({ result: 'success' });
    const file = (job.files as { name: string; url: string }[]).find((f) => f.name === 'two\nlines.txt');
    expect(file).toBeDefined();
    expect(file!.url).toContain('two%0Alines.txt');
    expect(await (await fetch(file!.url)).text()).toBe('content');
  });

  test('cannot make the server read host files through symbolic links', async ({ platform: p, probe }) => {
    const { job } = await run(p, probe, `ln -s /etc/passwd passwd.txt; ln -s ${join(p.dataDir, 'allgo.db')} db.txt; rm -f allgo.log; ln -s /etc/hostname allgo.log; echo done > ok.txt`);
    expect(job).toMatchObject({ result: 'success' });
    const names = (job.files as { name: string }[]).map((f) => f.name);
    // The log the runner kept, beside the job's folder and out of its reach, not the job's link.
    expect(names).toEqual(['allgo.log', 'ok.txt']);
    const base = (job.files as { url: string }[])[1].url.replace(/ok\.txt$/, '');
    expect((await fetch(base + 'passwd.txt')).status).toBe(404);
    expect((await fetch(base + 'db.txt')).status).toBe(404);
    expect((await p.api(`/api/v1/jobs/${job.id}/log`, { token: p.adminToken })).status).toBe(200);
    expect(await (await p.api(`/api/v1/jobs/${job.id}/log`, { token: p.adminToken })).text()).not.toContain(readFileSync('/etc/hostname', 'utf8').trim() + '\n');
  });

  test('refuses a forged run payload that names a host folder instead of the job folder', async ({ platform: p, probe }) => {
    const connection = new Redis(p.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('run-standard', { connection, prefix: p.redisPrefix });
    try {
      const job = await queue.add(
        'run',
        { jobId: 987654, image: appImageId(probe, '1.0'), argv: ['/usr/local/bin/probe', 'bash', 'ls /job > /job/owned'], workdir: '/', memoryMb: 64, timeLimitMs: 10_000, queue: 'standard', logKey: `${p.redisPrefix}:forged` },
        { jobId: 'job-987654' },
      );
      await expect.poll(() => job.getState(), { timeout: 10_000, message: 'the forged job did not end' }).toMatch(/^(failed|completed)$/);
      expect(await job.getState()).toBe('failed');
      expect((await queue.getJob('job-987654'))!.failedReason).toContain('refused');
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  test('and after all that, the next job runs normally', async ({ platform: p, probe }) => {
    const { job, log } = await run(p, probe, 'echo still fine');
    expect(job).toMatchObject({ result: 'success', exit_code: 0 });
    expect(log).toBe('still fine\n');
    expect(statSync(p.dataDir).isDirectory()).toBe(true);
  });
});
