// `allgo login`, then browsing with the compiled CLI: apps and app as tables for people and
// JSON for scripts, jobs and job, and errors as one line that says what to do.
import { describe, expect } from 'vitest';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../common/net.js';
import { waitForJob } from '../helpers/platform.js';
import { allgo, cliTest } from '../helpers/cli.js';

const test = cliTest({ probe: (dir) => appendFileSync(join(dir, 'allgo.yaml'), 'presets:\n  - {name: hi, params: "args hi"}\n') });

describe('allgo login', () => {
  test('asks for the URL and the token on stdin, checks them, and saves them readable by the user only', async ({ platform: p, user, home }) => {
    const r = await allgo(['login'], { home, input: `${p.url}\n${user.token}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('allgo server URL');
    expect(r.stdout).toMatch(/^signed in to http:\/\/127\.0\.0\.1:\d+ as user-/);
    const file = join(home, '.config', 'allgo', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url: p.url, token: user.token });
    // Later commands need nothing more.
    expect((await allgo(['apps'], { home })).code).toBe(0);
  });

  test('takes flags, and writes to $XDG_CONFIG_HOME when it is set', async ({ platform: p, user, home }) => {
    const r = await allgo(['login', '--url', p.url + '/', '--token', user.token], { home, env: { XDG_CONFIG_HOME: join(home, 'xdg') } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'xdg', 'allgo', 'config.json'), 'utf8')).url).toBe(p.url);
  });

  test('refuses a wrong token with exit code 3 and saves nothing', async ({ platform: p, home }) => {
    const r = await allgo(['login', '--url', p.url, '--token', 'wrong'], { home });
    expect(r).toMatchObject({ code: 3, stdout: '' });
    expect(r.stderr).toBe(`allgo: ${p.url} refused this token: check it (an admin can make one with "allgo user add")\n`);
    expect((await allgo(['apps'], { home, env: { ALLGO_URL: p.url } })).code).toBe(3);
  });
});

describe('apps and app', () => {
  test('lists apps as a table, or as JSON with --json', async ({ probe, home, userEnv: env }) => {
    const table = await allgo(['apps'], { home, env });
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +VERSION +OWNER +TAGS +TITLE$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${probe} +1\\.0 +admin +test +Probe$`)));

    const json = await allgo(['apps', '--json'], { home, env });
    const list = JSON.parse(json.stdout) as { name: string; latest_version: string }[];
    expect(list.find((a) => a.name === probe)).toMatchObject({ latest_version: '1.0', tags: ['test'] });

    const tagged = await allgo(['apps', '--tag', 'test', '--tag', 'no-such-tag'], { home, env });
    expect(tagged).toMatchObject({ code: 0, stdout: '', stderr: 'no apps tagged test, no-such-tag\n' });
  });

  test('shows one app with its versions, presets and queues, or its JSON', async ({ probe, home, userEnv: env }) => {
    const r = await allgo(['app', probe], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^name: +${probe}$`, 'm'));
    expect(r.stdout).toMatch(/^memory: +64 MB$/m);
    expect(r.stdout).toMatch(/^1\.0 +ready +[0-9a-f]{10} +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    expect(r.stdout).toMatch(/^hi +args hi$/m);
    expect(r.stdout).toMatch(/^standard +20m$/m);
    // The git URL is the owner's business.
    expect(r.stdout).not.toContain('/git/');

    const json = JSON.parse((await allgo(['app', probe, '--json'], { home, env })).stdout);
    expect(json).toMatchObject({ name: probe, presets: [{ name: 'hi', params: 'args hi' }] });
  });

  test('says which app does not exist, exit code 1', async ({ home, userEnv: env }) => {
    const r = await allgo(['app', 'no-such-app'], { home, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^allgo: no app "no-such-app": .*\n$/);
  });
});

describe('jobs and job', () => {
  test('lists my jobs and shows one, as tables or JSON', async ({ platform: p, probe, user, home, userEnv: env }) => {
    const submitted = await allgo(['run', probe, '--preset', 'hi'], { home, env });
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = Number(submitted.stdout.trim());
    expect(await waitForJob(p, id, user.token)).toMatchObject({ result: 'success' });

    const list = await allgo(['jobs'], { home, env });
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +APP +VERSION +STATE +RESULT +CREATED +PARAMS$/);
    expect(list.stdout.split('\n')[1]).toMatch(new RegExp(`^${id} +${probe} +1\\.0 +done +success +[-0-9: ]+ +args hi$`));
    expect(JSON.parse((await allgo(['jobs', '--json', '--limit', '1'], { home, env })).stdout)).toMatchObject([{ id, param: 'args hi' }]);

    const one = await allgo(['job', String(id)], { home, env });
    expect(one.stdout).toMatch(/^result: +success$/m);
    expect(one.stdout).toMatch(/^message: +exited with code 0$/m);
    expect(one.stdout).toMatch(/^allgo\.log +\d+ B +http:\/\/\S+\/allgo\.log$/m);
    expect(JSON.parse((await allgo(['job', String(id), '--json'], { home, env })).stdout)).toMatchObject({ id, status: 'done', result: 'success' });
  });
});

describe('errors are one line with a hint, and exit codes say what kind', () => {
  test('no token: exit 3 and how to get one', async ({ platform: p, home }) => {
    const r = await allgo(['jobs'], { home, env: { ALLGO_URL: p.url } });
    expect(r).toMatchObject({ code: 3, stdout: '', stderr: `allgo: no token for ${p.url}: run "allgo login" or set ALLGO_TOKEN\n` });
  });

  test('a refused token: exit 3, naming where the token came from', async ({ platform: p, home }) => {
    writeFileSync(join(home, '.allgo_token'), 'stale-token');
    const r = await allgo(['jobs'], { home, env: { ALLGO_URL: p.url } });
    expect(r).toMatchObject({ code: 3, stderr: `allgo: ${p.url} refused the token (from ~/.allgo_token): run "allgo login" or set ALLGO_TOKEN\n` });
  });

  test('a server that does not answer: exit 1, naming the URL and where it came from', async ({ home }) => {
    const port = await freePort();
    const r = await allgo(['apps', '--url', `http://127.0.0.1:${port}`, '--token', 'x'], { home });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`allgo: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): is the server running? (URL from --url; change it with --url, ALLGO_URL or "allgo login")\n`);
  });

  test('a bad command line: exit 2 with the usage line; --help: exit 0', async ({ home }) => {
    const bad = await allgo(['jobs', '--bogus'], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("allgo jobs: Unknown option '--bogus'\nusage: allgo jobs [--limit N] [--json]\n");
    expect(await allgo(['job', 'x'], { home })).toMatchObject({ code: 2, stderr: expect.stringContaining('"x" is not a job id') });
    for (const cmd of ['login', 'apps', 'app', 'run', 'jobs', 'job', 'logs', 'get', 'cancel', 'init', 'remote', 'versions', 'build-log', 'credential']) {
      const help = await allgo([cmd, '--help'], { home });
      expect(help.code, cmd).toBe(0);
      expect(help.stdout, cmd).toMatch(new RegExp(`^usage: allgo ${cmd}`));
    }
    const top = await allgo(['--help'], { home });
    expect(top.stdout).toContain('exit codes');
    expect(top.stdout).toMatch(/^ {2}up +server \+ builder \+ runner/m);
  });
});
