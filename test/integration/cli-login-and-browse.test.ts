// `allgo login`, then browsing with the compiled CLI: apps and app as tables for people and
// JSON for scripts, jobs and job, and errors as one line that says what to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../common/net.js';
import { startPlatform, removeImages, uniqueName, waitForJob, type Platform } from '../helpers/platform.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { allgo, assertCliBuilt, removeTempDirs, tempHome } from '../helpers/cli.js';

let p: Platform;
let probe: string;
let userToken: string;
const apps: string[] = [];

beforeAll(async () => {
  assertCliBuilt();
  p = await startPlatform();
  probe = uniqueName('probe');
  apps.push(probe);
  const pushed = await push(
    fixtureRepo('probe', (dir) => writeFileSync(join(dir, 'allgo.yaml'), readFileSync(join(dir, 'allgo.yaml'), 'utf8') + 'presets:\n  - {name: hi, params: "args hi"}\n')),
    p.url,
    probe,
    'admin',
    p.adminToken,
  );
  expect(pushed.code, pushed.output).toBe(0);
  userToken = await p.addUser(uniqueName('user'));
});
afterAll(async () => {
  await p?.close();
  removeImages(apps);
  removeTempDirs();
});

describe('allgo login', () => {
  it('asks for the URL and the token on stdin, checks them, and saves them readable by the user only', async () => {
    const home = tempHome();
    const r = await allgo(['login'], { home, input: `${p.url}\n${userToken}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('allgo server URL');
    expect(r.stdout).toMatch(/^signed in to http:\/\/127\.0\.0\.1:\d+ as user-/);
    const file = join(home, '.config', 'allgo', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url: p.url, token: userToken });
    // Later commands need nothing more.
    expect((await allgo(['apps'], { home })).code).toBe(0);
  });

  it('takes flags, and writes to $XDG_CONFIG_HOME when it is set', async () => {
    const home = tempHome();
    const r = await allgo(['login', '--url', p.url + '/', '--token', userToken], { home, env: { XDG_CONFIG_HOME: join(home, 'xdg') } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'xdg', 'allgo', 'config.json'), 'utf8')).url).toBe(p.url);
  });

  it('refuses a wrong token with exit code 3 and saves nothing', async () => {
    const home = tempHome();
    const r = await allgo(['login', '--url', p.url, '--token', 'wrong'], { home });
    expect(r).toMatchObject({ code: 3, stdout: '' });
    expect(r.stderr).toBe(`allgo: ${p.url} refused this token: check it (an admin can make one with "allgo user add")\n`);
    expect((await allgo(['apps'], { home, env: { ALLGO_URL: p.url } })).code).toBe(3);
  });
});

describe('apps and app', () => {
  it('lists apps as a table, or as JSON with --json', async () => {
    const home = tempHome();
    const env = { ALLGO_URL: p.url, ALLGO_TOKEN: userToken };
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

  it('shows one app with its versions, presets and queues, or its JSON', async () => {
    const home = tempHome();
    const env = { ALLGO_URL: p.url, ALLGO_TOKEN: userToken };
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

  it('says which app does not exist, exit code 1', async () => {
    const r = await allgo(['app', 'no-such-app'], { home: tempHome(), env: { ALLGO_URL: p.url, ALLGO_TOKEN: userToken } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^allgo: no app "no-such-app": .*\n$/);
  });
});

describe('jobs and job', () => {
  it('lists my jobs and shows one, as tables or JSON', async () => {
    const home = tempHome();
    const env = { ALLGO_URL: p.url, ALLGO_TOKEN: userToken };
    const submitted = await allgo(['run', probe, '--preset', 'hi'], { home, env });
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = Number(submitted.stdout.trim());
    expect(await waitForJob(p, id, userToken)).toMatchObject({ result: 'success' });

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
  it('no token: exit 3 and how to get one', async () => {
    const r = await allgo(['jobs'], { home: tempHome(), env: { ALLGO_URL: p.url } });
    expect(r).toMatchObject({ code: 3, stdout: '', stderr: `allgo: no token for ${p.url}: run "allgo login" or set ALLGO_TOKEN\n` });
  });

  it('a refused token: exit 3, naming where the token came from', async () => {
    const home = tempHome();
    writeFileSync(join(home, '.allgo_token'), 'stale-token');
    const r = await allgo(['jobs'], { home, env: { ALLGO_URL: p.url } });
    expect(r).toMatchObject({ code: 3, stderr: `allgo: ${p.url} refused the token (from ~/.allgo_token): run "allgo login" or set ALLGO_TOKEN\n` });
  });

  it('a server that does not answer: exit 1, naming the URL and where it came from', async () => {
    const port = await freePort();
    const r = await allgo(['apps', '--url', `http://127.0.0.1:${port}`, '--token', 'x'], { home: tempHome() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`allgo: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): is the server running? (URL from --url; change it with --url, ALLGO_URL or "allgo login")\n`);
  });

  it('a bad command line: exit 2 with the usage line; --help: exit 0', async () => {
    const home = tempHome();
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
