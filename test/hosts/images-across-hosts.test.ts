// Images across real separate hosts (network namespaces with their own Docker engines, see
// support/hosts.ts): host a runs the server, Redis and the registry, host b the builder, host c
// a runner. A push to a is built on b and pushed to the registry; a job then runs on c, which
// pulls the image from the registry, saying so in the job's log, and stages the job's files over
// HTTP with the server (no folder shared); the next job on c reuses the image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFleetPlatform, baseImage, type FleetPlatform } from '../../support/fleet-platform.js';
import { exampleRepo, push, removeRepos } from '../../support/git.js';
import { done, download } from '../helpers/fleet-jobs.js';

let p: FleetPlatform;
const app = `hello-${Date.now().toString(36)}`;

beforeAll(async () => {
  p = await startFleetPlatform({
    hosts: [{ name: 'b', images: [baseImage()] }, { name: 'c' }],
  });
  await p.builder('b');
  await p.runner('c');
});
afterAll(async () => {
  await p?.close();
  removeRepos();
});

const submit = (param: string) => p.submit(app, param, { files: { 'data.txt': 'across hosts\n' } });

describe('images across hosts', () => {
  let digest: string;

  it('a push to a is built on b, pushed to the registry, and a job on c pulls the image and runs it', async () => {
    const pushed = await push(exampleRepo('hello'), p.url, app, 'admin', p.adminToken);
    expect(pushed.output, pushed.output).toContain(`published ${app} 1.0`);
    expect(pushed.output).toContain(`Pushed ${p.registry}/allgo/${app}@sha256:`);
    const details = (await (await p.api(`/api/v1/apps/${app}`)).json()) as { versions: { image_digest: string | null }[] };
    digest = details.versions[0].image_digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const image = `${p.registry}/allgo/${app}@${digest}`;

    // Built on b; the push tag is not kept there. c has never seen the image.
    const b = p.fleet.host('b');
    const c = p.fleet.host('c');
    expect((await b.docker(['images', '-q', `${p.registry}/allgo/${app}:1.0`])).stdout.trim()).toBe('');
    expect((await b.docker(['images', '-q', '--filter', `label=allgo.app=${app}`])).stdout.trim()).not.toBe('');
    expect((await c.docker(['image', 'inspect', image])).code).not.toBe(0);

    const id = await submit('Ada');
    const job = await done(p, id);
    expect(job).toMatchObject({ status: 'done', result: 'success', exit_code: 0 });
    expect(await download(job, 'hello.txt')).toBe('hello Ada\n');
    const log = await download(job, 'allgo.log');
    expect(log).toMatch(new RegExp(`^\\[allgo\\] pulling image ${image.replace(/[.]/g, '\\.')} \\(\\d+ MB\\)\\n`));
    expect(log).toContain('data.txt (13 bytes)');
    // The job ran in c's engine, from the image pulled by digest.
    const inspected = await c.docker(['image', 'inspect', '-f', '{{json .RepoDigests}}', image]);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain(digest);
    // c has a data dir of its own and never held the server's job folders.
    expect(existsSync(join(c.dir, 'datastore'))).toBe(false);
    expect(existsSync(join(p.fleet.host('a').dir, 'datastore', String(id), 'hello.txt'))).toBe(true);
  });

  it('a second job on c uses the cached image: no pull line in its log', async () => {
    expect(digest).toBeDefined();
    const id = await submit('Grace');
    const job = await done(p, id);
    expect(job).toMatchObject({ status: 'done', result: 'success' });
    const log = await download(job, 'allgo.log');
    expect(log).not.toContain('pulling image');
    expect(log).toMatch(/^Hello from allgo!\n/);
    expect(await download(job, 'hello.txt')).toBe('hello Grace\n');
  });
});
