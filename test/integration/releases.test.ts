// An app's default version is a pointer its owner moves: a push publishes and (unless told not
// to) promotes; promote, rollback and yank move it through the API and the CLI, and jobs that
// name no version follow it. Real server, git, Redis and Docker.
import { describe, expect } from 'vitest';
import { waitForJob, type Platform } from '../helpers/platform.js';
import { cliTest, allgo } from '../helpers/cli.js';
import { commitAll, editFile, fixtureRepo, push } from '../helpers/git.js';

const test = cliTest();

/** Bumps the repository's version to `label` (with `extra` yaml lines) and commits. */
function bump(repo: string, label: string, extra = ''): void {
  editFile(repo, 'allgo.yaml', (t) => t.replace(/^version: .*$/m, `version: "${label}"`) + extra);
  commitAll(repo, `version ${label}`);
}

const appDetail = async (p: Platform, app: string) => (await (await p.api(`/api/v1/apps/${app}`, { token: p.adminToken })).json()) as { default_version: string | null; latest_version: string | null; versions: { version: string; yanked: unknown }[] };

const post = (p: Platform, path: string, token: string, body?: object) =>
  p.api(path, { method: 'POST', token, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });

async function submit(p: Platform, app: string, version?: string): Promise<Response> {
  const form = new FormData();
  form.append('job[webapp_id]', app);
  form.append('job[param]', 'exit 0');
  if (version) form.append('job[version]', version);
  return p.api('/api/v1/jobs', { method: 'POST', token: p.adminToken, body: form });
}

describe('releases', () => {
  test('a push promotes unless told not to; jobs run the default; promote, rollback and yank move it, each recorded', async ({ platform: p }) => {
    const app = p.appName('rel');
    const repo = fixtureRepo('probe');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).output).toContain(`published ${app} 1.0 (now its default version)`);
    const old = await waitForJob(p, ((await (await submit(p, app)).json()) as { id: number }).id, p.adminToken);
    expect(old).toMatchObject({ version: '1.0', status: 'done', result: 'success' });

    bump(repo, '1.1');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    bump(repo, '1.2');
    const held = await push(repo, p.url, app, 'admin', p.adminToken, 'main', ['allgo.promote=false']);
    expect(held.code, held.output).toBe(0);
    expect(held.output).toContain(`remote: published ${app} 1.2; its default stays 1.1 (make it the default: allgo promote ${app} 1.2)`);
    expect(await appDetail(p, app)).toMatchObject({ default_version: '1.1', latest_version: '1.2' });
    bump(repo, '1.3', 'promote: false\n');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).output).toContain('its default stays 1.1');

    // A job naming no version runs the default, not the newest.
    const onDefault = ((await (await submit(p, app)).json()) as { id: number }).id;
    expect(await p.job(onDefault)).toMatchObject({ version: '1.1' });

    expect(await (await post(p, `/api/v1/apps/${app}/promote`, p.adminToken, { version: '1.3' })).json()).toMatchObject({ default_version: '1.3' });
    expect(await (await post(p, `/api/v1/apps/${app}/rollback`, p.adminToken)).json()).toMatchObject({ default_version: '1.1' });

    const yanked = (await (await post(p, `/api/v1/apps/${app}/versions/1.0/yank`, p.adminToken, { reason: 'miscounts empty lines' })).json()) as { releases: { action: string; version: string; by: string; reason: string | null; default: boolean }[] };
    expect(yanked.releases.map((r) => `${r.action} ${r.version}${r.default ? ' *' : ''}`)).toEqual(['yank 1.0', 'rollback 1.1 *', 'promote 1.3 *', 'publish 1.3', 'publish 1.2', 'publish 1.1 *', 'publish 1.0 *']);
    expect(yanked.releases[0]).toMatchObject({ by: 'admin', reason: 'miscounts empty lines' });

    // A new job naming the yanked version is refused with the reason; the old one keeps its record.
    const refused = await submit(p, app, '1.0');
    expect(refused.status).toBe(410);
    expect(await refused.json()).toEqual({ code: 'version_yanked', error: `version 1.0 of ${app} was withdrawn by its provider: miscounts empty lines; run the default version (1.1) instead` });
    expect(await p.job(old.id as number)).toMatchObject({ version: '1.0', status: 'done', result: 'success' });
    expect((await appDetail(p, app)).versions.find((v) => v.version === '1.0')?.yanked).toMatchObject({ reason: 'miscounts empty lines' });
  });

  test('only the owner moves releases; bad requests get a 4xx with a code', async ({ platform: p, probe, user }) => {
    const other = await post(p, `/api/v1/apps/${probe}/promote`, user.token, { version: '1.0' });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: 'forbidden' });
    expect((await post(p, `/api/v1/apps/${probe}/rollback`, '')).status).toBe(401);
    expect((await post(p, '/api/v1/apps/no-such-app/rollback', p.adminToken)).status).toBe(404);
    // Anyone who may see the app may read its history.
    expect(await (await p.api(`/api/v1/apps/${probe}/releases`, { token: user.token })).json()).toMatchObject({ app: probe, default_version: '1.0' });

    const cases: [string, object | undefined, number, string][] = [
      [`/api/v1/apps/${probe}/promote`, {}, 400, 'bad_request'],
      [`/api/v1/apps/${probe}/promote`, { version: '9.9' }, 404, 'not_found'],
      [`/api/v1/apps/${probe}/rollback`, undefined, 409, 'nothing_to_roll_back'],
      [`/api/v1/apps/${probe}/versions/1.0/yank`, { reason: '   ' }, 400, 'bad_request'],
      [`/api/v1/apps/${probe}/versions/9.9/yank`, { reason: 'x' }, 404, 'not_found'],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await post(p, path, p.adminToken, body);
      expect([path, r.status, ((await r.json()) as { code: string }).code]).toEqual([path, status, code]);
    }
  });

  test('refuses a misspelt allgo push option, saying which are taken', async ({ platform: p }) => {
    const r = await push(fixtureRepo('probe'), p.url, p.appName('rel'), 'admin', p.adminToken, 'main', ['allgo.promot=false']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('remote: allgo: unknown push option "allgo.promot": allgo takes -o allgo.promote=false');
  });

  test('the CLI lists the history and moves the default', async ({ platform: p, home }) => {
    const app = p.appName('rel');
    const repo = fixtureRepo('probe');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    bump(repo, '2.0');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const env = { ALLGO_URL: p.url, ALLGO_TOKEN: p.adminToken };
    expect(await allgo(['rollback', app], { home, env })).toMatchObject({ code: 0, stdout: `${app}: the default version is now 1.0\n` });
    expect(await allgo(['promote', app, '2.0'], { home, env })).toMatchObject({ code: 0, stdout: `${app}: the default version is now 2.0\n` });
    expect(await allgo(['yank', app, '2.0', '--reason', 'wrong output'], { home, env })).toMatchObject({ code: 0, stdout: `${app}: version 2.0 yanked\n${app}: the default version is now 1.0\n` });
    const list = await allgo(['releases', app], { home, env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^default version: 1\.0\nWHEN +ACTION +VERSION +COMMIT +BY +DEFAULT +TESTS +REASON\n/);
    expect(list.stdout).toMatch(/ rollback +1\.0 +[0-9a-f]{10} +admin +yes +- +2\.0 was yanked\n/);
    expect(list.stdout).toMatch(/ yank +2\.0 +[0-9a-f]{10} +admin +- +- +wrong output\n/);
    const missing = await allgo(['yank', app, '1.0'], { home, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --reason');
  });
});
