// A job's files on the runner host: <runner dir>/work/<job>-<attempt>/job is the folder the
// container sees as /job; beside it, out of the job's reach, allgo.log and inputs.json, which
// records each input as downloaded, so only what the job made or changed goes back up.
//   claim → download each input → (the job runs) → plan: inputs kept, files to upload, within
//   the output limit → PUT each file, allgo.log last → commit → remove the work folder.
import { mkdir, readdir, readFile, writeFile, rm, lstat, open } from 'node:fs/promises';
import { handToJobUser } from '../common/job-user.js';
import { constants } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClaimAnswer, CommitRequest, RunResult, StagingGrant } from '../schemas/index.js';
import { LOG_FILE } from '../common/files.js';
import { openRegular } from '../common/open-regular.js';
import type { ServerClient, CallOptions } from '../common/server-client.js';

const MB = 1024 * 1024;
const MAX_NOTES = 20;

interface InputRecord {
  size: number;
  mtimeMs: number;
}

export class WorkDirs {
  constructor(
    /** <runner data dir>/work */
    readonly root: string,
    /** uid:gid jobs run as: the folder must be theirs to write. */
    private readonly jobUser: string,
  ) {}

  /** The folder mounted as /job for this job's attempt. */
  jobDir(jobId: number, attempt: number): string {
    return join(this.root, `${jobId}-${attempt}`, 'job');
  }

  /** Downloads the claimed inputs into a fresh folder handed to the job's user. */
  async stage(client: ServerClient, jobId: number, attempt: number, claim: Required<Pick<ClaimAnswer, 'grant' | 'inputs'>>, opts: CallOptions): Promise<string> {
    const dir = this.jobDir(jobId, attempt);
    await rm(dirname(dir), { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const record: Record<string, InputRecord> = {};
    for (const input of claim.inputs) {
      const path = join(dir, input.name);
      await client.download(jobId, attempt, input.name, claim.grant, path, opts);
      const s = await lstat(path);
      if (s.size !== input.size) throw new Error(`input ${input.name} arrived with ${s.size} of its ${input.size} bytes`);
      record[input.name] = { size: s.size, mtimeMs: s.mtimeMs };
    }
    await writeFile(join(dirname(dir), 'inputs.json'), JSON.stringify(record));
    await handToJobUser(dir, this.jobUser);
    return dir;
  }

  /** Removes an attempt's folder, given the folder mounted as /job. */
  async remove(dir: string): Promise<void> {
    if (dirname(dirname(dir)) === this.root) await rm(dirname(dir), { recursive: true, force: true });
  }

  /** Work folders this runner's engine no longer runs a container for (`keep` says which to keep). */
  async sweep(keep: (jobId: number, attempt: number) => Promise<boolean>): Promise<void> {
    for (const e of await readdir(this.root).catch(() => [] as string[])) {
      const m = /^(\d+)-(\d+)$/.exec(e);
      if (m && !(await keep(Number(m[1]), Number(m[2])))) await rm(join(this.root, e), { recursive: true, force: true });
    }
  }
}

export interface UploadLimits {
  outputLimitBytes: number;
  /** Most files a job may leave (its log aside). */
  maxFiles: number;
}

/**
 * Sends the job's files back and commits them with its result: top-level regular files
 * only (never through a link), inputs left unchanged are kept rather than sent again, and
 * whatever would pass the output limit is cut there, said in the log.
 */
export async function uploadOutputs(
  client: ServerClient,
  jobId: number,
  attempt: number,
  dir: string,
  result: RunResult,
  limits: UploadLimits,
  opts: CallOptions,
  /** Inputs to keep though they are not in `dir` (a job ended without running here). */
  alsoKeep: readonly string[] = [],
): Promise<void> {
  const inputs = JSON.parse(await readFile(join(dirname(dir), 'inputs.json'), 'utf8').catch(() => '{}')) as Record<string, InputRecord>;
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n !== LOG_FILE).sort();
  const keep: string[] = [...alsoKeep];
  const send: { name: string; length: number }[] = [];
  const notes: string[] = [];
  let room = limits.outputLimitBytes;
  for (const name of names) {
    const s = await lstat(join(dir, name)).catch(() => null);
    if (!s?.isFile()) continue;
    const was = inputs[name];
    if (was && was.size === s.size && was.mtimeMs === s.mtimeMs) {
      keep.push(name);
      room -= s.size;
    }
  }
  for (const name of names) {
    if (keep.includes(name)) continue;
    const s = await lstat(join(dir, name)).catch(() => null);
    if (!s?.isFile()) continue;
    if (room <= 0) {
      notes.push(`${name} not kept: the job's files reached the output limit of ${Math.round(limits.outputLimitBytes / MB)} MB`);
      continue;
    }
    if (keep.length + send.length >= limits.maxFiles) {
      notes.push(`${name} not kept: the job's folder holds at most ${limits.maxFiles} files`);
      continue;
    }
    const length = Math.min(s.size, room);
    if (length < s.size) notes.push(`${name} cut at ${length} of its ${s.size} bytes: the output limit of ${Math.round(limits.outputLimitBytes / MB)} MB`);
    send.push({ name, length });
    room -= length;
  }
  // A job that made 100,000 files gets a few lines about them, not 100,000.
  if (notes.length > MAX_NOTES) notes.splice(MAX_NOTES, notes.length - MAX_NOTES, `and ${notes.length - MAX_NOTES} more files not kept`);
  const logFile = join(dirname(dir), LOG_FILE);
  if (notes.length) await appendNotes(logFile, notes.map((n) => `[allgo] ${n}\n`).join(''));

  const grant: StagingGrant = await client.uploadGrant(jobId, attempt, opts);
  const files: CommitRequest['files'] = [];
  for (const { name, length, path } of [...send.map((s) => ({ ...s, path: join(dir, s.name) })), { name: LOG_FILE, length: -1, path: logFile }]) {
    // Opened without following links: the job may have swapped a file for one since.
    const f = await openRegular(path);
    if (!f) continue;
    try {
      const n = length < 0 ? f.size : Math.min(length, f.size);
      await client.upload(jobId, attempt, name, f.handle, n, grant, opts);
      files.push({ name, size: n });
    } finally {
      await f.handle.close();
    }
  }
  await client.commit(jobId, attempt, grant, { result, keep, files }, opts);
}

/** Appends to the job's log, never through a link the job may have left in its place. */
async function appendNotes(path: string, text: string): Promise<void> {
  const { O_WRONLY, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;
  const f = await open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK).catch(() => null);
  if (!f) return;
  try {
    if ((await f.stat()).isFile()) await f.write(text);
  } finally {
    await f.close();
  }
}
