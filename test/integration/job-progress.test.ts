// While a job waits, its answer gives its place and an estimated start, which says so when its
// queue has too little history.
// A program reports its progress without any allgo library: `##allgo progress 42 stage` lines
// on its output, or a .allgo-progress file in its folder. The runner relays the latest; the
// job's answer, its event stream and `allgo run --wait` show it; the lines stay in the log.
import { describe, expect } from 'vitest';
import { AllgoClient } from '../../client/index.js';
import { waitForJob } from '../helpers/platform.js';
import { cliTest, allgo } from '../helpers/cli.js';

// One slot: a second job waits behind the first, for the estimated start.
const test = cliTest({ configYaml: 'runner: {concurrency: 1}\n' });

// Each step sleeps past the runner's look (about once a second), so each one is seen.
const REPORTING = `bash 'echo "##allgo progress 10 starting"; sleep 2.5; echo "##allgo progress 60 aligning reads"; sleep 2.5; echo "80 writing" > .allgo-progress; sleep 2.5; echo done'`;

describe('job progress', () => {
  test('reaches the job answer and its event stream, in order, and the lines stay in the log', async ({ platform: p, probe, user, home }) => {
    const id = await p.submit(probe, REPORTING, { token: user.token });
    const client = new AllgoClient({ url: p.url, token: user.token, env: {}, home });
    const seen: { percent: number; stage: string | null }[] = [];
    for await (const e of client.events(id)) if (e.type === 'progress') seen.push({ percent: e.progress.percent, stage: e.progress.stage });
    expect(seen).toEqual(expect.arrayContaining([{ percent: 60, stage: 'aligning reads' }, { percent: 80, stage: 'writing' }]));
    expect(seen.map((s) => s.percent)).toEqual([...seen.map((s) => s.percent)].sort((a, b) => a - b));
    const job = await waitForJob(p, id, user.token);
    expect(job).toMatchObject({ status: 'done', result: 'success', progress: { percent: 80, stage: 'writing', at: expect.any(String) } });
    const log = await client.log(id);
    expect(log).toContain('##allgo progress 60 aligning reads\n');
  });

  test('a job that reports nothing has progress null', async ({ platform: p, probe, user }) => {
    const job = await waitForJob(p, await p.submit(probe, 'exit 0', { token: user.token }), user.token);
    expect(job.progress).toBeNull();
  });

  test('allgo run --wait shows each progress on stderr, the output on stdout', async ({ platform: p, probe, home, userEnv, tempDir }) => {
    const r = await allgo(['run', probe, '--param', REPORTING, '--wait', '--out', tempDir()], { home, env: userEnv });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^allgo: progress \[#{18}\.{12}\]  60% aligning reads$/m);
    expect(r.stderr).toMatch(/^allgo: progress \[#{24}\.{6}\]  80% writing$/m);
    expect(r.stdout).toContain('done\n');
  });

  test('a waiting job says where it stands and, with too little history, that it cannot tell when it starts', async ({ platform: p, probe, user }) => {
    const queue = 'interactive';
    const first = await p.submit(probe, 'sleep 30', { token: user.token, queue });
    await expect.poll(async () => (await p.job(first, user.token)).status).toBe('running');
    const second = await p.submit(probe, 'exit 0', { token: user.token, queue });
    expect(await p.job(second, user.token)).toMatchObject({
      status: 'waiting',
      queue_position: 1,
      estimated_start: { at: null, basis: `not enough history: 0 finished runs in queue ${queue} (5 needed)` },
    });
    for (const id of [second, first]) await p.api(`/api/v1/jobs/${id}/cancel`, { method: 'POST', token: user.token });
  });
});
