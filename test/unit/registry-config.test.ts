// The registry settings: ALLGO_REGISTRY or registry.url, names Docker reads as a registry,
// credentials in pairs, and a password that no log line or JSON dump ever shows.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { loadConfig, ConfigError } from '../../common/config.js';
import { appRepository, pinnedImage, isPinnedImage, registryAuth } from '../../common/registry.js';
import { createValidators } from '../../schemas/index.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'allgo-unit-registry-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});
const load = (env: NodeJS.ProcessEnv = {}) => loadConfig({ ALLGO_DATA_DIR: dataDir, ...env });
const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('registry settings', () => {
  it('has no registry by default: one host, jobs by local image id, no cache budget', () => {
    const c = load();
    expect(c.registry).toBeNull();
    expect(c.imageCacheBytes).toBeNull();
  });

  it('reads registry.url, drops a scheme and a trailing slash, and lets ALLGO_REGISTRY override it', async () => {
    await writeFile(join(dataDir, 'config.yaml'), 'registry:\n  url: https://registry.lab.example/team/\nrunner:\n  image_cache_mb: 2048\n');
    expect(load().registry).toEqual({ address: 'registry.lab.example/team', credentials: null });
    expect(load().imageCacheBytes).toBe(2048 * 1024 * 1024);
    expect(load({ ALLGO_REGISTRY: '10.213.0.10:5000' }).registry!.address).toBe('10.213.0.10:5000');
  });

  it('refuses a name Docker would read as a Docker Hub user, naming the setting', () => {
    expect(() => load({ ALLGO_REGISTRY: 'registry' })).toThrow(ConfigError);
    expect(() => load({ ALLGO_REGISTRY: 'registry' })).toThrow(/ALLGO_REGISTRY: .*Docker Hub user.*registry:5000/);
    expect(load({ ALLGO_REGISTRY: 'localhost' }).registry!.address).toBe('localhost');
    expect(() => load({ ALLGO_REGISTRY: 'reg istry.example' })).toThrow(/not a registry address/);
  });

  it('wants both a user name and a password', () => {
    expect(() => load({ ALLGO_REGISTRY: 'r.example', ALLGO_REGISTRY_USERNAME: 'u' })).toThrow(/both a user name and a password/);
    expect(() => load({ ALLGO_REGISTRY: 'r.example', ALLGO_REGISTRY_PASSWORD: 'p' })).toThrow(/both a user name and a password/);
  });

  it('gives the engine the password but never prints it', () => {
    const c = load({ ALLGO_REGISTRY: 'r.example:5000/lab', ALLGO_REGISTRY_USERNAME: 'u', ALLGO_REGISTRY_PASSWORD: 's3cret-pw' });
    expect(registryAuth(c.registry)).toEqual({ username: 'u', password: 's3cret-pw', serveraddress: 'r.example:5000' });
    expect(JSON.stringify(c)).not.toContain('s3cret-pw');
    let out = '';
    const log = pino({}, new Writable({ write: (chunk, _e, done) => ((out += chunk), done()) }));
    log.info({ config: c, registry: c.registry }, 'starting');
    log.flush();
    expect(out).toContain('"username":"u"');
    expect(out).not.toContain('s3cret-pw');
  });
});

describe('image names', () => {
  it('pins a version by digest in <registry>/allgo/<app>, which the run payload accepts', () => {
    const image = pinnedImage(appRepository({ address: '10.213.0.10:5000', credentials: null }, 'hello'), DIGEST);
    expect(image).toBe(`10.213.0.10:5000/allgo/hello@${DIGEST}`);
    expect(isPinnedImage(image)).toBe(true);
    expect(isPinnedImage(DIGEST)).toBe(false);
    expect(isPinnedImage('allgo/hello:1.0')).toBe(false);
    const v = createValidators().runPayload;
    const payload = { jobId: 1, argv: ['x'], memoryMb: 1, timeLimitMs: 1, queue: 'q', logKey: 'k' };
    for (const ok of [image, `r.example/lab/allgo/hello@${DIGEST}`, DIGEST, 'allgo/hello:1.0']) expect(v({ ...payload, image: ok })).toBe(true);
    // A tag is not a pin, and no other repository than allgo/<app> is run.
    for (const bad of ['10.213.0.10:5000/allgo/hello:1.0', `10.213.0.10:5000/other/hello@${DIGEST}`, `10.213.0.10:5000/allgo/hello@sha256:abc`]) expect(v({ ...payload, image: bad })).toBe(false);
  });
});
