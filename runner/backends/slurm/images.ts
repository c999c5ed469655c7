// How a version's image reaches the nodes. One named by digest in a registry is pulled by the
// node itself (podman pull). Otherwise the runner host's Docker engine (the builder's, on one
// machine) exports it once, as a docker-archive in the shared image folder, which the batch
// script loads into podman when the node lacks it. The archive is named by the image's id, so
// a version's jobs share one, and a new version gets its own.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { isPinnedImage } from '../../../common/registry.js';

export interface NodeImage {
  /** The image as podman on the node names it. */
  ref: string;
  /** The docker-archive to load it from; null: the node pulls `ref`. */
  archive: string | null;
}

export class ImageExports {
  private readonly exporting = new Map<string, Promise<string>>();

  constructor(
    private readonly docker: Docker,
    /** The shared image folder (runner.slurm.image_dir). */
    private readonly dir: string,
  ) {}

  /** Where the nodes find `image`; `say` tells the job's log when it is exported now. */
  async ready(image: string, say: (line: string) => Promise<void>): Promise<NodeImage> {
    if (isPinnedImage(image)) return { ref: image, archive: null };
    const id = ((await this.docker.getImage(image).inspect()).Id as string).replace(/^sha256:/, '');
    const archive = join(this.dir, `${id}.tar`);
    if (await stat(archive).then(() => true, () => false)) return { ref: id, archive };
    let running = this.exporting.get(id);
    if (!running) {
      await say(`[allgo] exporting the image ${id.slice(0, 12)} for the cluster's nodes (once per version)\n`);
      running = this.export(image, archive).finally(() => this.exporting.delete(id));
      this.exporting.set(id, running);
    }
    await running;
    return { ref: id, archive };
  }

  private async export(image: string, archive: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    // Written aside and renamed: a node never loads half an archive.
    const part = `${archive}.${randomBytes(4).toString('hex')}.part`;
    try {
      await pipeline(await this.docker.getImage(image).get(), createWriteStream(part, { mode: 0o644 }));
      await rename(part, archive);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return archive;
  }
}
