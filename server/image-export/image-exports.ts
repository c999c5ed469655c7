// A version's image as a file for HPC runtimes, built once and kept: the first request builds
// it from the server's engine (engine-image.ts) in a scratch folder beside the cache and
// renames it into place only when whole, so a build cut off (a crash, a full disk, a broken
// engine stream) leaves nothing that is ever served; later requests, and requests that come
// while it builds, get the same file. Files are named by the image's id: a version's formats
// share it, and a rebuilt version gets new ones.
//   docker-archive ← docker save;  oci ← the docker-archive, relaid (oci-layout.ts);
//   squashfs ← the root file system the engine exports (squashfs.ts)
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import type { ImageFormat } from '../../schemas/index.js';
import type { RegistryAuth } from '../../common/registry.js';
import type { Version } from '../store/index.js';
import { engineImage } from './engine-image.js';
import { ociFromDockerArchive } from './oci-layout.js';
import { squashfsOf } from './squashfs.js';

export const IMAGE_FORMATS: Record<ImageFormat, { suffix: string; type: string }> = {
  'docker-archive': { suffix: '.docker.tar', type: 'application/x-tar' },
  oci: { suffix: '.oci.tar', type: 'application/x-tar' },
  squashfs: { suffix: '.sqfs', type: 'application/octet-stream' },
};
export const isImageFormat = (f: unknown): f is ImageFormat => typeof f === 'string' && Object.hasOwn(IMAGE_FORMATS, f);

const SCRATCH = '.build-';
/** Scratch folders older than this are a dead process's: a live build renames or removes its own. */
const STALE_MS = 24 * 3600_000;

export interface ImageExportsDeps {
  docker: Docker;
  /** The cache folder (<data dir>/image-exports). */
  dir: string;
  /** For an image that must be pulled from the registry first. */
  auth?: RegistryAuth;
}

export interface ExportedImage {
  path: string;
  size: number;
}

export class ImageExports {
  private readonly building = new Map<string, Promise<void>>();
  private swept = false;

  constructor(private readonly deps: ImageExportsDeps) {}

  /** Where the cached file of `v` in `format` is, or would be once built. */
  pathOf(v: Version, format: ImageFormat): string {
    const key = v.imageId?.replace(/^sha256:/, '') ?? `version-${v.id}`;
    return join(this.deps.dir, `${key}${IMAGE_FORMATS[format].suffix}`);
  }

  /** The file of `v` in `format`, built first if not cached. */
  async file(v: Version, format: ImageFormat): Promise<ExportedImage> {
    const path = this.pathOf(v, format);
    const cached = await stat(path).catch(() => null);
    if (cached) return { path, size: cached.size };
    let build = this.building.get(path);
    if (!build) {
      build = this.build(v, format, path).finally(() => this.building.delete(path));
      this.building.set(path, build);
    }
    await build;
    return { path, size: (await stat(path)).size };
  }

  private async build(v: Version, format: ImageFormat, path: string): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true });
    await this.sweep();
    const work = await mkdtemp(join(this.deps.dir, SCRATCH));
    const part = join(work, 'export');
    try {
      if (format === 'oci') {
        // Named in its index as the docker-archive names it: the version's tag.
        const archive = await this.file(v, 'docker-archive');
        await ociFromDockerArchive(archive.path, part, work, v.image);
      } else {
        const image = await engineImage(this.deps.docker, v, this.deps.auth);
        if (format === 'docker-archive') await pipeline(await this.deps.docker.getImage(image).get(), createWriteStream(part));
        else await squashfsOf(this.deps.docker, image, part, work);
      }
      await rename(part, path);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Once per process: the scratch folders a killed server left. */
  private async sweep(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    for (const entry of await readdir(this.deps.dir)) {
      if (!entry.startsWith(SCRATCH)) continue;
      const at = join(this.deps.dir, entry);
      const s = await stat(at).catch(() => null);
      if (s && Date.now() - s.mtimeMs > STALE_MS) await rm(at, { recursive: true, force: true });
    }
  }
}
