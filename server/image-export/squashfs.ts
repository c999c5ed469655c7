// A version's image as one SquashFS file of its root file system, which Charliecloud's ch-run
// and Apptainer run as it is. mksquashfs 4.5 (Debian 12) reads no tar, so the tree is unpacked
// to a scratch folder first.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { unpackRootfs } from '../../common/image-rootfs.js';
import { runTool } from '../../common/run-tool.js';

/** Writes `out`, the SquashFS of `image`'s root file system; `work` is an empty scratch folder. */
export async function squashfsOf(docker: Docker, image: string, out: string, work: string): Promise<void> {
  const root = join(work, 'rootfs');
  await mkdir(root);
  await unpackRootfs(docker, image, root);
  await runTool('mksquashfs', [root, out, '-noappend', '-no-progress', '-quiet', '-no-xattrs']);
}
