// Issue 9, finding 5: `memory: 1048576` and `cpus: 1000` were published (the second broke every
// job), and builds ran with no memory or process limit, on the bridge network, where one reached
// the server's port. Ceilings are checked at push; builds get memory, process and time limits
// and no network unless the manifest asks and the config allows; with network, a build reaches
// nothing of allgo's but its public port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startPlatform, removeImages, uniqueName, type Platform } from '../helpers/platform.js';
import { fixtureRepo, push } from '../helpers/git.js';

let limited: Platform;
let open: Platform;
const apps: string[] = [];
const gateway = execFileSync('docker', ['network', 'inspect', 'bridge', '-f', '{{(index .IPAM.Config 0).Gateway}}'], { encoding: 'utf8' }).trim();

const newApp = (): string => {
  const name = uniqueName('limits');
  apps.push(name);
  return name;
};
/** The probe fixture with this allgo.yaml and these Dockerfile lines appended. */
const repoWith = (manifest: string, steps = '') =>
  fixtureRepo('probe', (dir) => {
    writeFileSync(join(dir, 'allgo.yaml'), `version: "1.0"\nentrypoint: /usr/local/bin/probe\n${manifest}`);
    if (steps) appendFileSync(join(dir, 'Dockerfile'), steps);
  });
/** A RUN step that says whether host:port accepts a connection. */
const reach = (label: string, host: string, port: number) =>
  `RUN if timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null; then echo "${label}: reached"; else echo "${label}: unreachable"; fi\n`;

beforeAll(async () => {
  limited = await startPlatform({
    configYaml: 'limits: {max_memory_mb: 512, max_cpus: 1, build_time_limit: 10s}\nbuilder: {memory_mb: 64, pids_limit: 32, allow_network: false}\n',
  });
  // Listening on every interface, so the bridge could reach the public port if it reached anything.
  open = await startPlatform({ env: { HOST: '0.0.0.0' } });
});
afterAll(async () => {
  await limited?.close();
  await open?.close();
  removeImages(apps);
});

describe('what a manifest may ask for its jobs', () => {
  it("is refused over the engine's memory and CPUs, naming the ceiling", async () => {
    const memory = await push(repoWith('memory: 1048576\n'), open.url, newApp(), 'admin', open.adminToken);
    expect(memory.code).not.toBe(0);
    expect(memory.output).toMatch(/`memory` 1048576 MB is over the memory of this server's Docker engine: \d+ MB/);
    const cpus = await push(repoWith('cpus: 1000\n'), open.url, newApp(), 'admin', open.adminToken);
    expect(cpus.code).not.toBe(0);
    expect(cpus.output).toMatch(/`cpus` 1000 is over the CPUs of this server's Docker engine: \d+/);
  });

  it("is refused over the config's ceilings, naming them", async () => {
    const memory = await push(repoWith('memory: 1024\n'), limited.url, newApp(), 'admin', limited.adminToken);
    expect(memory.output).toContain("`memory` 1024 MB is over this server's ceiling (limits.max_memory_mb): 512 MB");
    const byDefault = await push(repoWith(''), limited.url, newApp(), 'admin', limited.adminToken);
    // No `memory` means the default, 1024 MB, which is over the ceiling too.
    expect(byDefault.output).toContain("`memory` 1024 MB is over this server's ceiling (limits.max_memory_mb): 512 MB");
    const cpus = await push(repoWith('memory: 64\ncpus: 2\n'), limited.url, newApp(), 'admin', limited.adminToken);
    expect(cpus.code).not.toBe(0);
    expect(cpus.output).toContain("`cpus` 2 is over this server's ceiling (limits.max_cpus): 1");
  });
});

describe('a build', () => {
  it('is stopped at its memory limit', async () => {
    const r = await push(repoWith('memory: 64\n', 'RUN head -c 300m /dev/zero | tail > /dev/null\n'), limited.url, newApp(), 'admin', limited.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/exited with code 137/);
  });

  it('is stopped at its process limit', async () => {
    const r = await push(repoWith('memory: 64\n', 'RUN for i in $(seq 1 100); do sleep 30 & done; wait\n'), limited.url, newApp(), 'admin', limited.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/[Cc]annot fork|Resource temporarily unavailable/);
    expect(r.output).not.toContain('has no process limit');
  });

  it('is stopped at its time limit', async () => {
    const r = await push(repoWith('memory: 64\n', 'RUN sleep 120\n'), limited.url, newApp(), 'admin', limited.adminToken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('the build went over its time limit of 10s');
  });

  it('has no network unless its manifest asks, and the config may refuse that', async () => {
    const r = await push(repoWith('memory: 64\n', reach('bridge', gateway, Number(new URL(open.url).port))), open.url, newApp(), 'admin', open.adminToken);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('bridge: unreachable');
    const refused = await push(repoWith('memory: 64\nbuild: {network: true}\n'), limited.url, newApp(), 'admin', limited.adminToken);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('`build.network`: this server gives builds no network (builder.allow_network: false)');
  });

  it('with network, reaches allgo only at its public port: not /internal, the internal listener or Redis', async () => {
    const port = Number(new URL(open.url).port);
    const internal = (open.running.server!.internal.server.address() as AddressInfo).port;
    const redis = Number(new URL(open.redisUrl).port);
    const get = (path: string) =>
      `RUN bash -c 'exec 3<>/dev/tcp/${gateway}/${port} && printf "GET ${path} HTTP/1.0\\r\\n\\r\\n" >&3 && echo "GET ${path}: $(head -1 <&3)"'\n`;
    const steps = [reach('public', gateway, port), get('/api/v1/queues'), get('/internal/source/1'), reach('internal', gateway, internal), reach('redis', gateway, redis)].join('');
    const r = await push(repoWith('memory: 64\nbuild: {network: true}\n', steps), open.url, newApp(), 'admin', open.adminToken);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('public: reached');
    expect(r.output).toMatch(/GET \/api\/v1\/queues: HTTP\/1\.[01] 200/);
    expect(r.output).toMatch(/GET \/internal\/source\/1: HTTP\/1\.[01] 404/);
    expect(r.output).toContain('internal: unreachable');
    expect(r.output).toContain('redis: unreachable');
  });
});
