// The batch script of a job: it runs the version's image with podman on the node, in the same
// box as a Docker job (no network, read-only root, the job folder as its only writable mount,
// /tmp a small tmpfs, the memory and process limits, all capabilities dropped, not root), then
// writes the container's exit status beside the folder, where the runner reads it.
//   image present, or loaded from the shared cache (or pulled by digest) → podman run →
//   on SIGTERM (scancel, Slurm's time limit) podman stop → status file → podman rm.
import type { RunPayload } from '../../../schemas/index.js';
import type { RunOptions } from '../../run-container.js';

const JOB_MOUNT = '/job';

export interface BatchScript {
  p: RunPayload;
  /** The job's folder (mounted as /job) and where the status goes. */
  workdir: string;
  statusFile: string;
  /** podman's name of the container, unique per job and attempt. */
  container: string;
  /** The image as podman names it, and the docker-archive to load it from when absent (null: pull it). */
  image: string;
  archive: string | null;
  podmanRoot: string | null;
  opts: RunOptions;
}

/** A word for sh, in single quotes. */
export const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function batchScript(b: BatchScript): string {
  const { p, opts } = b;
  const root = b.podmanRoot ? ` --root ${shellWord(b.podmanRoot)} --runroot ${shellWord(b.podmanRoot + '.run')}` : '';
  const mem = `${p.memoryMb}m`;
  const run = [
    'run',
    '--name "$NAME"',
    '--network none',
    '--read-only',
    // podman takes no inode count for a tmpfs: /tmp holds as many files as its size allows.
    `--tmpfs /tmp:rw,nosuid,nodev,size=${opts.tmpMb}m`,
    `--memory ${mem} --memory-swap ${mem}`,
    ...(p.cpus ? [`--cpus ${p.cpus}`] : []),
    `--pids-limit ${opts.pidsLimit}`,
    // podman asks for more open files and processes than a node's hard limits may allow.
    '--ulimit nofile=4096:4096 --ulimit nproc=16384:16384',
    '--cap-drop all',
    '--security-opt no-new-privileges',
    '--ipc private',
    `--user ${shellWord(opts.user)}`,
    `-v ${shellWord(`${b.workdir}:${JOB_MOUNT}`)}`,
    `-w ${JOB_MOUNT}`,
    `-e HOME=/tmp -e TMPDIR=/tmp -e ALLGO_JOB_ID=${p.jobId}`,
    // The JSON form: the job runs exactly argv, never the image's CMD, never through a shell.
    `--entrypoint ${shellWord(JSON.stringify(p.argv))}`,
    '$CGROUP',
    '"$IMAGE"',
  ].join(' \\\n    ');
  return `#!/bin/sh
# allgo job ${p.jobId} (queue ${p.queue}): made by the runner (runner/backends/slurm/batch-script.ts).
set -u
NAME=${shellWord(b.container)}
IMAGE=${shellWord(b.image)}
ARCHIVE=${shellWord(b.archive ?? '')}
STATUS=${shellWord(b.statusFile)}
pm() { podman${root} "$@"; }
say() { printf '[allgo] %s\\n' "$*"; }

if ! pm image exists "$IMAGE"; then
  if [ -n "$ARCHIVE" ]; then
    pm load -q -i "$ARCHIVE" >/dev/null || { say "could not load the job's image from $ARCHIVE"; exit 70; }
  else
    pm pull -q "$IMAGE" >/dev/null || { say "could not pull the job's image $IMAGE"; exit 70; }
  fi
fi
pm rm -f "$NAME" >/dev/null 2>&1

# cgroup v1 (as root): the container's cgroups under a parent of the job's own, whose peak memory
# tells an out-of-memory kill apart from another SIGKILL (podman reports none there).
CGROUP= PARENT=
if [ "$(id -u)" = 0 ] && [ -d /sys/fs/cgroup/memory ]; then
  PARENT="allgo/$NAME"
  CGROUP="--cgroup-parent=/$PARENT"
fi

stop() { pm stop -t 3 "$NAME" >/dev/null 2>&1; }
trap stop TERM INT
pm ${run} &
RUN=$!
# wait returns early when a trapped signal comes: wait again until podman has returned.
while :; do
  wait "$RUN"; CODE=$?
  kill -0 "$RUN" 2>/dev/null || break
done
trap - TERM INT

OOM=$(pm inspect "$NAME" --format '{{.State.OOMKilled}}' 2>/dev/null || echo false)
if [ -n "$PARENT" ]; then
  PEAK=$(cat "/sys/fs/cgroup/memory/$PARENT/memory.max_usage_in_bytes" 2>/dev/null || echo 0)
  [ "$CODE" = 137 ] && [ "$PEAK" -ge $((${p.memoryMb} * 1024 * 1024 * 95 / 100)) ] && OOM=true
fi
pm rm -f "$NAME" >/dev/null 2>&1
if [ -n "$PARENT" ]; then
  for c in /sys/fs/cgroup/*/"$PARENT"; do [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null; done
fi
printf 'exit=%s oom=%s\\n' "$CODE" "$OOM" > "$STATUS.part" && mv "$STATUS.part" "$STATUS"
exit 0
`;
}

/** The status file's content, or null when it is missing or unreadable. */
export function parseStatus(text: string | null): { exitCode: number; oom: boolean } | null {
  const m = text ? /^exit=(\d+) oom=(true|false)/.exec(text) : null;
  return m ? { exitCode: Number(m[1]), oom: m[2] === 'true' } : null;
}
