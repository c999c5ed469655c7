// Job folders: <data dir>/datastore/<job id>/. Uploads land in a staging folder first and
// are renamed into place once the job exists, so a refused submission leaves nothing behind.
import { mkdir, readdir, rename, rm, lstat, type FileHandle } from 'node:fs/promises';
import { handToJobUser } from '../common/job-user.js';
import { openRegular } from '../common/open-regular.js';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LOG_FILE } from '../common/files.js';

/**
 * An uploaded file's name the job folder cannot take. A storage error, not an HTTP one:
 * error-handler.ts answers it as a 400 with its code (the API's stable code).
 */
export class UploadNameError extends Error {
  override name = 'UploadNameError';
  constructor(
    message: string,
    readonly code: 'bad_file_name' | 'bad_request' = 'bad_file_name',
  ) {
    super(message);
  }
}

/** A file of a job's folder, as its answer lists it. */
export interface JobFile {
  name: string;
  size: number;
}

/** Most file names the listings of finished jobs keep in memory, all jobs together. */
const CACHED_FILES = 100_000;

export class Datastore {
  readonly root: string;
  /**
   * Finished jobs' listings, oldest used first. A finished job's folder changes only when it
   * goes (retention, deletion, pruning: discardJob), which forgets its listing.
   */
  private readonly finished = new Map<number, JobFile[]>();
  private cachedFiles = 0;
  /** Counts every forgetting: a listing read across one is not kept, as it may predate it. */
  private forgets = 0;

  constructor(
    dataDir: string,
    /** uid:gid jobs run as: the folder must be theirs to write. */
    private readonly jobUser: string,
  ) {
    this.root = join(dataDir, 'datastore');
  }

  jobDir(jobId: number): string {
    return join(this.root, String(jobId));
  }

  async newStaging(): Promise<string> {
    const dir = join(this.root, '.incoming', randomUUID());
    // 0700 down from the datastore root: a job's folder is opened to its user by adopt().
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Moves a staging folder to be the job's folder and hands it to the job's user. */
  async adopt(staging: string, jobId: number): Promise<string> {
    const dir = this.jobDir(jobId);
    await rename(staging, dir);
    await handToJobUser(dir, this.jobUser);
    return dir;
  }

  async discard(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Removes a job's folder (its files, for good), and the listing kept of it. */
  async discardJob(jobId: number): Promise<void> {
    this.forget(jobId);
    try {
      await this.discard(this.jobDir(jobId));
    } finally {
      this.forget(jobId);
    }
  }

  /** Drops the listing kept of a job's folder: call it whenever the folder changes. */
  forget(jobId: number): void {
    this.forgets++;
    const files = this.finished.get(jobId);
    if (!files) return;
    this.finished.delete(jobId);
    this.cachedFiles -= files.length;
  }

  /**
   * The job's files, as list() gives them. A done job's folder no longer changes until it
   * goes, so its listing is read from disk once and kept (bounded by CACHED_FILES): polling
   * a finished job costs no file system call.
   */
  async filesOf(job: { id: number; state: string }): Promise<JobFile[]> {
    if (job.state !== 'done') return this.list(job.id);
    const kept = this.keptFilesOf(job);
    if (kept) return kept;
    const forgets = this.forgets;
    const files = await this.list(job.id);
    if (forgets === this.forgets && files.length <= CACHED_FILES) this.keep(job.id, files);
    return files;
  }

  /** A done job's listing if it is kept, without waiting: what filesOf() would give, or null. */
  keptFilesOf(job: { id: number; state: string }): JobFile[] | null {
    const kept = job.state === 'done' ? this.finished.get(job.id) : undefined;
    if (!kept) return null;
    // Used again: to the young end of the map's order.
    this.finished.delete(job.id);
    this.finished.set(job.id, kept);
    return kept;
  }

  private keep(jobId: number, files: JobFile[]): void {
    this.cachedFiles += files.length - (this.finished.get(jobId)?.length ?? 0);
    this.finished.set(jobId, files);
    for (const [id, old] of this.finished) {
      if (this.cachedFiles <= CACHED_FILES) break;
      this.finished.delete(id);
      this.cachedFiles -= old.length;
    }
  }

  /**
   * Regular files of the job folder with their sizes, by name. Symbolic links are not
   * files here: a job writes its folder, and a link it leaves must never lead the server
   * to a file of the host.
   */
  async list(jobId: number): Promise<JobFile[]> {
    const dir = this.jobDir(jobId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const out: JobFile[] = [];
    for (const name of names.sort()) {
      const s = await lstat(join(dir, name)).catch(() => null);
      if (s?.isFile()) out.push({ name, size: s.size });
    }
    return out;
  }

  /** Opens a regular file of the job folder for reading, never through a link; null if none. */
  async open(jobId: number, name: string): Promise<{ handle: FileHandle; size: number } | null> {
    return openRegular(join(this.jobDir(jobId), name));
  }

  /**
   * The start of a file's text (e.g. allgo.log), at most `maxBytes`; '' when there is no
   * such regular file. Bounded: the job wrote this file and may have made it huge.
   */
  async readText(jobId: number, name: string, maxBytes: number): Promise<string> {
    const f = await this.open(jobId, name);
    if (!f) return '';
    try {
      const buf = Buffer.alloc(Math.min(f.size, maxBytes));
      const { bytesRead } = await f.handle.read(buf, 0, buf.length, 0);
      const text = buf.subarray(0, bytesRead).toString('utf8');
      return f.size > maxBytes ? `${text}\n[allgo] ${f.size - maxBytes} more bytes: download the file for the rest\n` : text;
    } finally {
      await f.handle.close();
    }
  }
}

/**
 * An uploaded file's name must be usable as is inside the job folder: no path, no
 * control characters, not the log's name. Refused rather than renamed, so the job's
 * program sees exactly the names the user sent.
 */
export function checkUploadName(name: string): string {
  const shown = JSON.stringify(name);
  if (!name) throw new UploadNameError('an uploaded file has no name', 'bad_request');
  if (name.includes('/') || name.includes('\\')) throw new UploadNameError(`file name ${shown} contains a path separator: send the file's own name only`);
  if (name === '.' || name === '..') throw new UploadNameError(`file name ${shown} is not a file name`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new UploadNameError(`file name ${shown} contains control characters`);
  // Direction overrides make a name display as another (e.g. "evil\u202Etxt.exe").
  if (/[\u202a-\u202e\u2066-\u2069]/.test(name)) throw new UploadNameError(`file name ${shown} contains text-direction control characters`);
  if (Buffer.byteLength(name) > 255) throw new UploadNameError(`file name ${shown} is longer than 255 bytes`);
  if (name === LOG_FILE) throw new UploadNameError(`${LOG_FILE} is the job's log: rename your file`);
  return name;
}
