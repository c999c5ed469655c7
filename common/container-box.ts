// The box every container of a provider's code runs in, job or webapp session: a non-root
// user, no capabilities, no new privileges, a read-only root with a bounded /tmp, and the
// manifest's memory (swap equal to it), CPU and a PID limit. Only the network differs:
// a job has none, a session its own internal network (server/sessions/session-network.ts).
import type Docker from 'dockerode';

const MB = 1024 * 1024;

export interface BoxLimits {
  /** uid:gid the code runs as. */
  user: string;
  pidsLimit: number;
  tmpMb: number;
  /** Most inodes of /tmp. */
  maxFiles: number;
  memoryMb: number;
  cpus?: number;
  logLimitBytes: number;
}

/** The create options of the box, less what the caller adds (command, mounts, network, labels). */
export function boxOptions(l: BoxLimits): { User: string; HostConfig: Docker.HostConfig } {
  return {
    User: l.user,
    HostConfig: {
      ReadonlyRootfs: true,
      // nr_inodes: /tmp may not hold more files than the job's folder may.
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${l.tmpMb}m,nr_inodes=${l.maxFiles}` },
      Memory: l.memoryMb * MB,
      MemorySwap: l.memoryMb * MB,
      NanoCpus: l.cpus ? Math.round(l.cpus * 1e9) : undefined,
      PidsLimit: l.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      IpcMode: 'private',
      // The engine's copy of the log only needs to outlast our reading of it.
      LogConfig: { Type: 'json-file', Config: { 'max-size': `${Math.max(Math.ceil((l.logLimitBytes * 2) / MB), 20)}m`, 'max-file': '1' } },
    },
  };
}
