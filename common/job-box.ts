// The box a job runs in: a container with no network, a read-only root, a private /tmp, the
// job's folder as /job, capped memory (no swap), CPU and processes, no capabilities. The runner
// runs every job in it and the builder runs a version's push-time tests in it, so what a test
// proves holds for the jobs.
import type Docker from 'dockerode';
import { JOB_DIR_IN_CONTAINER } from './files.js';

const MB = 1024 * 1024;

export interface JobBox {
  name: string;
  image: string;
  argv: string[];
  /** The host folder mounted as /job. */
  workdir: string;
  /** uid:gid the job runs as. */
  user: string;
  memoryMb: number;
  cpus?: number;
  pidsLimit: number;
  tmpMb: number;
  /** Most entries /tmp may hold (as many as the job's folder may). */
  maxFiles: number;
  logLimitBytes: number;
  env: string[];
  labels: Record<string, string>;
}

export function jobBoxSpec(b: JobBox): Docker.ContainerCreateOptions {
  return {
    name: b.name,
    Image: b.image,
    // A non-empty Entrypoint makes Docker ignore the image's CMD: the job runs exactly argv.
    Entrypoint: b.argv,
    Cmd: [],
    WorkingDir: JOB_DIR_IN_CONTAINER,
    User: b.user,
    Env: ['HOME=/tmp', 'TMPDIR=/tmp', ...b.env],
    Labels: b.labels,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: {
      Binds: [`${b.workdir}:${JOB_DIR_IN_CONTAINER}`],
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      // nr_inodes: /tmp may not hold more files than the job's folder may.
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${b.tmpMb}m,nr_inodes=${b.maxFiles}` },
      Memory: b.memoryMb * MB,
      MemorySwap: b.memoryMb * MB,
      NanoCpus: b.cpus ? Math.round(b.cpus * 1e9) : undefined,
      PidsLimit: b.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      IpcMode: 'private',
      // The engine's copy of the log only needs to outlast our reading of it.
      LogConfig: { Type: 'json-file', Config: { 'max-size': `${Math.max(Math.ceil((b.logLimitBytes * 2) / MB), 20)}m`, 'max-file': '1' } },
    },
  };
}
