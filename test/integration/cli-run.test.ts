// Running jobs from the compiled CLI and from the library: `allgo run --wait` streams the log,
// saves the results and exits with a code that says how the job ended; logs -f, get, cancel;
// and `new App(name).run()` as a notebook would call it.
import { describe, expect } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForJob, type Platform } from '../helpers/platform.js';
import { allgo, cliTest } from '../helpers/cli.js';
import { AllgoClient, ApiError, App } from '../../client/index.js';

const CONFIG = `
queues:
  quick: {time_limit: 2s}
  standard: {time_limit: 20m}
limits:
  upload_mb: 1
`;

const test = cliTest({ configYaml: CONFIG });

/** The newest job of the test user, once it is in `state` (waits up to 20 s). */
async function newestJob(p: Platform, token: string, state: string): Promise<number> {
  const newest = async () => ((await (await p.api('/api/v1/jobs?limit=1', { token })).json()) as { jobs: { id: number; state: string }[] }).jobs[0];
  await expect.poll(async () => (await newest())?.state, { timeout: 20_000, message: `the newest job never reached ${state}` }).toBe(state);
  return (await newest()).id;
}

describe('allgo run --wait', () => {
  test('uploads the files, streams the log, saves the results (not the inputs) into --out and exits 0', async ({ probe, home, userEnv: env, tempDir }) => {
    const work = tempDir();
    writeFileSync(join(work, 'data.txt'), 'input data\n');
    const r = await allgo(['run', probe, 'data.txt', '--param', 'bash "cat data.txt; echo result > out.txt"', '--wait', '--out', 'results'], { home, env, cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('input data\n');
    expect(r.stderr).toMatch(/^allgo: job (\d+) submitted; waiting for it to finish \(Ctrl-C leaves it running\)\nallgo: job \1 succeeded; saved results\/allgo\.log, results\/out\.txt\n$/);
    expect(readdirSync(join(work, 'results')).sort()).toEqual(['allgo.log', 'out.txt']);
    expect(readFileSync(join(work, 'results', 'out.txt'), 'utf8')).toBe('result\n');
    expect(readFileSync(join(work, 'data.txt'), 'utf8')).toBe('input data\n');
  });

  test('exits 4 for an error, with the reason on one line, and still saves what the job left', async ({ probe, home, userEnv: env, tempDir }) => {
    const work = tempDir();
    const r = await allgo(['run', probe, '--param', 'exit 3', '--wait', '--out', work], { home, env });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('exiting with 3\n');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^allgo: job \d+ ended with error: exited with code 3; saved .*allgo\.log$/);
    expect(readdirSync(work)).toEqual(['allgo.log']);
  });

  test('exits 5 for a job over its time limit', async ({ probe, home, userEnv: env, tempDir }) => {
    const r = await allgo(['run', probe, '--param', 'sleep 30', '--queue', 'quick', '--wait', '--out', tempDir()], { home, env });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/ended with timeout: .*time limit of 2s \(queue quick\)/);
  });

  test('exits 6 when the job is cancelled while it waits for it', async ({ platform: p, probe, user, home, userEnv: env, tempDir }) => {
    const running = allgo(['run', probe, '--param', 'sleep 60', '--wait', '--out', tempDir()], { home, env });
    const id = await newestJob(p, user.token, 'running');
    const cancelled = await allgo(['cancel', String(id)], { home, env });
    expect(cancelled).toMatchObject({ code: 0, stdout: `job ${id}: stopping (it was running)\n` });
    const r = await running;
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`allgo: job ${id} ended with aborted: cancelled while running`);
  });

  test('refuses an upload over the server limit with its reason, exit 1', async ({ probe, home, userEnv: env, tempDir }) => {
    const work = tempDir();
    writeFileSync(join(work, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 1));
    const r = await allgo(['run', probe, 'big.bin', '--wait'], { home, env, cwd: work });
    expect(r).toMatchObject({ code: 1, stderr: 'allgo: the input files are larger than the upload limit of 1 MB\n' });
  });

  test('checks the command line before uploading anything', async ({ probe, home, userEnv: env }) => {
    expect(await allgo(['run', probe, 'missing.txt'], { home, env })).toMatchObject({ code: 2, stderr: 'allgo: missing.txt: no such file (inputs are files; a folder can be sent as an archive)\n' });
    expect(await allgo(['run', probe, '--preset', 'nope'], { home, env })).toMatchObject({ code: 2, stderr: `allgo: ${probe} has no preset "nope" (it has none)\n` });
    expect((await allgo(['run', probe, '--param', 'x', '--preset', 'y'], { home, env })).stderr).toContain('give --param or --preset, not both');
    expect((await allgo(['run', 'no-such-app'], { home, env })).stderr).toMatch(/^allgo: no app "no-such-app"/);
  });
});

describe('allgo run, logs -f, get, cancel', () => {
  test('run prints the job id; logs -f follows the log live to the end; logs prints it after', async ({ probe, home, userEnv: env }) => {
    const submitted = await allgo(['run', probe, '--param', 'tick 5'], { home, env });
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toMatch(/^\d+\n$/);
    const id = submitted.stdout.trim();
    expect(submitted.stderr).toBe(`allgo: job ${id} submitted; follow it with "allgo logs ${id} -f"\n`);

    const followed = await allgo(['logs', id, '-f'], { home, env });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n');
    expect(followed.stderr).toBe(`allgo: job ${id} success: exited with code 0\n`);
    expect((await allgo(['logs', id], { home, env })).stdout).toBe(followed.stdout);
  });

  test('get saves the results of a finished job and prints the paths; --inputs adds the inputs', async ({ platform: p, probe, user, home, userEnv: env, tempDir }) => {
    const work = tempDir();
    writeFileSync(join(work, 'in.txt'), 'x');
    const id = (await allgo(['run', probe, 'in.txt', '--param', 'write out.txt got'], { home, env, cwd: work })).stdout.trim();
    expect(await waitForJob(p, Number(id), user.token)).toMatchObject({ result: 'success' });
    const out = join(work, 'fetched');
    const r = await allgo(['get', id, '--out', out], { home, env });
    expect(r.code, r.stderr).toBe(0);
    // Regression: get downloaded the inputs again (123 MB in the report), while run --wait skipped them.
    expect(r.stdout.trim().split('\n').sort()).toEqual(['allgo.log', 'out.txt'].map((f) => join(out, f)));
    expect(readFileSync(join(out, 'out.txt'), 'utf8')).toBe('got\n');
    const all = await allgo(['get', id, '--out', join(work, 'all'), '--inputs'], { home, env });
    expect(all.stdout.trim().split('\n').sort()).toEqual(['allgo.log', 'in.txt', 'out.txt'].map((f) => join(work, 'all', f)));
    const files = ((await (await p.api(`/api/v1/jobs/${id}`, { token: user.token })).json()) as { files: { name: string; kind: string }[] }).files;
    expect(Object.fromEntries(files.map((f) => [f.name, f.kind]))).toEqual({ 'allgo.log': 'log', 'in.txt': 'input', 'out.txt': 'output' });
  });

  test('get refuses a job that is still running; cancel stops it; a second cancel leaves it alone', async ({ platform: p, probe, user, home, userEnv: env }) => {
    const id = (await allgo(['run', probe, '--param', 'sleep 60'], { home, env })).stdout.trim();
    await newestJob(p, user.token, 'running');
    expect(await allgo(['get', id], { home, env })).toMatchObject({ code: 1, stderr: `allgo: job ${id} is running: its files are not final yet; wait with "allgo logs ${id} -f"\n` });
    expect(await allgo(['cancel', id], { home, env })).toMatchObject({ code: 0, stdout: `job ${id}: stopping (it was running)\n` });
    expect(await waitForJob(p, Number(id), user.token)).toMatchObject({ result: 'aborted' });
    expect(await allgo(['cancel', id], { home, env })).toMatchObject({ code: 1, stderr: `allgo: job ${id} has already finished (aborted): there is nothing to cancel\n` });
    // Its files are still there: cancel never deletes.
    expect((await p.api(`/api/v1/jobs/${id}`, { token: user.token })).status).toBe(200);
  });

  test('cancel removes a job that has not started', async ({ platform: p, probe, user, home, userEnv: env }) => {
    const blockers = await Promise.all([1, 2].map(() => allgo(['run', probe, '--param', 'sleep 60'], { home, env })));
    const queued = (await allgo(['run', probe, '--param', 'args never'], { home, env })).stdout.trim();
    expect(await allgo(['cancel', queued], { home, env })).toMatchObject({ code: 0, stdout: `job ${queued}: cancelled before it started\n` });
    expect(await waitForJob(p, Number(queued), user.token)).toMatchObject({ result: 'aborted', message: 'cancelled before it started' });
    for (const b of blockers) await allgo(['cancel', b.stdout.trim()], { home, env });
  });
});

describe('the library', () => {
  test('App.run submits files from disk and from memory, streams the log, and saves the results', async ({ platform: p, probe, user, home, tempDir }) => {
    const work = tempDir();
    writeFileSync(join(work, 'a.txt'), 'from disk\n');
    let log = '';
    const states: string[] = [];
    const job = await new App(probe, { url: p.url, token: user.token, env: {}, home }).run({
      files: [join(work, 'a.txt'), { name: 'b.txt', data: 'from memory\n' }],
      params: 'bash "cat a.txt b.txt; cat a.txt b.txt > both.txt"',
      outDir: join(work, 'out'),
      onLog: (t) => (log += t),
      onState: (s) => states.push(s.status),
    });
    expect(job).toMatchObject({ state: 'done', result: 'success', exit_code: 0, app: probe });
    expect(log).toBe('from disk\nfrom memory\n');
    expect(states.at(-1)).toBe('done');
    expect(job.outputs.map((o) => o.name).sort()).toEqual(['allgo.log', 'both.txt']);
    expect(readFileSync(join(work, 'out', 'both.txt'), 'utf8')).toBe('from disk\nfrom memory\n');
    expect(readdirSync(join(work, 'out')).sort()).toEqual(['allgo.log', 'both.txt']);
  });

  test('App.run resolves with a failed job rather than throwing; refusals throw ApiError', async ({ platform: p, probe, user, home }) => {
    const app = new App(probe, { url: p.url, token: user.token, env: {}, home });
    const failed = await app.run({ params: 'exit 7', download: false });
    expect(failed).toMatchObject({ result: 'error', exit_code: 7, outputs: [] });
    const refused = await app.run({ params: "args 'open" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 400, code: 'bad_param' });
  });

  test('events resume after a given event id', async ({ platform: p, probe, user, home }) => {
    const client = new AllgoClient({ url: p.url, token: user.token, env: {}, home });
    const { id } = await client.submit({ app: probe, params: 'tick 4' });
    const all = [];
    for await (const e of client.events(id)) all.push(e);
    const logs = all.filter((e) => e.type === 'log') as { id: string; text: string }[];
    expect(logs.map((e) => e.text).join('')).toBe('tick 1\ntick 2\ntick 3\ntick 4\n');
    let rest = '';
    for await (const e of client.events(id, { lastEventId: logs[0].id })) if (e.type === 'log') rest += e.text;
    expect(logs[0].text + rest).toBe('tick 1\ntick 2\ntick 3\ntick 4\n');
  });
});
