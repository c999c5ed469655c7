// An image's root file system unpacked into a folder, as HPC runtimes run it (a directory for
// ch-run or Apptainer, the input of mksquashfs). The engine flattens the layers (whiteouts
// applied) when it exports a container made from the image and never started.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { runTool } from './run-tool.js';

/** Unpacks `image`'s root file system into `dir`, an empty folder. */
export async function unpackRootfs(docker: Docker, image: string, dir: string): Promise<void> {
  // Created only to be exported: it never runs, so its command is never looked at.
  const container = await docker.createContainer({
    name: `allgo-export-${randomBytes(6).toString('hex')}`,
    Image: image,
    Entrypoint: ['/allgo-export-never-runs'],
    Cmd: [],
    NetworkDisabled: true,
    Labels: { 'allgo.export': 'rootfs' },
  });
  try {
    // --numeric-owner: the image's uids, not this host's names for them; no device files (a
    // rootless host could not make them, and the runtimes mount their own /dev).
    await runTool('tar', ['-x', '--numeric-owner', '--exclude=./dev/*', '--exclude=dev/*', '-C', dir], await container.export());
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
