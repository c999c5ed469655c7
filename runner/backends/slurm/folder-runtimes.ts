// The batch script for the runtimes that run an image's root file system folder as it is
// (images.ts unpacks it once per version): Charliecloud's ch-run and Apptainer. The same argv
// (no shell, never the image's CMD), /job as the working folder and the only writable mount,
// HOME and TMPDIR in a private /tmp, the image's own environment and nothing of the node's.
// Neither has a daemon: the runtime is the job's process, stopped with TERM then KILL on
// scancel or Slurm's time limit; the exit status goes beside the folder as for podman.
// What they cannot enforce that Docker does is listed in the README (Running on a Slurm cluster).
import type { RunPayload } from '../../../schemas/index.js';
import type { RunOptions } from '../../run-container.js';
import { shellWord } from './batch-script.js';
import { IMAGE_ENV_FILE } from './images.js';

const JOB_MOUNT = '/job';

export interface FolderScript {
  runtime: 'charliecloud' | 'apptainer';
  p: RunPayload;
  workdir: string;
  statusFile: string;
  /** The image's root file system, on the shared file system. */
  image: string;
  opts: RunOptions;
}

const words = (list: readonly string[]): string => list.map(shellWord).join(' ');
const jobEnv = (p: RunPayload): string[] => ['HOME=/tmp', 'TMPDIR=/tmp', `ALLGO_JOB_ID=${p.jobId}`];

/**
 * ch-run in a new network namespace of its own (unshare --net in an unprivileged user
 * namespace, as Charliecloud itself uses), so the job sees only a loopback interface.
 */
export function chRunCommand(f: Pick<FolderScript, 'p' | 'workdir' | 'image' | 'opts'>): string {
  const [uid, gid] = f.opts.user.split(':');
  return words([
    'unshare', '--user', '--map-current-user', '--net',
    'ch-run',
    // The node's environment out, the image's in (its ch/environment), then the job's.
    '--unset-env=*', '--set-env', ...jobEnv(f.p).map((e) => `--set-env=${e}`),
    '--private-tmp', '--no-passwd',
    `--bind=${f.workdir}:${JOB_MOUNT}`, `--cd=${JOB_MOUNT}`,
    `--uid=${uid}`, `--gid=${gid ?? uid}`,
    f.image, '--', ...f.p.argv,
  ]);
}

/** apptainer exec with its own /tmp, /dev and no home (--contain), no node environment, no network. */
export function apptainerCommand(f: Pick<FolderScript, 'p' | 'workdir' | 'image'>): string {
  return words([
    'apptainer', 'exec',
    '--contain', '--cleanenv', '--no-home',
    '--net', '--network', 'none',
    '--env-file', `${f.image}/${IMAGE_ENV_FILE}`, '--env', jobEnv(f.p).join(','),
    '--bind', `${f.workdir}:${JOB_MOUNT}`, '--pwd', JOB_MOUNT,
    f.image, ...f.p.argv,
  ]);
}

export function folderBatchScript(f: FolderScript): string {
  const command = f.runtime === 'charliecloud' ? chRunCommand(f) : apptainerCommand(f);
  return `#!/bin/sh
# allgo job ${f.p.jobId} (queue ${f.p.queue}), run by ${f.runtime}: made by the runner (runner/backends/slurm/folder-runtimes.ts).
set -u
IMAGE=${shellWord(f.image)}
STATUS=${shellWord(f.statusFile)}
say() { printf '[allgo] %s\\n' "$*"; }
# ch-run wants $USER, which a runner started as a service may not pass on to its Slurm jobs.
USER="\${USER:-$(id -un)}"; export USER

[ -d "$IMAGE" ] || { say "the job's image folder $IMAGE is not on this node: is image_dir on the shared file system?"; exit 70; }

stop() { kill -TERM "$RUN" 2>/dev/null; sleep 3; kill -KILL "$RUN" 2>/dev/null; }
trap stop TERM INT
${command} </dev/null &
RUN=$!
# wait returns early when a trapped signal comes: wait again until the runtime has returned.
while :; do
  wait "$RUN"; CODE=$?
  kill -0 "$RUN" 2>/dev/null || break
done
trap - TERM INT
# No runtime here reports an out-of-memory kill: Slurm's OUT_OF_MEMORY state does, where its cgroups enforce --mem.
printf 'exit=%s oom=false\\n' "$CODE" > "$STATUS.part" && mv "$STATUS.part" "$STATUS"
exit 0
`;
}
