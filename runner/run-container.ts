// One job in its box: a container from the version's image, named after the job so a second
// delivery of the same job finds it and re-attaches instead of running it twice.
//   find or create the container → start it → stream its output into allgo.log → enforce the
//   time limit, the output limit and cancellation → a result that says why the job ended.
// A runner that loses its claim on the job detaches and leaves the container to the new owner.
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { RunPayload, RunResult } from '../schemas/index.js';
import type { LogWriter } from '../common/log-stream.js';
import { containerName } from '../common/queues.js';
import { CONTAINER_LABELS } from '../common/labels.js';
import { JOB_DIR_IN_CONTAINER, LOG_FILE } from '../common/files.js';
import { waitAtMost } from '../common/close.js';
import { formatDuration } from '../common/duration.js';
import { dockerMessage } from '../common/docker-progress.js';
import { LogSink, type Fence } from './log-sink.js';
import { dirUsage } from './dir-usage.js';
import { PullCancelledError } from './image-cache.js';
import { engineGoesAway, throwIfEngineAway } from './engine-health.js';
import { containerExit } from './container-exit.js';
import { boxOptions } from '../common/container-box.js';

const JOB_MOUNT = JOB_DIR_IN_CONTAINER;
const OUTPUT_CHECK_MS = 300;

export interface RunOptions {
  /** The installation's id (common/instance.ts): part of container names. */
  instance: string;
  /** uid:gid the job runs as. */
  user: string;
  pidsLimit: number;
  outputLimitBytes: number;
  /** Most entries (files, folders, links) a job may leave in its folder. */
  maxFiles: number;
  logLimitBytes: number;
  tmpMb: number;
}

export type Verdict = Pick<RunResult, 'result' | 'message'>;

export interface RunHooks {
  live: LogWriter;
  /** Aborted when a user cancels the job. */
  cancel: AbortSignal;
  /** Aborted when this runner lost its claim on the job. */
  lost: AbortSignal;
  fence: Fence;
  /** Kept outside this process, so whichever runner reports the outcome knows why it was killed. */
  setVerdict(v: Verdict): Promise<void>;
  getVerdict(): Promise<Verdict | null>;
  /** Makes the job's image present, pulling it on first use; `say` writes to the job's log. */
  prepareImage(say: (line: string) => Promise<void>): Promise<void>;
  /** Bytes of allgo's own lines before the output in allgo.log, as the first delivery left them. */
  logPreamble: number;
  setLogPreamble(bytes: number): Promise<void>;
  /** Told before each call to the engine: a debug log shows where a job that stops moving is. */
  step?(name: string): void;
}

const MB = 1024 * 1024;

/**
 * `workdir`: the job's folder on this host, mounted as /job (the container's own, when
 * re-attaching). The log is written beside it (logFileOf), out of the job's reach.
 */
export async function runContainer(docker: Docker, p: RunPayload, workdir: string, attempt: number, opts: RunOptions, hooks: RunHooks): Promise<RunResult | 'detached'> {
  const step = hooks.step ?? (() => undefined);
  step('inspect');
  const found = await inspectJobContainer(docker, opts.instance, p.jobId);
  step('open-log');
  const sink = await LogSink.open(logFileOf(workdir), hooks.live, opts.logLimitBytes, !!found, hooks.fence, hooks.logPreamble);
  let startedAt = new Date().toISOString();
  // The container is left in place: the caller removes it once the outcome is recorded,
  // so a runner taking over at the last moment still finds it.
  const end = async (r: Verdict & { exitCode: number | null }): Promise<RunResult> => {
    await sink.finish(r.result !== 'success' ? `\n[allgo] ${r.message}\n` : undefined);
    return { ...r, startedAt, finishedAt: new Date().toISOString() };
  };

  let container: Docker.Container;
  if (found) {
    container = docker.getContainer(found.Id);
    if (found.State.StartedAt && !found.State.StartedAt.startsWith('0001')) startedAt = found.State.StartedAt;
  } else {
    let preamble = 0;
    step('image');
    try {
      await hooks.prepareImage(async (line) => void (preamble += await sink.note(line)));
    } catch (err) {
      if (err instanceof PullCancelledError) return end({ result: 'aborted', exitCode: null, message: 'cancelled before it started' });
      // A pull cut off by the engine's going away is no fault of the job: it starts again later.
      await throwIfEngineAway(docker, "pulling the job's image", (err as Error).message);
      return end({ result: 'error', exitCode: null, message: (err as Error).message });
    }
    // Kept before the container exists, so whichever runner re-attaches knows it.
    if (preamble > 0) await hooks.setLogPreamble(preamble);
    step('create');
    try {
      container = await createJobContainer(docker, p, workdir, attempt, opts);
    } catch (err) {
      await throwIfEngineAway(docker, "creating the job's container", dockerMessage(err));
      return end({ result: 'error', exitCode: null, message: `could not create the job's container: ${dockerMessage(err)}` });
    }
  }
  if (hooks.cancel.aborted) return end({ result: 'aborted', exitCode: null, message: 'cancelled before it started' });

  const state = found?.State.Status;
  if (state !== 'running' && state !== 'exited' && state !== 'dead') {
    step('start');
    try {
      await container.start();
      startedAt = new Date().toISOString();
    } catch (err) {
      // Never started: an engine that went away meanwhile is no failure of the job.
      if (!found) await throwIfEngineAway(docker, "starting the job's container", dockerMessage(err));
      return end({ result: 'error', exitCode: null, message: `could not start ${p.argv[0]}: ${dockerMessage(err)}` });
    }
  }

  // The engine's own log of the container is read from its start: on re-attach, what the
  // file already holds is skipped, so the log continues without a gap or a repeat.
  step('logs');
  const stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
  docker.modem.demuxStream(stream, sink, sink);
  const drained = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });

  const kill = async (v: Verdict) => {
    await hooks.setVerdict(v).catch(() => undefined);
    await container.kill().catch(() => undefined);
  };
  const elapsed = Date.now() - Date.parse(startedAt);
  const timer = setTimeout(
    () => void kill({ result: 'timeout', message: `killed: time limit of ${formatDuration(p.timeLimitMs)} (queue ${p.queue}) exceeded` }),
    Math.max(p.timeLimitMs - elapsed, 0),
  );
  const onCancel = () =>
    void hooks
      .setVerdict({ result: 'aborted', message: 'cancelled while running; its files so far are kept' })
      .catch(() => undefined)
      .then(() => container.stop({ t: 3 }).catch(() => undefined));
  hooks.cancel.addEventListener('abort', onCancel, { once: true });
  // A cancel that came while the container was starting has no listener to call: act on it.
  if (hooks.cancel.aborted) onCancel();
  // One walk at a time, the next a while after the last ended: a walk of a crowded folder
  // may take longer than the interval, and overlapping walks would only add to the load.
  let watcher: NodeJS.Timeout | undefined;
  let watching = true;
  const watchOutput = async () => {
    const used = await dirUsage(workdir, { bytes: opts.outputLimitBytes, entries: opts.maxFiles });
    if (!watching) return;
    if (used.bytes > opts.outputLimitBytes) return kill({ result: 'error', message: `killed: its files went over the output limit of ${Math.round(opts.outputLimitBytes / MB)} MB` });
    if (used.entries > opts.maxFiles) return kill({ result: 'error', message: `killed: it made more than ${opts.maxFiles} files, the limit of a job's folder` });
    watcher = setTimeout(() => void watchOutput(), OUTPUT_CHECK_MS);
  };
  watcher = setTimeout(() => void watchOutput(), OUTPUT_CHECK_MS);

  const lost = new Promise<'lost'>((resolve) => {
    if (hooks.lost.aborted) resolve('lost');
    hooks.lost.addEventListener('abort', () => resolve('lost'), { once: true });
  });
  let engineTrouble: string | null = null;
  step('wait');
  try {
    const exit = await Promise.race([
      containerExit(container, hooks.lost).then((trouble) => {
        engineTrouble = trouble;
        return null;
      }),
      lost,
    ]);
    // A runner that was frozen learns here whether the job is still its own.
    if (exit === 'lost' || (await settleClaim(hooks.fence)) === 'lost') {
      // Another runner owns the job now; it re-attaches to the same container.
      stream.destroy();
      await sink.finish();
      return 'detached';
    }
    step('ended');
    await waitAtMost(drained, 3000);
    stream.destroy();
    const info = await container.inspect().catch(() => null);
    const verdict = await hooks.getVerdict().catch(() => null);
    if (verdict) return end({ ...verdict, exitCode: info?.State.ExitCode ?? null });
    if (!info || engineTrouble) {
      return end({ result: 'error', exitCode: info?.State.ExitCode ?? null, message: `the Docker engine stopped during the job (${engineTrouble ?? 'its container is gone'})` });
    }
    const code = info.State.ExitCode;
    if (info.State.OOMKilled) return end({ result: 'error', exitCode: code, message: `killed: out of memory (limit ${p.memoryMb} MB)` });
    // Killed by a signal nobody here sent: a stopping engine kills its containers first.
    if ((code === 137 || code === 143) && (await engineGoesAway(docker))) {
      return end({ result: 'error', exitCode: code, message: 'the Docker engine stopped during the job and killed its container' });
    }
    if (code !== 0) return end({ result: 'error', exitCode: code, message: `exited with code ${code}` });
    return end({ result: 'success', exitCode: 0, message: 'exited with code 0' });
  } finally {
    clearTimeout(timer);
    watching = false;
    clearTimeout(watcher);
    hooks.cancel.removeEventListener('abort', onCancel);
  }
}

/** The job's container as Docker knows it, or null. */
export async function inspectJobContainer(docker: Docker, instance: string, jobId: number): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(containerName(instance, jobId)).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

async function createJobContainer(docker: Docker, p: RunPayload, workdir: string, attempt: number, opts: RunOptions): Promise<Docker.Container> {
  try {
    const box = boxOptions({ user: opts.user, pidsLimit: opts.pidsLimit, tmpMb: opts.tmpMb, maxFiles: opts.maxFiles, memoryMb: p.memoryMb, cpus: p.cpus, logLimitBytes: opts.logLimitBytes });
    return await docker.createContainer({
      name: containerName(opts.instance, p.jobId),
      Image: p.image,
      // A non-empty Entrypoint makes Docker ignore the image's CMD: the job runs exactly argv.
      Entrypoint: p.argv,
      Cmd: [],
      WorkingDir: JOB_MOUNT,
      User: box.User,
      Env: ['HOME=/tmp', 'TMPDIR=/tmp', `ALLGO_JOB_ID=${p.jobId}`],
      Labels: { [CONTAINER_LABELS.job]: String(p.jobId), [CONTAINER_LABELS.instance]: opts.instance, [CONTAINER_LABELS.queue]: p.queue, [CONTAINER_LABELS.attempt]: String(attempt) },
      Tty: false,
      NetworkDisabled: true,
      HostConfig: { ...box.HostConfig, Binds: [`${workdir}:${JOB_MOUNT}`], NetworkMode: 'none' },
    });
  } catch (err) {
    // Created meanwhile by another delivery of the same job: use that one.
    if ((err as { statusCode?: number }).statusCode === 409) return docker.getContainer(containerName(opts.instance, p.jobId));
    throw err;
  }
}

/** Waits (bounded) while a renewal is overdue, until the claim is confirmed or known lost. */
async function settleClaim(fence: Fence): Promise<'owner' | 'lost'> {
  for (let i = 0; i < 600; i++) {
    const v = fence();
    if (v !== 'unsure') return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'lost';
}

/** Where a job's log is kept on its runner host: beside its folder, where the job cannot touch it. */
export const logFileOf = (workdir: string): string => join(dirname(workdir), LOG_FILE);

/** The host folder a job's container has as /job: where a runner re-attaching finds its files. */
export const jobMountOf = (info: Docker.ContainerInspectInfo): string | null => info.Mounts.find((m) => m.Destination === JOB_MOUNT)?.Source ?? null;

export async function removeJobContainer(docker: Docker, instance: string, jobId: number): Promise<void> {
  await docker.getContainer(containerName(instance, jobId)).remove({ force: true }).catch(() => undefined);
}
