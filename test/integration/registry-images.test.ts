// Images through a registry, on one host: the builder pushes each version to a real
// docker-registry (with a password), the version records the digest, jobs run the image by
// digest and pull it on first use, saying so in their log; the next job reuses the local copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { inject } from 'vitest';
import { startPlatform, uniqueName, waitForJob, removeImages, type Platform } from '../helpers/platform.js';
import { exampleRepo, push } from '../helpers/git.js';
import { spawnRole } from '../../support/processes.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { appImageIds } from '../../support/images.js';

const USER = 'builder';
const PASSWORD = 'pw-never-in-a-log-7f3a';
let registry: TestRegistry;
let p: Platform;
let logs = '';
const apps: string[] = [];

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

beforeAll(async () => {
  registry = await startRegistry({ users: [{ username: USER, password: PASSWORD }] });
  const sink = new Writable({ write: (c, _e, done) => ((logs += c), done()) });
  p = await startPlatform({
    env: { ALLGO_REGISTRY: registry.address, ALLGO_REGISTRY_USERNAME: USER, ALLGO_REGISTRY_PASSWORD: PASSWORD },
    log: pino({ level: 'debug' }, sink),
  });
});
afterAll(async () => {
  await p?.close();
  // By label: the pulled copies too.
  removeImages(apps);
  await registry?.stop();
});

async function submit(app: string, param: string): Promise<number> {
  const form = new FormData();
  form.set('job[webapp_id]', app);
  form.set('job[param]', param);
  const res = await p.api('/api/v1/jobs', { method: 'POST', body: form, token: p.adminToken });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

const log = async (id: number) => (await p.api(`/api/v1/jobs/${id}/log`, { token: p.adminToken })).text();

describe('images through a registry', () => {
  it('pushes each version to the registry, runs jobs by digest, pulls on first use and reuses the copy after', async () => {
    const app = uniqueName('hello');
    apps.push(app);
    const pushed = await push(exampleRepo('hello'), p.url, app, 'admin', p.adminToken);
    expect(pushed.code).toBe(0);
    const repository = `${registry.address}/allgo/${app}`;
    expect(pushed.output).toContain(`Pushed ${repository}@sha256:`);

    const details = (await (await p.api(`/api/v1/apps/${app}`)).json()) as { versions: { version: string; state: string; image_digest: string | null }[] };
    const digest = details.versions[0].image_digest!;
    expect(details.versions[0]).toMatchObject({ version: '1.0', state: 'ready' });
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The registry holds that manifest (and wants the password for it).
    const manifest = `http://${registry.address}/v2/allgo/${app}/manifests/${digest}`;
    const accept = 'application/vnd.docker.distribution.manifest.v2+json';
    expect((await fetch(manifest, { method: 'HEAD', headers: { accept } })).status).toBe(401);
    const authorized = await fetch(manifest, { method: 'HEAD', headers: { accept, authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } });
    expect(authorized.status).toBe(200);
    expect(authorized.headers.get('docker-content-digest')).toBe(digest);
    // The push tag is gone from the builder's engine: only the digest names what jobs run.
    expect(docker('images', '-q', `${repository}:1.0`)).toBe('');

    // Nothing of the image left on this engine: the first job must fetch it from the registry.
    docker('rmi', '-f', ...appImageIds(app));
    const first = await submit(app, 'Ada');
    expect(await waitForJob(p, first, p.adminToken)).toMatchObject({ status: 'done', result: 'success' });
    const firstLog = await log(first);
    expect(firstLog).toMatch(new RegExp(`^\\[allgo\\] pulling image ${repository.replace(/[.]/g, '\\.')}@${digest} \\(\\d+ MB\\)\\nHello from allgo!\\n`));
    expect(docker('image', 'inspect', '-f', '{{json .RepoDigests}}', `${repository}@${digest}`)).toContain(digest);

    const second = await submit(app, 'Grace');
    expect(await waitForJob(p, second, p.adminToken)).toMatchObject({ status: 'done', result: 'success' });
    const secondLog = await log(second);
    expect(secondLog).not.toContain('pulling image');
    expect(secondLog).toContain('arg[1]=Grace');

    // An app built on this one gets it by digest from the registry, as a builder host that has
    // never seen it would: the builder's engine pulls it, with the credentials.
    // The job is done once its outputs are in; its runner removes its container just after.
    const pulled = docker('image', 'inspect', '-f', '{{.Id}}', `${repository}@${digest}`);
    await expect.poll(() => docker('ps', '-aq', '--filter', `ancestor=${pulled}`), { message: "the second job's container stayed" }).toBe('');
    docker('rmi', `${repository}@${digest}`);
    const child = uniqueName('child');
    apps.push(child);
    const childPush = await push(exampleRepo('hello', (dir) => writeFileSync(join(dir, 'Dockerfile'), `FROM allgo/${app}:1.0\nRUN echo built on ${app}\n`)), p.url, child, 'admin', p.adminToken);
    expect(childPush.output).toContain(`FROM ${repository}@${digest}`);
    expect(childPush.output).toContain(`published ${child} 1.0`);

    // Credentials went to the engine, never into a log line, a build log or a job's log.
    expect(logs).toContain('image pulled');
    for (const text of [logs, pushed.output, childPush.output, firstLog, await (await p.api(`/api/v1/apps/${app}/versions/1.0/build-log`, { token: p.adminToken })).text()]) {
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('a runner whose registry refuses its password fails at start with one clear line', async () => {
    const runner = spawnRole('runner', {
      REDIS_URL: inject('redisUrl'),
      ALLGO_REDIS_PREFIX: uniqueName('t'),
      ALLGO_DATA_DIR: p.dataDir,
      ALLGO_REGISTRY: registry.address,
      ALLGO_REGISTRY_USERNAME: USER,
      ALLGO_REGISTRY_PASSWORD: 'bad-pw-93c1',
    });
    const code = await new Promise<number | null>((resolve) => runner.child.once('exit', resolve));
    expect(code).toBe(1);
    const lines = runner.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^allgo: the registry ${registry.address.replace(/[.]/g, '\\.')} refused the login of ${USER}: .*unauthorized`, 'i'));
    expect(runner.output()).not.toContain('bad-pw-93c1');
  });
});
