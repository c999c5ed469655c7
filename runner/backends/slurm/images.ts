// How a version's image reaches the nodes. For podman: one named by digest in a registry is
// pulled by the node itself (podman pull); otherwise the runner host's Docker engine (the
// builder's, on one machine) exports it once, as a docker-archive in the shared image folder,
// which the batch script loads into podman when the node lacks it. For Charliecloud and
// Apptainer: the engine (pulling it first if it must) unpacks its root file system once into
// a folder there, with a /job mount point and the image's environment in ch/environment
// (Charliecloud's place for it), which the nodes run as it is. Exports are named by the
// image's id, so a version's jobs share one, and a new version gets its own; each is written
// aside and renamed when whole, so a node never sees half of one.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { isPinnedImage, type RegistryAuth } from '../../../common/registry.js';
import type { SlurmRuntime } from '../../../common/config.js';
import { unpackRootfs } from '../../../common/image-rootfs.js';
import { hasImage, pullImage } from '../../../common/pull-image.js';

export interface NodeImage {
  /** podman: the image as podman on the node names it. Charliecloud, Apptainer: its root file system's folder. */
  ref: string;
  /** The docker-archive for podman to load it from; null: the node pulls `ref` (or runs it as a folder). */
  archive: string | null;
}

/** Where the image's environment goes in its root file system (as ch-convert writes it). */
export const IMAGE_ENV_FILE = 'ch/environment';

export class ImageExports {
  private readonly exporting = new Map<string, Promise<void>>();

  constructor(
    private readonly docker: Docker,
    /** The shared image folder (runner.slurm.image_dir). */
    private readonly dir: string,
    private readonly runtime: SlurmRuntime = 'podman',
    private readonly auth?: RegistryAuth,
  ) {}

  /** Where the nodes find `image`; `say` tells the job's log when it is exported now. */
  async ready(image: string, say: (line: string) => Promise<void>): Promise<NodeImage> {
    const podman = this.runtime === 'podman';
    if (podman && isPinnedImage(image)) return { ref: image, archive: null };
    if (isPinnedImage(image) && !(await hasImage(this.docker, image))) {
      await say(`[allgo] pulling the image ${image} to unpack it for the cluster's nodes\n`);
      const failure = await pullImage(this.docker, image, this.auth);
      if (failure) throw new Error(`could not pull ${image}: ${failure}`);
    }
    const id = ((await this.docker.getImage(image).inspect()).Id as string).replace(/^sha256:/, '');
    const target = join(this.dir, podman ? `${id}.tar` : `${id}.rootfs`);
    const node = podman ? { ref: id, archive: target } : { ref: target, archive: null };
    if (await stat(target).then(() => true, () => false)) return node;
    let running = this.exporting.get(target);
    if (!running) {
      await say(`[allgo] exporting the image ${id.slice(0, 12)} for the cluster's nodes (once per version)\n`);
      running = this.export(image, target, podman).finally(() => this.exporting.delete(target));
      this.exporting.set(target, running);
    }
    await running;
    return node;
  }

  private async export(image: string, target: string, archive: boolean): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const part = `${target}.${randomBytes(4).toString('hex')}.part`;
    try {
      if (archive) await pipeline(await this.docker.getImage(image).get(), createWriteStream(part, { mode: 0o644 }));
      else await this.unpack(image, part);
      await rename(part, target);
    } catch (err) {
      await rm(part, { recursive: true, force: true });
      throw err;
    }
  }

  private async unpack(image: string, root: string): Promise<void> {
    await mkdir(root, { mode: 0o755 });
    await unpackRootfs(this.docker, image, root);
    // A read-only image needs its mount point for the job folder to be there already.
    await mkdir(join(root, 'job'), { recursive: true, mode: 0o755 });
    await mkdir(join(root, 'ch'), { recursive: true, mode: 0o755 });
    const env = ((await this.docker.getImage(image).inspect()).Config?.Env ?? []) as string[];
    await writeFile(join(root, IMAGE_ENV_FILE), env.map((e) => `${e}\n`).join(''), { mode: 0o644 });
  }
}
