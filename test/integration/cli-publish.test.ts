// A provider's path with the compiled CLI: `allgo init` scaffolds an app, `allgo remote` adds a
// git remote with no token in its URL, and a plain `git push allgo main` publishes it with
// no prompt, the token coming from `allgo credential`. Real git, real builds.
import { describe, expect } from 'vitest';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName, type Platform } from '../helpers/platform.js';
import { commitAll, fixtureRepo, git, push } from '../helpers/git.js';
import { allgo, cliTest, exec } from '../helpers/cli.js';
import { parseManifest } from '../../common/manifest.js';
import { createValidators } from '../../schemas/index.js';

const test = cliTest();

/** A provider signed in with `allgo login` in `home`, as a person would be. */
async function provider(p: Platform, home: string): Promise<{ home: string; token: string }> {
  const token = await p.addUser(uniqueName('prov'), { provider: true });
  const r = await allgo(['login', '--url', p.url, '--token', token], { home });
  expect(r.code, r.stderr).toBe(0);
  return { home, token };
}

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

describe('allgo init', () => {
  test('writes an allgo.yaml the platform accepts and a Dockerfile, and never overwrites them without --force', async ({ home, tempDir }) => {
    const dir = tempDir('allgo-init-');
    const r = await allgo(['init', '--yes', '--name', 'wc', '--entrypoint', '/opt/wc/count.sh', '--title', 'Word: "count"', '--tag', 'text', '--memory', '128'], { home, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('wrote allgo.yaml and Dockerfile for wc 1.0');
    const { manifest } = parseManifest(readFileSync(join(dir, 'allgo.yaml')), createValidators().manifest);
    expect(manifest).toMatchObject({ version: '1.0', entrypoint: '/opt/wc/count.sh', title: 'Word: "count"', tags: ['text'], memory: 128 });
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toMatch(/^FROM debian:bookworm\n[\s\S]*^COPY \. \/opt\/wc$/m);

    writeFileSync(join(dir, 'allgo.yaml'), 'mine\n');
    const again = await allgo(['init', '--yes', '--entrypoint', '/x'], { home, cwd: dir });
    expect(again).toMatchObject({ code: 1, stderr: 'allgo: allgo.yaml and Dockerfile already exist here: edit them, or pass --force to replace them\n' });
    expect(readFileSync(join(dir, 'allgo.yaml'), 'utf8')).toBe('mine\n');
    expect((await allgo(['init', '--yes', '--force', '--name', 'wc', '--entrypoint', '/x'], { home, cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'allgo.yaml'), 'utf8')).toContain('entrypoint: "/x"');
  });

  test('asks for what the flags do not say, in the order --help lists them, proposing the one executable file as the entrypoint', async ({ home, tempDir }) => {
    const dir = tempDir('allgo-init-');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    // entrypoint, version, title, base, memory, cpus, queue, contact, tags: defaults but the title, contact and tags.
    const r = await allgo(['init', '--name', 'asked'], { home, cwd: dir, input: '\n\nAsked App\n\n\n\n\nada@lab.example\nseq, text\n' });
    expect(r.code, r.stderr).toBe(0);
    const asked = [...r.stderr.matchAll(/^(.*?)(?: \[.*\])?: /gm)].map((m) => m[1]);
    expect(asked).toEqual(['entrypoint (the command run for each job)', 'version', 'title', 'base image', 'memory per job, MB', 'CPUs per job, if limited', 'queue, if not the default', 'contact email, if any', 'tags, separated by commas']);
    expect(r.stderr).toContain('entrypoint (the command run for each job) [/opt/asked/run.sh]: ');
    const { manifest } = parseManifest(readFileSync(join(dir, 'allgo.yaml')), createValidators().manifest);
    expect(manifest).toMatchObject({ title: 'Asked App', version: '1.0', entrypoint: '/opt/asked/run.sh', memory: 1024, contact: 'ada@lab.example', tags: ['seq', 'text'] });
  });

  test('asks again when an answer is refused: a title typed as the entrypoint is not a command', async ({ home, tempDir }) => {
    const dir = tempDir('allgo-init-');
    const r = await allgo(['init', '--name', 'again'], { home, cwd: dir, input: 'Word Count\n/opt/again/run.sh\n\n\n\n\n\n\nnot-an-email\n\n\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('"Word Count" is not a command: an entrypoint starts with an absolute path');
    expect(r.stderr).toContain('"not-an-email" is not an email address');
    const { manifest } = parseManifest(readFileSync(join(dir, 'allgo.yaml')), createValidators().manifest);
    expect(manifest).toMatchObject({ entrypoint: '/opt/again/run.sh', title: 'again' });
    expect(manifest.contact).toBeUndefined();
  });

  test('refuses a title given as --entrypoint, before writing anything', async ({ home, tempDir }) => {
    const dir = tempDir('allgo-init-');
    const r = await allgo(['init', '--yes', '--name', 'x2', '--entrypoint', 'Word Count'], { home, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"Word Count" is not a command');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('refuses values the schema would refuse, before writing anything', async ({ home, tempDir }) => {
    const dir = tempDir('allgo-init-');
    const r = await allgo(['init', '--yes', '--name', 'x1', '--entrypoint', '/x', '--memory', '5'], { home, cwd: dir });
    expect(r).toMatchObject({ code: 2, stderr: 'allgo: these values would not make a valid allgo.yaml: `memory` must be >= 16\n' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('allgo remote, then git push', () => {
  test('pushes test/fixtures/probe with no token in the remote URL or in .git, and no prompt', async ({ platform: p, home, tempDir }) => {
    const { token } = await provider(p, home);
    const app = p.appName('probe');
    const repo = fixtureRepo('probe');
    const r = await allgo(['remote', app], { home, cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`remote "allgo" → ${p.url}/git/${app}.git (your first push of main creates ${app})\npush with: git push allgo main\n`);
    expect(git(repo, 'remote', 'get-url', 'allgo').trim()).toBe(`${p.url}/git/${app}.git`);
    for (const f of filesUnder(join(repo, '.git'))) expect(readFileSync(f).includes(token), f).toBe(false);

    const pushed = await exec('git', ['push', 'allgo', 'main'], { home, cwd: repo });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain(`published ${app} 1.0`);

    const ran = await allgo(['run', app, '--param', 'args pushed', '--wait', '--out', tempDir('allgo-out-')], { home });
    expect(ran).toMatchObject({ code: 0, stdout: 'arg=pushed\n' });

    // The helper is what authenticates: without it git has no credentials, and does not prompt.
    git(repo, 'config', '--local', '--unset-all', `credential.${p.url}/git/.helper`);
    commitAll(repo, 'second');
    const refused = await exec('git', ['push', 'allgo', 'main'], { home, cwd: repo, timeoutMs: 30_000 });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/terminal prompts disabled|Authentication failed/);
  });

  test('publishes and runs what allgo init scaffolded', async ({ platform: p, home, tempDir }) => {
    await provider(p, home);
    const app = p.appName('hello');
    const dir = tempDir('allgo-scaffold-');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho "hello $1" > hello.txt\necho "said hello to $1"\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    expect((await allgo(['init', '--yes', '--name', app, '--entrypoint', `/opt/${app}/run.sh`, '--memory', '64'], { home, cwd: dir })).code).toBe(0);
    git(dir, 'init', '-q', '-b', 'main');
    commitAll(dir, 'scaffolded');
    expect((await allgo(['remote', app], { home, cwd: dir })).code).toBe(0);
    const pushed = await exec('git', ['push', 'allgo', 'main'], { home, cwd: dir });
    expect(pushed.code, pushed.stderr).toBe(0);

    const out = tempDir('allgo-out-');
    const ran = await allgo(['run', app, '--param', 'Ada', '--wait', '--out', out], { home });
    expect(ran).toMatchObject({ code: 0, stdout: 'said hello to Ada\n' });
    expect(readFileSync(join(out, 'hello.txt'), 'utf8')).toBe('hello Ada\n');

    const versions = await allgo(['versions', app], { home });
    expect(versions.stdout).toMatch(/^VERSION +STATE +COMMIT +PUSHED +FINISHED +ERROR\n1\.0 +ready +[0-9a-f]{10} /);
    const log = await allgo(['build-log', app, '1.0'], { home });
    expect(log.stdout).toContain(`allgo/${app}:1.0`);
  });

  test('refuses, before any push, what the server would refuse', async ({ platform: p, home, tempDir }) => {
    const owned = p.appName('owned');
    const { token } = await provider(p, home);
    expect((await push(fixtureRepo('probe'), p.url, owned, 'x', token)).code).toBe(0);

    const repo = fixtureRepo('probe');
    const other = await provider(p, tempDir('allgo-home-'));
    expect(await allgo(['remote', owned], { home: other.home, cwd: repo })).toMatchObject({ code: 1, stderr: expect.stringContaining(`app "${owned}" belongs to `) });

    const userHome = tempDir('allgo-home-');
    await allgo(['login', '--url', p.url, '--token', await p.addUser(uniqueName('plain'))], { home: userHome });
    expect(await allgo(['remote', uniqueName('new')], { home: userHome, cwd: repo })).toMatchObject({ code: 1, stderr: expect.stringMatching(/may not create apps: ask an admin/) });

    expect((await allgo(['remote', owned], { home, cwd: repo })).code).toBe(0);
    const moved = await allgo(['remote', uniqueName('elsewhere')], { home, cwd: repo });
    expect(moved).toMatchObject({ code: 1, stderr: expect.stringContaining('already points at') });

    const notRepo = tempDir('allgo-norepo-');
    expect(await allgo(['remote', owned], { home, cwd: notRepo })).toMatchObject({ code: 1, stderr: 'allgo: not in a git repository: run "git init -b main" first\n' });
    expect(existsSync(join(notRepo, '.git'))).toBe(false);
  });
});
