// Configuration: environment + <data dir>/config.yaml, validated, frozen.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { loadConfig, ConfigError } from '../../common/config.js';
import { refusal } from '../helpers/refusal.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'allgo-unit-config-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Config from an empty environment and the temp data dir (with its config.yaml if written). */
const load = (env: NodeJS.ProcessEnv = {}) => loadConfig({ ALLGO_DATA_DIR: dataDir, ...env });
const writeConfig = (yaml: string) => writeFile(join(dataDir, 'config.yaml'), yaml);

describe('loadConfig: defaults', () => {
  it('uses ./data, resolved from the working directory, without ALLGO_DATA_DIR', () => {
    const cwd = process.cwd();
    process.chdir(dataDir);
    try {
      expect(loadConfig({}).dataDir).toBe(resolve(dataDir, 'data'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('listens on 0.0.0.0:8080, and has no fixed public URL: links follow each request (not localhost)', () => {
    const c = load();
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.publicUrl).toBeNull();
    expect(c.trustProxy).toBe(false);
  });

  it('has A||GO’s three queues, shortest first, with priorities 1, 2, 3, and standard as default', () => {
    const c = load();
    expect(c.queues.map((q) => [q.name, q.timeLimitMs, q.priority])).toEqual([
      ['interactive', 60_000, 1],
      ['standard', 20 * 60_000, 2],
      ['batch', 24 * 3_600_000, 3],
    ]);
    expect(c.defaultQueue).toBe('standard');
  });

  it('has no Redis URL, no admin token and no provider domains unless given', () => {
    const c = load();
    expect(c.redisUrl).toBeNull();
    expect(c.adminToken).toBeNull();
    expect(c.providerDomains).toEqual([]);
    expect(c.redisPrefix).toBe('allgo');
  });

  it('runs jobs as nobody (65534:65534) and allows 1 GiB of uploads', () => {
    const c = load();
    expect(c.runnerUser).toBe('65534:65534');
    expect(c.uploadLimitBytes).toBe(1024 * 1024 * 1024);
    expect(c.buildTimeLimitMs).toBe(3_600_000);
  });

  it('returns a frozen object, queues and domains included', () => {
    const c = load();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.queues)).toBe(true);
    expect(Object.isFrozen(c.queues[0])).toBe(true);
    expect(Object.isFrozen(c.providerDomains)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('loadConfig: environment', () => {
  it('takes the port from PORT, and the public URL and proxy trust from ALLGO_PUBLIC_URL and ALLGO_TRUST_PROXY', () => {
    const c = load({ PORT: '9000' });
    expect(c.port).toBe(9000);
    expect(c.publicUrl).toBeNull();
    expect(load({ ALLGO_PUBLIC_URL: 'https://allgo.lab.example/', ALLGO_TRUST_PROXY: '1' })).toMatchObject({ publicUrl: 'https://allgo.lab.example', trustProxy: true });
  });

  it('refuses a PORT that is not a port number', () => {
    expect(refusal(() => load({ PORT: 'eighty' }), ConfigError).message).toContain('PORT');
    expect(() => load({ PORT: '70000' })).toThrow(ConfigError);
  });

  it('takes the public URL from ALLGO_PUBLIC_URL, without its trailing slashes', () => {
    expect(load({ ALLGO_PUBLIC_URL: 'https://allgo.example.org/' }).publicUrl).toBe('https://allgo.example.org');
    expect(load({ ALLGO_PUBLIC_URL: 'https://allgo.example.org/sub//' }).publicUrl).toBe('https://allgo.example.org/sub');
  });

  it('refuses a public URL that is not http(s)', () => {
    expect(refusal(() => load({ ALLGO_PUBLIC_URL: 'allgo.example.org' }), ConfigError).message).toContain('ALLGO_PUBLIC_URL');
  });

  it('takes REDIS_URL and ALLGO_ADMIN_TOKEN', () => {
    const c = load({ REDIS_URL: 'redis://10.0.0.1:6380/2', ALLGO_ADMIN_TOKEN: 'secret' });
    expect(c.redisUrl).toBe('redis://10.0.0.1:6380/2');
    expect(c.adminToken).toBe('secret');
  });

  it('takes the data dir from ALLGO_DATA_DIR, or from the overrides before it', () => {
    expect(load().dataDir).toBe(dataDir);
    expect(loadConfig({ ALLGO_DATA_DIR: '/elsewhere' }, { data_dir: dataDir }).dataDir).toBe(dataDir);
  });

  it('lets environment variables win over the file', async () => {
    await writeConfig('port: 7000\npublic_url: http://file.example\nredis_url: redis://file:6379\n');
    expect(load()).toMatchObject({ port: 7000, publicUrl: 'http://file.example', redisUrl: 'redis://file:6379' });
    expect(load({ PORT: '7001', ALLGO_PUBLIC_URL: 'http://env.example', REDIS_URL: 'redis://env:6379' })).toMatchObject({
      port: 7001,
      publicUrl: 'http://env.example',
      redisUrl: 'redis://env:6379',
    });
  });
});

describe('loadConfig: the config file', () => {
  it('reads custom queues and the default queue from <data dir>/config.yaml', async () => {
    await writeConfig('queues:\n  quick:\n    time_limit: 30s\n  default:\n    time_limit: 1h\n    description: most jobs\ndefault_queue: default\n');
    const c = load();
    expect(c.queues).toHaveLength(2);
    expect(c.queues[0]).toMatchObject({ name: 'quick', timeLimitMs: 30_000, description: '', priority: 1 });
    expect(c.queues[1]).toMatchObject({ name: 'default', timeLimitMs: 3_600_000, description: 'most jobs', priority: 2 });
    expect(c.defaultQueue).toBe('default');
  });

  it('gives the shortest queue the highest priority whatever the order in the file', async () => {
    await writeConfig('queues:\n  long: {time_limit: 2d}\n  short: {time_limit: 10s}\n  mid: {time_limit: 5m}\n');
    expect(load().queues.map((q) => [q.name, q.priority])).toEqual([
      ['short', 1],
      ['mid', 2],
      ['long', 3],
    ]);
  });

  it('defaults to the shortest queue when the queues have no "standard"', async () => {
    await writeConfig('queues:\n  slow: {time_limit: 1h}\n  fast: {time_limit: 1m}\n');
    expect(load().defaultQueue).toBe('fast');
  });

  it('reads provider domains (lowercased), limits and runner settings', async () => {
    await writeConfig('providers:\n  email_domains: [Inria.FR]\nlimits:\n  upload_mb: 2\n  upload_files: 3\n  build_time_limit: 90m\nrunner:\n  user: "1000:1000"\n  concurrency: 4\n');
    const c = load();
    expect(c.providerDomains).toEqual(['inria.fr']);
    expect(c.uploadLimitBytes).toBe(2 * 1024 * 1024);
    expect(c.uploadMaxFiles).toBe(3);
    expect(c.buildTimeLimitMs).toBe(90 * 60_000);
    expect(c.runnerUser).toBe('1000:1000');
    expect(c.runnerConcurrency).toBe(4);
  });

  it('reads the file named by ALLGO_CONFIG instead', async () => {
    const file = join(dataDir, 'elsewhere.yaml');
    await writeFile(file, 'port: 8181\n');
    await writeConfig('port: 9191\n');
    expect(load({ ALLGO_CONFIG: file }).port).toBe(8181);
  });

  it('accepts an empty file', async () => {
    await writeConfig('');
    expect(load().port).toBe(8080);
  });

  it('refuses an unknown key, naming the file and the key', async () => {
    await writeConfig('port: 8080\ncolour: blue\n');
    const err = refusal(() => load(), ConfigError);
    expect(err.message).toContain(join(dataDir, 'config.yaml'));
    expect(err.message).toContain('colour');
  });

  it('refuses a bad duration, naming the file and the queue’s field', async () => {
    await writeConfig('queues:\n  quick:\n    time_limit: soon\n');
    const err = refusal(() => load(), ConfigError);
    expect(err.message).toContain(join(dataDir, 'config.yaml'));
    expect(err.message).toContain('queues.quick.time_limit');
  });

  it('refuses a default queue that is not among the queues, listing them', async () => {
    await writeConfig('queues:\n  quick: {time_limit: 30s}\ndefault_queue: standard\n');
    const err = refusal(() => load(), ConfigError);
    expect(err.message).toContain(join(dataDir, 'config.yaml'));
    expect(err.message).toContain('default_queue');
    expect(err.message).toContain('quick');
  });

  it('refuses a default queue that is not among the default queues either', async () => {
    await writeConfig('default_queue: express\n');
    expect(refusal(() => load(), ConfigError).message).toContain('default_queue "express"');
  });

  it('refuses invalid YAML, naming the file', async () => {
    await writeConfig('queues:\n  quick: {time_limit: 30s\n');
    const err = refusal(() => load(), ConfigError);
    expect(err.message).toContain(join(dataDir, 'config.yaml'));
    expect(err.message).toContain('not valid YAML');
  });

  it('refuses duplicate keys as invalid YAML', async () => {
    await writeConfig('port: 1\nport: 2\n');
    expect(refusal(() => load(), ConfigError).message).toContain('not valid YAML');
  });

  it('refuses a file that is a list rather than a mapping', async () => {
    await writeConfig('- port: 1\n');
    expect(refusal(() => load(), ConfigError).message).toContain(join(dataDir, 'config.yaml'));
  });

  it('refuses a value of the wrong type, naming the field', async () => {
    await writeConfig('runner:\n  concurrency: many\n');
    expect(refusal(() => load(), ConfigError).message).toContain('runner.concurrency');
  });

  it('refuses an ALLGO_CONFIG that names a missing file', () => {
    const missing = join(dataDir, 'missing.yaml');
    const err = refusal(() => load({ ALLGO_CONFIG: missing }), ConfigError);
    expect(err.message).toContain('ALLGO_CONFIG');
    expect(err.message).toContain(missing);
  });

  it('validates the overrides like the file', () => {
    expect(() => loadConfig({ ALLGO_DATA_DIR: dataDir }, { runner: { concurrency: 0 } })).toThrow(ConfigError);
    expect(loadConfig({ ALLGO_DATA_DIR: dataDir }, { port: 1234 }).port).toBe(1234);
  });
});

describe('loadConfig: what pushes and builds may use', () => {
  it('defaults to debian:bookworm as the only base, bounded builds with network allowed, no ceilings but the engine', () => {
    const c = load();
    expect(c.baseImages).toEqual(['debian:bookworm']);
    expect(c.build).toEqual({ memoryMb: 2048, pidsLimit: 1024, allowNetwork: true });
    expect([c.maxMemoryMb, c.maxCpus]).toEqual([null, null]);
    expect([c.pushLimitBytes, c.repoLimitBytes]).toEqual([512 * 1024 * 1024, 2048 * 1024 * 1024]);
    expect(c.internalListen).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('reads base images, build limits, ceilings, push sizes and the internal listener', async () => {
    await writeConfig(
      'builder: {base_images: ["debian:*", "python:3.*-slim"], memory_mb: 512, pids_limit: 64, allow_network: false}\n' +
        'limits: {max_memory_mb: 4096, max_cpus: 1.5, push_mb: 10, repo_mb: 100}\ninternal: {listen: "[::1]:9090"}\n',
    );
    const c = load();
    expect(c.baseImages).toEqual(['debian:*', 'python:3.*-slim']);
    expect(c.build).toEqual({ memoryMb: 512, pidsLimit: 64, allowNetwork: false });
    expect([c.maxMemoryMb, c.maxCpus, c.pushLimitBytes, c.repoLimitBytes]).toEqual([4096, 1.5, 10 * 1024 * 1024, 100 * 1024 * 1024]);
    expect(c.internalListen).toEqual({ host: '::1', port: 9090 });
  });

  it('refuses a base image pattern with spaces and an internal listener without a port', async () => {
    await writeConfig('builder: {base_images: ["debian bookworm"]}\n');
    expect(refusal(() => load(), ConfigError).message).toContain('builder.base_images');
    await writeConfig('internal: {listen: "127.0.0.1"}\n');
    expect(refusal(() => load(), ConfigError).message).toContain('internal.listen');
  });
});

describe('loadConfig: the runner backend', () => {
  it('runs jobs on Docker unless told otherwise, the Slurm folders in the data dir', () => {
    const c = load();
    expect(c.runnerBackend).toBe('docker');
    expect(c.slurm).toEqual({ conf: null, workDir: join(dataDir, 'runner', 'work'), imageDir: join(dataDir, 'runner', 'images'), runtime: 'podman', podmanRoot: null, pollMs: 250 });
  });

  it('takes runner.backend and runner.slurm from the file, each queue\'s slurm settings, and ALLGO_RUNNER_BACKEND over the file', async () => {
    await writeConfig('queues:\n  quick: {time_limit: 5s, slurm: {partition: short, options: [--qos=fast]}}\nrunner:\n  backend: slurm\n  slurm: {conf: /etc/slurm/other.conf, work_dir: /shared/allgo, poll: 1s}\n');
    const c = load();
    expect(c.runnerBackend).toBe('slurm');
    expect(c.slurm).toMatchObject({ conf: '/etc/slurm/other.conf', workDir: '/shared/allgo', pollMs: 1000 });
    expect(c.queues[0].slurm).toEqual({ partition: 'short', options: ['--qos=fast'] });
    expect(load({ ALLGO_RUNNER_BACKEND: 'docker' }).runnerBackend).toBe('docker');
  });

  it('refuses an unknown backend and an sbatch option that is not one', async () => {
    expect(() => load({ ALLGO_RUNNER_BACKEND: 'kubernetes' })).toThrow('runner backend must be docker or slurm, got "kubernetes"');
    await writeConfig('queues:\n  quick: {time_limit: 5s, slurm: {options: ["; rm -rf /"]}}\n');
    expect(() => load()).toThrow(ConfigError);
  });

  it('takes the cluster\'s runtime (runner.slurm.runtime) and refuses one it does not know, naming the field', async () => {
    for (const runtime of ['charliecloud', 'apptainer', 'podman']) {
      await writeConfig(`runner:\n  backend: slurm\n  slurm: {runtime: ${runtime}}\n`);
      expect(load().slurm.runtime).toBe(runtime);
    }
    await writeConfig('runner:\n  slurm: {runtime: singularity}\n');
    expect(() => load()).toThrow('`runner.slurm.runtime` must be one of "podman", "charliecloud", "apptainer"');
  });
});

describe('loadConfig: webhooks', () => {
  it('refuses private webhook targets unless webhooks.allow_private is true, and names a wrong value', async () => {
    expect(load().webhooks).toEqual({ allowPrivate: false });
    await writeConfig('webhooks: {allow_private: true}\n');
    expect(load().webhooks).toEqual({ allowPrivate: true });
    await writeConfig('webhooks: {allow_private: yes please}\n');
    expect(refusal(() => load(), ConfigError).message).toContain('webhooks');
  });
});
