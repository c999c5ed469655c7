// One job as a Slurm batch job, named after the job so a runner that takes it over finds it
// and follows it instead of submitting it twice.
//   find the Slurm job, or export the image and sbatch the batch script → copy its output file
//   into allgo.log as it grows → enforce allgo's time limit, the output limit and cancellation
//   with scancel → once Slurm says it ended, its outcome (outcome.ts).
// A runner that loses its claim on the job detaches and leaves the Slurm job to the new owner.
import { open, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunPayload, RunResult } from '../../../schemas/index.js';
import { dirUsage } from '../../dir-usage.js';
import { LogSink } from '../../log-sink.js';
import { logFileOf, type RunHooks, type RunOptions, type Verdict } from '../../run-container.js';
import { EngineDownError } from '../../engine-health.js';
import { batchScript, parseStatus } from './batch-script.js';
import { folderBatchScript } from './folder-runtimes.js';
import type { SlurmRuntime } from '../../../common/config.js';
import { hasEnded, type SlurmCommands, type SlurmJob } from './commands.js';
import type { ImageExports } from './images.js';
import { nodeLost, slurmOutcome, timeLimitMessage } from './outcome.js';
import { HostLostError } from '../backend.js';

const MB = 1024 * 1024;
/** Files the runner keeps beside the job's folder, out of its reach. */
const SLURM_FILES = { script: 'job.sbatch', output: 'slurm.out', status: 'slurm.status' } as const;

export interface SlurmRun {
  cli: SlurmCommands;
  images: ImageExports;
  /** The Slurm job's name: the installation's and the job's id. */
  name: string;
  /** The queue's partition and extra sbatch options. */
  partition: string | null;
  sbatchOptions: readonly string[];
  runtime: SlurmRuntime;
  podmanRoot: string | null;
  pollMs: number;
}

export async function runSlurmJob(s: SlurmRun, p: RunPayload, workdir: string, attempt: number, opts: RunOptions, hooks: RunHooks): Promise<RunResult | 'detached'> {
  const dir = dirname(workdir);
  const found = (await s.cli.byName(s.name)).filter((j) => j.workDir === dir).pop() ?? null;
  const sink = await LogSink.open(logFileOf(workdir), hooks.live, opts.logLimitBytes, !!found, hooks.fence, hooks.logPreamble);
  let startedAt = new Date().toISOString();
  const end = async (r: Verdict & { exitCode: number | null }): Promise<RunResult> => {
    await sink.finish(r.result !== 'success' ? `\n[allgo] ${r.message}\n` : undefined);
    return { ...r, startedAt, finishedAt: new Date().toISOString() };
  };

  let id: string;
  if (found) id = found.id;
  else {
    let preamble = 0;
    const say = async (line: string) => void (preamble += await sink.note(line));
    let image;
    try {
      image = await s.images.ready(p.image, say);
    } catch (err) {
      return end({ result: 'error', exitCode: null, message: `could not export the job's image for the cluster: ${(err as Error).message}` });
    }
    if (hooks.cancel.aborted) return end({ result: 'aborted', exitCode: null, message: 'cancelled before it started' });
    const script = join(dir, SLURM_FILES.script);
    const statusFile = join(dir, SLURM_FILES.status);
    const text =
      s.runtime === 'podman'
        ? batchScript({ p, workdir, statusFile, container: `${s.name}-${attempt}`, image: image.ref, archive: image.archive, podmanRoot: s.podmanRoot, opts })
        : folderBatchScript({ runtime: s.runtime, p, workdir, statusFile, image: image.ref, opts });
    await writeFile(script, text, { mode: 0o700 });
    try {
      id = await s.cli.submit(sbatchArgs(s, p, dir), script);
    } catch (err) {
      if (!(await s.cli.answers())) throw new EngineDownError(`the Slurm controller does not answer: ${(err as Error).message}`);
      return end({ result: 'error', exitCode: null, message: `sbatch refused the job: ${(err as Error).message}` });
    }
    await say(`[allgo] Slurm job ${id}${s.partition ? ` on partition ${s.partition}` : ''}, image ${image.ref.replace(/^([0-9a-f]{12})[0-9a-f]{52}$/, '$1')}\n`);
    if (preamble > 0) await hooks.setLogPreamble(preamble);
  }

  const kill = async (v: Verdict) => {
    await hooks.setVerdict(v).catch(() => undefined);
    await s.cli.cancel(id).catch(() => undefined);
  };
  let timer: NodeJS.Timeout | undefined;
  const armTimeLimit = (start: string | null) => {
    if (timer || !start) return;
    startedAt = new Date(Date.parse(start) || Date.now()).toISOString();
    timer = setTimeout(() => void kill({ result: 'timeout', message: timeLimitMessage(p) }), Math.max(p.timeLimitMs - (Date.now() - Date.parse(startedAt)), 0));
  };
  let running = false;
  const onCancel = () => void kill({ result: 'aborted', message: running ? 'cancelled while running; its files so far are kept' : 'cancelled while waiting in the Slurm queue' });
  hooks.cancel.addEventListener('abort', onCancel, { once: true });
  if (hooks.cancel.aborted) onCancel();
  const output = new FileTail(join(dir, SLURM_FILES.output));
  try {
    let job: SlurmJob | null = found;
    let unknownSince: number | null = null;
    for (;;) {
      if (hooks.lost.aborted) {
        await sink.finish();
        return 'detached';
      }
      await output.copyTo(sink);
      try {
        job = await s.cli.job(id);
        unknownSince = null;
      } catch (err) {
        // slurmctld away for a moment: keep following; long away, the job goes back to whoever finds it.
        unknownSince ??= Date.now();
        if (Date.now() - unknownSince > 10 * 60_000) throw new EngineDownError(`lost touch with the Slurm controller: ${(err as Error).message}`);
        job = { id, name: s.name, state: 'UNKNOWN', node: null, workDir: dir, start: null, exitCode: null, signal: null, reason: null, comment: null };
      }
      if (!job || hasEnded(job.state)) break;
      if (job.state === 'RUNNING' || job.state === 'COMPLETING') {
        running = true;
        armTimeLimit(job.start);
        const used = await dirUsage(workdir, { bytes: opts.outputLimitBytes, entries: opts.maxFiles });
        if (used.bytes > opts.outputLimitBytes) await kill({ result: 'error', message: `killed: its files went over the output limit of ${Math.round(opts.outputLimitBytes / MB)} MB` });
        else if (used.entries > opts.maxFiles) await kill({ result: 'error', message: `killed: it made more than ${opts.maxFiles} files, the limit of a job's folder` });
      }
      await new Promise((r) => setTimeout(r, s.pollMs));
    }
    if (job?.start) startedAt = new Date(Date.parse(job.start) || Date.now()).toISOString();
    await output.copyTo(sink);
    const status = parseStatus(await readFile(join(dir, SLURM_FILES.status), 'utf8').catch(() => null));
    const verdict = await hooks.getVerdict().catch(() => null);
    const lost = nodeLost(job);
    // The same rule as a Docker job whose host was lost (takeover.ts): again, if the queue allows.
    if (lost && !verdict && attempt <= (p.retries ?? 0)) {
      await sink.finish();
      throw new HostLostError(lost);
    }
    return end(slurmOutcome(p, id, job, status, verdict));
  } finally {
    clearTimeout(timer);
    hooks.cancel.removeEventListener('abort', onCancel);
  }
}

function sbatchArgs(s: SlurmRun, p: RunPayload, dir: string): string[] {
  return [
    `--job-name=${s.name}`,
    // Slurm counts whole minutes; allgo's own timer ends the job at its exact limit.
    `--time=${Math.max(Math.ceil(p.timeLimitMs / 60_000), 1)}`,
    // podman and conmon beside the container need a little more than its own limit.
    `--mem=${p.memoryMb + 64}M`,
    `--cpus-per-task=${Math.max(Math.ceil(p.cpus ?? 1), 1)}`,
    ...(s.partition ? [`--partition=${s.partition}`] : []),
    `--chdir=${dir}`,
    // The queue, so that a restarted runner knows whose job it is.
    `--comment=${p.queue}`,
    `--output=${join(dir, SLURM_FILES.output)}`,
    '--open-mode=append',
    '--no-requeue',
    ...s.sbatchOptions,
  ];
}

/** Reads what was appended to a file since the last read. */
class FileTail {
  private offset = 0;

  constructor(private readonly path: string) {}

  async copyTo(sink: LogSink): Promise<void> {
    const f = await open(this.path, 'r').catch(() => null);
    if (!f) return;
    try {
      const buf = Buffer.alloc(256 * 1024);
      for (;;) {
        const { bytesRead } = await f.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) return;
        this.offset += bytesRead;
        await new Promise<void>((resolve) => sink.write(Buffer.from(buf.subarray(0, bytesRead)), () => resolve()));
      }
    } finally {
      await f.close();
    }
  }
}
