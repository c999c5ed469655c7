// The cache of exported images (server/image-export/image-exports.ts): a build cut off midway
// leaves nothing under the cache's name and no scratch folder; a whole one is served from disk
// afterwards without asking the engine again. The engine is faked: only its stream matters.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { ImageExports } from '../../server/image-export/image-exports.js';
import type { Version } from '../../server/store/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const version = { id: 3, image: 'allgo-x/app:1.0', imageId: 'sha256:' + 'ab'.repeat(32), imageRepository: null, imageDigest: null } as unknown as Version;

/** An engine that has the image and saves it as `stream()` says. */
function engine(stream: () => Readable): Docker {
  return { getImage: () => ({ inspect: async () => ({ Id: version.imageId }), get: async () => stream() }) } as unknown as Docker;
}
const noEngine = { getImage: () => ({ inspect: async () => Promise.reject(new Error('engine asked')), get: async () => Promise.reject(new Error('engine asked')) }) } as unknown as Docker;

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'allgo-exports-'));
  dirs.push(dir);
  return join(dir, 'image-exports');
}

describe('the cache of exported images', () => {
  it('keeps nothing of a build whose stream broke midway', async () => {
    const dir = cacheDir();
    const broken = () =>
      new Readable({
        read() {
          this.push(Buffer.alloc(64 * 1024, 1));
          this.destroy(new Error('the engine went away'));
        },
      });
    const exports = new ImageExports({ docker: engine(broken), dir });
    await expect(exports.file(version, 'docker-archive')).rejects.toThrow('the engine went away');
    expect(existsSync(exports.pathOf(version, 'docker-archive'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('serves a whole build from disk afterwards, without the engine', async () => {
    const dir = cacheDir();
    const built = await new ImageExports({ docker: engine(() => Readable.from([Buffer.from('docker save output')])), dir }).file(version, 'docker-archive');
    expect(built).toEqual({ path: join(dir, `${'ab'.repeat(32)}.docker.tar`), size: 18 });
    const again = await new ImageExports({ docker: noEngine, dir }).file(version, 'docker-archive');
    expect(again).toEqual(built);
    expect(readFileSync(again.path, 'utf8')).toBe('docker save output');
  });

  it('builds once for requests that come while it builds', async () => {
    let saves = 0;
    const exports = new ImageExports({ docker: engine(() => (saves++, Readable.from([Buffer.from('x')]))), dir: cacheDir() });
    const [a, b] = await Promise.all([exports.file(version, 'docker-archive'), exports.file(version, 'docker-archive')]);
    expect(a).toEqual(b);
    expect(saves).toBe(1);
  });
});
