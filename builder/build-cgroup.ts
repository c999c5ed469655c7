// A process limit for one build. The engine's build API takes memory and CPU limits for each
// step's container but no pids limit, so the build's containers are started under a cgroup
// parent made for this build, whose pids.max bounds them all together. That needs the builder
// on the engine's host, as root, with the cgroupfs driver (cgroup v1 or v2); elsewhere the
// build runs without one and its log says so.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';

const CGROUP_ROOT = '/sys/fs/cgroup';

export interface BuildCgroup {
  /** The build API's cgroupparent, or null when no limit could be set. */
  parent: string | null;
  /** Why there is no limit, for the build log. */
  missing: string | null;
  /** Removes what was made; the build's containers are gone by then. */
  release(): Promise<void>;
}

export async function buildCgroup(docker: Docker, pidsLimit: number): Promise<BuildCgroup> {
  const none = (missing: string): BuildCgroup => ({ parent: null, missing, release: async () => undefined });
  const info = (await docker.info().catch(() => null)) as { CgroupDriver?: string; CgroupVersion?: string } | null;
  if (!info) return none('the engine did not say how it runs containers');
  if (info.CgroupDriver !== 'cgroupfs') return none(`the engine's cgroup driver is ${info.CgroupDriver}, not cgroupfs`);
  // Over TCP or SSH the modem has a host; over the local socket it has none.
  if ((docker.modem as { host?: string }).host) return none('the engine is on another host');
  const name = `allgo-build-${randomBytes(6).toString('hex')}`;
  const v2 = info.CgroupVersion === '2';
  const pids = v2 ? join(CGROUP_ROOT, name) : join(CGROUP_ROOT, 'pids', name);
  try {
    await mkdir(pids);
    await writeFile(join(pids, 'pids.max'), String(pidsLimit));
  } catch (err) {
    await rmdir(pids).catch(() => undefined);
    return none(`could not make its cgroup (${(err as Error).message})`);
  }
  return {
    parent: `/${name}`,
    missing: null,
    async release() {
      // The engine made the same folder in every controller it uses (v1). A step killed by the
      // time limit may still be going away: its folders empty a moment later.
      let dirs = v2 ? [pids] : (await readdir(CGROUP_ROOT).catch(() => [] as string[])).map((c) => join(CGROUP_ROOT, c, name));
      for (let i = 0; i < 50 && dirs.length; i++) {
        if (i) await new Promise((r) => setTimeout(r, 200));
        const left = await Promise.all(dirs.map((d) => rmdir(d).then(() => null, (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : d))));
        dirs = left.filter((d): d is string => d !== null);
      }
    },
  };
}
