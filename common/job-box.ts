// The box a job runs in: the box of every container of a provider's code (container-box.ts)
// with no network at all and the job's folder as /job. The runner runs every job in it and the
// builder runs a version's push-time tests in it, so what a test proves holds for the jobs.
import type Docker from 'dockerode';
import { JOB_DIR_IN_CONTAINER } from './files.js';
import { boxOptions, type BoxLimits } from './container-box.js';

export interface JobBox extends BoxLimits {
  name: string;
  image: string;
  argv: string[];
  /** The host folder mounted as /job. */
  workdir: string;
  env: string[];
  labels: Record<string, string>;
}

export function jobBoxSpec(b: JobBox): Docker.ContainerCreateOptions {
  const box = boxOptions(b);
  return {
    name: b.name,
    Image: b.image,
    // A non-empty Entrypoint makes Docker ignore the image's CMD: the job runs exactly argv.
    Entrypoint: b.argv,
    Cmd: [],
    WorkingDir: JOB_DIR_IN_CONTAINER,
    User: box.User,
    Env: ['HOME=/tmp', 'TMPDIR=/tmp', ...b.env],
    Labels: b.labels,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: { ...box.HostConfig, Binds: [`${b.workdir}:${JOB_DIR_IN_CONTAINER}`], NetworkMode: 'none' },
  };
}
