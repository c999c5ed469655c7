// Job folders: <data dir>/datastore/<job id>/. Uploads land in a staging folder first and
// are renamed into place once the job exists, so a refused submission leaves nothing behind.
import { mkdir, readdir, rename, rm, stat, chown, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { BadRequestError } from './errors.js';

export const LOG_FILE = 'allgo.log';

export class Datastore {
  readonly root: string;
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
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Moves a staging folder to be the job's folder and hands it to the job's user. */
  async adopt(staging: string, jobId: number): Promise<string> {
    const dir = this.jobDir(jobId);
    await rename(staging, dir);
    const [uid, gid] = this.jobUser.split(':').map(Number);
    if (process.getuid?.() === 0) {
      await chown(dir, uid, gid);
      await chmod(dir, 0o750);
    } else {
      await chmod(dir, 0o777);
    }
    return dir;
  }

  async discard(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Regular files of the job folder with their sizes, by name. */
  async list(jobId: number): Promise<{ name: string; size: number }[]> {
    const dir = this.jobDir(jobId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const out: { name: string; size: number }[] = [];
    for (const name of names.sort()) {
      const s = await stat(join(dir, name)).catch(() => null);
      if (s?.isFile()) out.push({ name, size: s.size });
    }
    return out;
  }
}

/**
 * An uploaded file's name must be usable as is inside the job folder: no path, no
 * control characters, not the log's name. Refused rather than renamed, so the job's
 * program sees exactly the names the user sent.
 */
export function checkUploadName(name: string): string {
  const shown = JSON.stringify(name);
  if (!name) throw new BadRequestError('an uploaded file has no name');
  if (name.includes('/') || name.includes('\\')) throw new BadRequestError(`file name ${shown} contains a path separator: send the file's own name only`, 'bad_file_name');
  if (name === '.' || name === '..') throw new BadRequestError(`file name ${shown} is not a file name`, 'bad_file_name');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new BadRequestError(`file name ${shown} contains control characters`, 'bad_file_name');
  if (Buffer.byteLength(name) > 255) throw new BadRequestError(`file name ${shown} is longer than 255 bytes`, 'bad_file_name');
  if (name === LOG_FILE) throw new BadRequestError(`${LOG_FILE} is the job's log: rename your file`, 'bad_file_name');
  return name;
}
