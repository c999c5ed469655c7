// A push that cannot be published is refused, and git's own output says why.
import { describe, expect } from 'vitest';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { uniqueName, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { commitAll, editFile, fixtureRepo, git, push, runAsync } from '../helpers/git.js';

const test = platformTest({ configYaml: 'providers: {email_domains: [lab.example]}\n' });

async function versions(p: Platform, app: string): Promise<{ version: string; state: string; commit: string }[]> {
  const res = await p.api(`/api/v1/apps/${app}`, { token: p.adminToken });
  if (res.status === 404) return [];
  return ((await res.json()) as { versions: { version: string; state: string; commit: string }[] }).versions;
}

describe('pushes that are refused', () => {
  test('refuses an invalid allgo.yaml, naming the field and the line, and publishes nothing', async ({ platform: p }) => {
    const app = p.appName('app');
    const repo = fixtureRepo('probe', (dir) => writeFileSync(join(dir, 'allgo.yaml'), 'version: "1.0"\nentrypoint: /usr/local/bin/probe\nmemroy: 12\nmemory: lots\n'));
    const r = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('remote: allgo: allgo.yaml at');
    expect(r.output).toMatch(/remote:\s+allgo\.yaml:3: unknown field `memroy`/);
    expect(r.output).toMatch(/remote:\s+allgo\.yaml:4: `memory` must be integer/);
    expect(r.output).toContain('pre-receive hook declined');
    expect(await versions(p, app)).toEqual([]);
    // main did not move: the repository has no main at all.
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).not.toBe(0);
  });

  test('refuses a commit without allgo.yaml or without a Dockerfile', async ({ platform: p }) => {
    const app = p.appName('app');
    const noManifest = fixtureRepo('probe', (dir) => rmSync(join(dir, 'allgo.yaml')));
    const a = await push(noManifest, p.url, app, 'admin', p.adminToken);
    expect(a.code).not.toBe(0);
    expect(a.output).toMatch(/remote: allgo: commit [0-9a-f]{12} has no allgo\.yaml at its root/);
    const noDockerfile = fixtureRepo('probe', (dir) => rmSync(join(dir, 'Dockerfile')));
    const b = await push(noDockerfile, p.url, app, 'admin', p.adminToken);
    expect(b.code).not.toBe(0);
    expect(b.output).toMatch(/remote: allgo: commit [0-9a-f]{12} has no Dockerfile at its root/);
  });

  test('refuses a queue the server does not have', async ({ platform: p }) => {
    const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), 'queue: express\n'));
    const r = await push(repo, p.url, p.appName('app'), 'admin', p.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('`queue` "express" is not a queue of this server; use one of: interactive, standard, batch');
  });

  test('refuses to publish a version label again from another commit, and accepts the bump', async ({ platform: p }) => {
    const app = p.appName('app');
    const repo = fixtureRepo('probe');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const first = git(repo, 'rev-parse', 'HEAD').trim();
    editFile(repo, 'probe.sh', (t) => t.replace('exiting with', 'leaving with'));
    commitAll(repo, 'change without a bump');
    const again = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(again.code).not.toBe(0);
    expect(again.output).toContain(`version "1.0" of ${app} is already published from commit ${first.slice(0, 12)}`);
    expect(again.output).toContain('bump `version` in allgo.yaml');
    editFile(repo, 'allgo.yaml', (t) => t.replace('version: "1.0"', 'version: "1.1"'));
    commitAll(repo, 'bump');
    const bumped = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(bumped.output).toContain(`published ${app} 1.1`);
    expect((await versions(p, app)).map((v) => [v.version, v.state])).toEqual([
      ['1.1', 'ready'],
      ['1.0', 'ready'],
    ]);
  });

  test('ends the push with the build error and a non-zero exit when the image does not build', async ({ platform: p }) => {
    const app = p.appName('app');
    const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'Dockerfile'), 'RUN echo "about to fail" && exit 7\n'));
    const r = await push(repo, p.url, app, 'admin', p.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('about to fail');
    expect(r.output).toMatch(/build of app-[0-9a-f]+ 1\.0 failed: the step `echo "about to fail" && exit 7` exited with code 7/);
    expect(await versions(p, app)).toEqual([expect.objectContaining({ version: '1.0', state: 'failed' })]);
    const log = await p.api(`/api/v1/apps/${app}/versions/1.0/build-log`, { token: p.adminToken });
    expect(await log.text()).toContain('about to fail');
    // The same label can be pushed again once fixed.
    editFile(repo, 'Dockerfile', (t) => t.replace(/RUN echo "about to fail".*\n/, ''));
    commitAll(repo, 'fix');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).output).toContain(`published ${app} 1.0`);
  });

  test('stores other branches without publishing them', async ({ platform: p }) => {
    const app = p.appName('app');
    const repo = fixtureRepo('probe');
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    git(repo, 'checkout', '-q', '-b', 'experiment');
    editFile(repo, 'allgo.yaml', (t) => t.replace('version: "1.0"', 'version: "2.0"'));
    commitAll(repo, 'wip');
    const r = await push(repo, p.url, app, 'admin', p.adminToken, 'experiment');
    expect(r.code).toBe(0);
    expect(r.output).toContain('only pushes to main are published');
    expect((await versions(p, app)).map((v) => v.version)).toEqual(['1.0']);
  });

  test('refuses a branch pushed to a name that is no app yet: main comes first and makes the owner', async ({ platform: p }) => {
    const app = p.appName('app');
    const repo = fixtureRepo('probe');
    const r = await push(repo, p.url, app, 'admin', p.adminToken, 'main:refs/heads/dev');
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`"${app}" is not an app yet: push main first`);
  });

  test('keeps a private app invisible to other users, over git too', async ({ platform: p }) => {
    const app = p.appName('app');
    const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), 'private: true\n'));
    expect((await push(repo, p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const name = uniqueName('prov');
    const token = await p.addUser(name, { email: `${name}@lab.example` });
    const r = await push(fixtureRepo('probe'), p.url, app, name, token);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`no app "${app}" you can push to`);
    expect(r.output).not.toContain('belongs to');
  });

  test('lets only the owner push to an app, and only providers create apps', async ({ platform: p }) => {
    const app = p.appName('app');
    expect((await push(fixtureRepo('probe'), p.url, app, 'admin', p.adminToken)).code).toBe(0);
    const provider = uniqueName('prov');
    const providerToken = await p.addUser(provider, { email: `${provider}@lab.example` });
    const theirs = await push(fixtureRepo('probe'), p.url, app, provider, providerToken);
    expect(theirs.code).not.toBe(0);
    expect(theirs.output).toContain(`remote: allgo: app "${app}" belongs to admin: only its owner can push to it`);

    const plain = uniqueName('user');
    const plainToken = await p.addUser(plain, { email: `${plain}@elsewhere.example` });
    const denied = await push(fixtureRepo('probe'), p.url, p.appName('app'), plain, plainToken);
    expect(denied.code).not.toBe(0);
    expect(denied.output).toContain(`remote: allgo: user ${plain} may not create apps: ask an admin for provider rights or an email address in lab.example`);

    // A user of an allowed email domain creates their own app.
    const own = p.appName('app');
    expect((await push(fixtureRepo('probe'), p.url, own, provider, providerToken)).output).toContain(`published ${own} 1.0`);
  });

  test('refuses a bad token and a bad app name with a readable message', async ({ platform: p }) => {
    const bad = await push(fixtureRepo('probe'), p.url, p.appName('app'), 'admin', 'wrong-token');
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/Authentication failed|authentication required/);
    const name = await push(fixtureRepo('probe'), p.url, 'Bad_Name', 'admin', p.adminToken);
    expect(name.code).not.toBe(0);
    expect(name.output).toContain('app names are 2 to 40 characters');
  });

  test('makes a second push of the same app wait for the first build, and says so', async ({ platform: p }) => {
    const app = p.appName('app');
    // Long enough that the side push and the second main push both arrive during the build.
    const slow = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'Dockerfile'), 'RUN sleep 8\n'));
    const other = fixtureRepo('probe', (dir) => {
      appendFileSync(join(dir, 'Dockerfile'), 'RUN echo other\n');
      writeFileSync(join(dir, 'allgo.yaml'), 'version: "2.0"\nentrypoint: /usr/local/bin/probe\n');
    });
    const first = push(slow, p.url, app, 'admin', p.adminToken);
    // Regression (flaky on a loaded machine): the pushes were ordered by a one-second sleep. The
    // first holds the app's build lock once its version is recorded as building.
    await expect.poll(async () => (await versions(p, app)).map((v) => [v.version, v.state]), { message: 'the first push never started building' }).toEqual([['1.0', 'building']]);
    const second = await push(other, p.url, app, 'admin', p.adminToken, 'main:refs/heads/side');
    // A side branch is not published, so it need not wait; a second main push does.
    expect(second.code).toBe(0);
    const secondMain = push(other, p.url, app, 'admin', p.adminToken, '+HEAD:main');
    const [a, b] = await Promise.all([first, secondMain]);
    expect(a.output).toContain(`published ${app} 1.0`);
    expect(b.output).toContain(`another push of ${app} is building; waiting for it to finish`);
  });
});

describe('a push whose pusher goes away', () => {
  test('still finishes its build and publishes the version', async ({ platform: p }) => {
    const app = p.appName('app');
    const repo = fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'Dockerfile'), 'RUN sleep 2\n'));
    const url = new URL(`/git/${app}.git`, p.url);
    url.username = 'admin';
    url.password = p.adminToken;
    const child = spawn('git', ['-C', repo, 'push', url.toString(), 'main'], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (c) => {
        output += c;
        if (output.includes('Step 4/')) resolve();
      });
      child.on('close', () => reject(new Error(`the push ended before its build reached step 4:\n${output}`)));
    });
    child.kill('SIGKILL');
    await expect.poll(async () => (await versions(p, app))[0]?.state, { message: 'the build did not finish as ready' }).toBe('ready');
    // main moves on too once the hook returns its verdict, a moment after the version is ready.
    const want = git(repo, 'rev-parse', 'HEAD').trim();
    const remoteMain = async () => ((await runAsync('git', ['ls-remote', url.toString(), 'refs/heads/main'])).stdout ?? '').split('\t')[0];
    await expect.poll(remoteMain, { timeout: 30_000, message: 'main did not move to the pushed commit' }).toBe(want);
  });
});
