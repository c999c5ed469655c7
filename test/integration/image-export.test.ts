// A version's image exported for HPC users, proven usable for real: the docker-archive brings
// the image back into an engine that lost it and runs the app's command; the OCI layout's blobs
// match their digests and podman loads and runs it; the SquashFS holds the app's files and
// Charliecloud runs the command in it. The exports are cached on the server's disk (served when
// the engine no longer has the image) and follow the app's visibility.
import { describe, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { appImageId, type Platform } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';
import { allgo } from '../helpers/cli.js';

const test = platformTest().extend<{ secret: string }>({
  /** A private app of the admin's. */
  secret: [async ({ platform }, use) => use(await platform.pushProbe((dir) => appendFileSync(join(dir, 'allgo.yaml'), 'private: true\n'), 'secret')), { scope: 'file' }],
});

const imagePath = (app: string, format: string) => `/api/v1/apps/${app}/versions/1.0/image?format=${format}`;

/** Downloads an export to `file`; the response's status. */
async function download(p: Platform, path: string, file: string, token?: string): Promise<number> {
  const res = await p.api(path, { token });
  if (res.ok) await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file));
  else await res.arrayBuffer();
  return res.status;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const run = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, env: env ?? process.env });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe('exporting a version\'s image', () => {
  test('refuses a bad format naming the formats, an unknown version, and a private app to others', async ({ platform: p, probe, secret, user }) => {
    const bad = await p.api(imagePath(probe, 'sif'));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ code: 'bad_format', error: expect.stringContaining('docker-archive, oci, squashfs') });
    expect((await p.api(`/api/v1/apps/${probe}/versions/9.9/image?format=oci`)).status).toBe(404);
    for (const token of [user.token, undefined]) {
      const res = await p.api(imagePath(secret, 'docker-archive'), { token });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('not_found');
    }
    // The same 404 as its app page: nothing tells others the app exists.
    expect((await p.api(`/api/v1/apps/${secret}`, { token: user.token })).status).toBe(404);
    expect(existsSync(join(p.dataDir, 'image-exports'))).toBe(false);
  });

  test('as a docker-archive, cached: served again once the engine lost the image, and docker load brings it back to run the app', async ({ platform: p, probe, tempDir }) => {
    const dir = tempDir('allgo-export-');
    const id = appImageId(probe, '1.0');
    const archive = join(dir, 'first.tar');
    expect(await download(p, imagePath(probe, 'docker-archive'), archive)).toBe(200);
    const cached = join(p.dataDir, 'image-exports', `${id.replace(/^sha256:/, '')}.docker.tar`);
    expect(sha256(cached)).toBe(sha256(archive));
    // No scratch folder is left beside the cache.
    expect(readdirSync(join(p.dataDir, 'image-exports'))).toEqual([`${id.replace(/^sha256:/, '')}.docker.tar`]);

    execFileSync('docker', ['image', 'rm', '-f', id]);
    expect(run('docker', ['image', 'inspect', id]).code).not.toBe(0);
    // The engine has no image to save: only the cache can answer.
    const again = join(dir, 'again.tar');
    expect(await download(p, imagePath(probe, 'docker-archive'), again)).toBe(200);
    expect(sha256(again)).toBe(sha256(archive));
    // A format not built yet cannot be, and the answer says what is missing.
    const missing = await p.api(imagePath(probe, 'squashfs'));
    expect(missing.status).toBe(409);
    expect(await missing.json()).toEqual({ code: 'image_unavailable', error: expect.stringContaining('never pushed to a registry') });

    const loaded = run('docker', ['load', '-i', archive]);
    expect(loaded.code, loaded.out).toBe(0);
    expect(loaded.out).toContain(`/${probe}:1.0`);
    expect(execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', `${loaded.out.match(/Loaded image: (\S+)/)![1]}`], { encoding: 'utf8' }).trim()).toBe(id);
    const ran = run('docker', ['run', '--rm', '--network', 'none', id, '/usr/local/bin/probe', 'args', 'from the archive']);
    expect(ran.out).toBe('arg=from the archive\n');
  });

  test('as an OCI image layout whose blobs match their digests, which podman loads and runs', async ({ platform: p, probe, tempDir }) => {
    const dir = tempDir('allgo-export-');
    const tar = join(dir, 'image.oci.tar');
    expect(await download(p, imagePath(probe, 'oci'), tar)).toBe(200);
    const layout = join(dir, 'layout');
    mkdirSync(layout);
    execFileSync('tar', ['-x', '-f', tar, '-C', layout]);
    expect(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { mediaType: string; digest: string; size: number }[] };
    expect(index.manifests).toHaveLength(1);
    const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
    for (const name of readdirSync(join(layout, 'blobs', 'sha256'))) expect(sha256(join(layout, 'blobs', 'sha256', name))).toBe(name);
    const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8')) as { config: { digest: string }; layers: { digest: string; size: number }[] };
    expect(index.manifests[0].mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    // The config is the engine's own: its digest is the image's id.
    expect(manifest.config.digest).toBe(appImageId(probe, '1.0'));
    for (const l of manifest.layers) expect(readFileSync(blob(l.digest)).length).toBe(l.size);

    const storage = join(dir, 'podman');
    const pm = ['--root', storage, '--runroot', `${storage}.run`, '--storage-driver', 'vfs'];
    try {
      const loaded = run('podman', [...pm, 'load', '-i', tar]);
      expect(loaded.code, loaded.out).toBe(0);
      // As the Slurm batch script runs it: podman asks for more open files than a container here may have.
      const ran = run('podman', [...pm, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=16384:16384', manifest.config.digest.replace(/^sha256:/, ''), '/usr/local/bin/probe', 'args', 'from the layout']);
      expect(ran.out).toBe('arg=from the layout\n');
    } finally {
      run('podman', [...pm, 'system', 'reset', '--force']);
    }
  });

  test('as a SquashFS of its root file system, in which Charliecloud runs the app', async ({ platform: p, probe, tempDir }) => {
    const dir = tempDir('allgo-export-');
    const sqfs = join(dir, 'image.sqfs');
    expect(await download(p, imagePath(probe, 'squashfs'), sqfs)).toBe(200);
    const listed = run('unsquashfs', ['-l', sqfs]);
    expect(listed.code, listed.out).toBe(0);
    expect(listed.out).toContain('squashfs-root/usr/local/bin/probe');
    expect(listed.out).toContain('squashfs-root/usr/bin/sh');

    const root = join(dir, 'root');
    expect(run('unsquashfs', ['-q', '-d', root, sqfs]).code).toBe(0);
    const ran = run('ch-run', ['--no-passwd', root, '--', '/usr/local/bin/probe', 'args', 'from the squashfs'], { ...process.env, USER: 'root' });
    expect(ran.out).toBe('arg=from the squashfs\n');
  });

  test('with `allgo export`, to the file named', async ({ platform: p, probe, tempDir }) => {
    const home = tempDir('allgo-home-');
    const env = { ALLGO_URL: p.url, ALLGO_TOKEN: p.adminToken };
    const r = await allgo(['export', probe, '1.0', '--format', 'squashfs', '-o', 'out/app.sqfs'], { home, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(home, 'out', 'app.sqfs'));
    expect(sha256(join(home, 'out', 'app.sqfs'))).toBe(sha256(join(p.dataDir, 'image-exports', `${appImageId(probe, '1.0').replace(/^sha256:/, '')}.sqfs`)));
    const bad = await allgo(['export', probe, '1.0', '--format', 'sif'], { home, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('docker-archive, oci, squashfs');
  });
});
