// A job's files on their way back from a runner host. Each attempt uploads into its own
// folder (<data dir>/staging/<job>-<attempt>/), outside the datastore, where nobody sees
// it; a commit then moves the files into the job's folder and records the result, so a job
// is `done` only with all its outputs, and a runner that dies half-way shows nothing.
//   PUT file (replaces any earlier copy: a retried upload is never doubled) → commit (checks
//   every file and the limits, drops the inputs the job removed, moves the rest in).
import { mkdir, readdir, rename, rm, lstat, unlink, open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { CommitRequest } from '../schemas/index.js';
import { LOG_FILE } from '../common/files.js';
import { STAGING_CHUNK_BYTES } from '../common/runner-protocol.js';
import type { Datastore } from './datastore.js';
import { BadRequestError, PayloadTooLargeError } from './errors.js';

/** Room for the marker and allgo's closing line past the log's limit. */
export const LOG_SLACK_BYTES = 64 * 1024;
const MB = 1024 * 1024;

export interface StagingLimits {
  outputLimitBytes: number;
  logLimitBytes: number;
  /** Most files a job may leave (its log aside). */
  maxFiles: number;
}

/** A job's output name must be a plain name in its folder; anything else is refused. */
function checkOutputName(name: string): string {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || Buffer.byteLength(name) > 255) {
    throw new BadRequestError(`${JSON.stringify(name)} is not a file name a job can leave`, 'bad_file_name');
  }
  return name;
}

export class Staging {
  readonly root: string;

  constructor(
    dataDir: string,
    private readonly datastore: Datastore,
    private readonly limits: StagingLimits,
  ) {
    this.root = join(dataDir, 'staging');
  }

  private dir(jobId: number, attempt: number): string {
    return join(this.root, `${jobId}-${attempt}`);
  }

  private limitOf(name: string): number {
    return name === LOG_FILE ? this.limits.logLimitBytes + LOG_SLACK_BYTES : this.limits.outputLimitBytes;
  }

  /** Streams one file in; a second upload of the same name replaces the first whole. */
  async receive(jobId: number, attempt: number, name: string, body: Readable): Promise<number> {
    checkOutputName(name);
    const dir = this.dir(jobId, attempt);
    await mkdir(dir, { recursive: true });
    const limit = this.limitOf(name);
    const part = join(dir, `.part-${process.hrtime.bigint()}`);
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > limit) done(new PayloadTooLargeError(`${name} is over the limit of ${Math.round(limit / MB)} MB`));
        else done(null, chunk);
      },
    });
    try {
      const handle = await open(part, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      await pipeline(body, count, handle.createWriteStream({ highWaterMark: STAGING_CHUNK_BYTES }));
      await rename(part, join(dir, name));
    } catch (err) {
      await unlink(part).catch(() => undefined);
      throw err;
    }
    return size;
  }

  /**
   * Checks the attempt's files against what the runner says it sent and against the limits,
   * then makes them the job's folder. Safe to run again after a crash half-way: a file
   * already moved is found in the job's folder.
   */
  async commit(jobId: number, attempt: number, req: CommitRequest): Promise<void> {
    const dir = this.dir(jobId, attempt);
    const jobDir = this.datastore.jobDir(jobId);
    const names = new Set<string>();
    let total = 0;
    for (const f of req.files) {
      checkOutputName(f.name);
      if (names.has(f.name)) throw new BadRequestError(`${JSON.stringify(f.name)} is listed twice`, 'bad_commit');
      names.add(f.name);
      const staged = await lstat(join(dir, f.name)).catch(() => null);
      const moved = staged ? null : await lstat(join(jobDir, f.name)).catch(() => null);
      const size = (staged ?? moved)?.isFile() ? (staged ?? moved)!.size : -1;
      if (size !== f.size) throw new BadRequestError(`${JSON.stringify(f.name)} has not arrived whole (${size < 0 ? 'missing' : `${size} of ${f.size} bytes`}): upload it again`, 'incomplete_upload');
      if (f.name !== LOG_FILE) total += size;
    }
    const inputs = new Map((await this.datastore.list(jobId)).map((f) => [f.name, f.size]));
    for (const name of req.keep) {
      if (!inputs.has(name)) throw new BadRequestError(`${JSON.stringify(name)} is not an input of job ${jobId}`, 'bad_commit');
      if (!names.has(name)) total += inputs.get(name)!;
    }
    if (total > this.limits.outputLimitBytes) throw new PayloadTooLargeError(`the job's files are over the output limit of ${Math.round(this.limits.outputLimitBytes / MB)} MB`);
    const count = new Set([...req.keep, ...[...names].filter((n) => n !== LOG_FILE)]).size;
    if (count > this.limits.maxFiles) throw new PayloadTooLargeError(`the job left ${count} files, over the limit of ${this.limits.maxFiles}`);
    const keep = new Set(req.keep);
    try {
      for (const name of inputs.keys()) {
        if (!keep.has(name) && !names.has(name)) await rm(join(jobDir, name), { force: true });
      }
      for (const name of names) {
        await rename(join(dir, name), join(jobDir, name)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
    } finally {
      // The folder changed: no listing read before may be kept.
      this.datastore.forget(jobId);
    }
  }

  /** Drops every upload folder of a job (all attempts), once it has ended or moved on. */
  async discard(jobId: number, exceptAttempt?: number): Promise<void> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    for (const e of entries) {
      const m = /^(\d+)-(\d+)$/.exec(e);
      if (m && Number(m[1]) === jobId && Number(m[2]) !== exceptAttempt) await rm(join(this.root, e), { recursive: true, force: true });
    }
  }

  /** Upload folders of jobs that have ended: left by a runner host lost mid-upload. */
  async sweep(isFinished: (jobId: number) => boolean): Promise<void> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    for (const e of entries) {
      const m = /^(\d+)-(\d+)$/.exec(e);
      if (m && isFinished(Number(m[1]))) await rm(join(this.root, e), { recursive: true, force: true });
    }
  }
}
