// One job: a container from the version's image, the job folder as its working directory,
// the log written to allgo.log as it comes and streamed live, then a result that says
// why the job ended (exit code, time limit, memory limit).
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import type Docker from 'dockerode';
import type { RunPayload, RunResult } from '../schemas/index.js';
import type { LogWriter } from '../common/log-stream.js';
import { formatDuration } from '../common/duration.js';

export const JOB_MOUNT = '/job';
export const JOB_LABEL = 'allgo.job';

export interface RunOptions {
  /** uid:gid the job runs as. */
  user: string;
  pidsLimit: number;
}

export async function runContainer(docker: Docker, p: RunPayload, opts: RunOptions, live: LogWriter): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const file = createWriteStream(join(p.workdir, 'allgo.log'), { flags: 'a' });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      live.write(chunk.toString('utf8'));
      file.write(chunk, done);
    },
  });
  const finish = async (r: Omit<RunResult, 'startedAt' | 'finishedAt'>): Promise<RunResult> => {
    if (r.result !== 'success') await writeLine(file, `\n[allgo] ${r.message}\n`, live);
    await closeFile(file);
    return { ...r, startedAt, finishedAt: new Date().toISOString() };
  };

  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      Image: p.image,
      // A non-empty Entrypoint makes Docker ignore the image's CMD: the job runs exactly argv.
      Entrypoint: p.argv,
      Cmd: [],
      WorkingDir: JOB_MOUNT,
      User: opts.user,
      Env: ['HOME=/tmp', `ALLGO_JOB_ID=${p.jobId}`],
      Labels: { [JOB_LABEL]: String(p.jobId), 'allgo.queue': p.queue },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      NetworkDisabled: true,
      HostConfig: {
        Binds: [`${p.workdir}:${JOB_MOUNT}`],
        NetworkMode: 'none',
        Memory: p.memoryMb * 1024 * 1024,
        MemorySwap: p.memoryMb * 1024 * 1024,
        NanoCpus: p.cpus ? Math.round(p.cpus * 1e9) : undefined,
        PidsLimit: opts.pidsLimit,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    });
  } catch (err) {
    return finish({ result: 'error', exitCode: null, message: `could not create the job's container: ${(err as Error).message}` });
  }

  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    // stdout and stderr go to the same log, in the order they arrive.
    docker.modem.demuxStream(stream, sink, sink);
    const drained = once(stream, 'end').catch(() => undefined);
    try {
      await container.start();
    } catch (err) {
      return finish({ result: 'error', exitCode: null, message: `could not start ${p.argv[0]}: ${(err as Error).message.replace(/^\(HTTP code \d+\) \S+ - /, '')}` });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      container.kill().catch(() => undefined);
    }, p.timeLimitMs);
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    clearTimeout(timer);
    await Promise.race([drained, new Promise((r) => setTimeout(r, 2000))]);
    const info = await container.inspect();
    if (timedOut) {
      return finish({ result: 'timeout', exitCode: null, message: `killed: time limit of ${formatDuration(p.timeLimitMs)} (queue ${p.queue}) exceeded` });
    }
    if (info.State.OOMKilled) {
      return finish({ result: 'error', exitCode: StatusCode, message: `killed: out of memory (limit ${p.memoryMb} MB)` });
    }
    if (StatusCode !== 0) return finish({ result: 'error', exitCode: StatusCode, message: `exited with code ${StatusCode}` });
    return finish({ result: 'success', exitCode: 0, message: 'exited with code 0' });
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

function writeLine(file: WriteStream, text: string, live: LogWriter): Promise<void> {
  live.write(text);
  return new Promise((resolve) => file.write(text, () => resolve()));
}

function closeFile(file: WriteStream): Promise<void> {
  return new Promise((resolve) => file.end(() => resolve()));
}
