import { randomBytes } from 'node:crypto';
import type { FileDigest, JobResult, JobState, ParameterValue } from '../../schemas/index.js';
import { CANCELLABLE_JOB_STATES, FINISHED_JOB_STATES, QUEUED_JOB_STATES, UNFINISHED_JOB_STATES, isFinishedJob } from '../../common/states.js';
import { type Db, now } from './db.js';
import { ReadCache } from './read-cache.js';
import type { OtherCommits } from './other-commits.js';

/** A set of states as SQL: `'new', 'waiting'` (the names are the schema's, never user input). */
const sqlIn = (states: Iterable<JobState>): string => [...states].map((s) => `'${s}'`).join(', ');
const UNFINISHED = sqlIn(UNFINISHED_JOB_STATES);
const QUEUED = sqlIn(QUEUED_JOB_STATES);
const CANCELLABLE = sqlIn(CANCELLABLE_JOB_STATES);
/** Unfinished and not waiting in line: as many as runners hold, whatever the backlog. */
const UNDER_WAY = sqlIn([...UNFINISHED_JOB_STATES].filter((s) => s !== 'waiting'));
/** Finished jobs whose record is still shown. */
const KEPT = sqlIn([...FINISHED_JOB_STATES].filter((s) => s !== 'deleted'));

export interface Job {
  id: number;
  userId: number;
  appId: number;
  appName: string;
  versionId: number;
  versionLabel: string;
  param: string;
  /** The typed values it ran with, defaults in and secrets masked (the run payload alone carries them); null for an app without parameters. */
  params: Record<string, ParameterValue> | null;
  queue: string;
  state: JobState;
  result: JobResult | null;
  exitCode: number | null;
  message: string | null;
  /** Random: with the server's secret it makes the job's download key (server/download-keys.ts). */
  keySalt: string;
  /** sha256 of the download key of a job made before keys were derived; null for the others. */
  legacyKeyHash: string | null;
  /** Names of the files the user uploaded (the rest of the folder is the job's doing). */
  inputs: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The attempt a runner claimed last (0: none yet); only that one may commit outputs. */
  attempt: number;
  /** The name of the runner host that claimed it last. */
  runner: string | null;
  /** What its folder holds: its inputs, then all its files once its outputs are committed. */
  bytes: number;
  /** The argv as run, secrets masked; null for a job from before provenance. */
  argv: string[] | null;
  /** Its uploaded files as they arrived; null for a job from before provenance. */
  inputFiles: FileDigest[] | null;
  /** What it left (outputs, then allgo.log last), once committed; null before, or for a job from before provenance. */
  outputFiles: FileDigest[] | null;
  /** The result cache's key when its app caches results (server/jobs/result-cache.ts). */
  cacheKey: string | null;
  cachedFrom: number | null;
  rerunOf: number | null;
  /** A re-run on the same version: the files whose hash differs from the original's. */
  notReproduced: string[] | null;
}

interface Row {
  id: number;
  user_id: number;
  app_id: number;
  app_name: string;
  version_id: number;
  version_label: string;
  param: string;
  params: string | null;
  queue: string;
  state: JobState;
  result: JobResult | null;
  exit_code: number | null;
  message: string | null;
  key_salt: string;
  legacy_key_hash: string | null;
  inputs: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempt: number;
  runner: string | null;
  bytes: number;
  argv: string | null;
  input_files: string | null;
  output_files: string | null;
  cache_key: string | null;
  cached_from: number | null;
  rerun_of: number | null;
  not_reproduced: string | null;
}

const parsed = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));

const toJob = (r: Row): Job => ({
  id: r.id,
  userId: r.user_id,
  appId: r.app_id,
  appName: r.app_name,
  versionId: r.version_id,
  versionLabel: r.version_label,
  param: r.param,
  params: r.params === null ? null : (JSON.parse(r.params) as Record<string, ParameterValue>),
  queue: r.queue,
  state: r.state,
  result: r.result,
  exitCode: r.exit_code,
  message: r.message,
  keySalt: r.key_salt,
  legacyKeyHash: r.legacy_key_hash,
  inputs: JSON.parse(r.inputs) as string[],
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  attempt: r.attempt,
  runner: r.runner,
  bytes: r.bytes,
  argv: parsed(r.argv),
  inputFiles: parsed(r.input_files),
  outputFiles: parsed(r.output_files),
  cacheKey: r.cache_key,
  cachedFrom: r.cached_from,
  rerunOf: r.rerun_of,
  notReproduced: parsed(r.not_reproduced),
});

const SELECT = `SELECT jobs.*, apps.name AS app_name, versions.label AS version_label
  FROM jobs JOIN apps ON apps.id = jobs.app_id JOIN versions ON versions.id = jobs.version_id`;

/** Each statement compiled once, when the store opens: compiling costs about as much as running one. */
const statements = (db: Db) => ({
  insert: db.prepare(`INSERT INTO jobs (user_id, app_id, version_id, param, params, queue, state, key_salt, inputs, bytes, created_at, argv, input_files, cache_key, rerun_of)
    VALUES (?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?, ?)`),
  setOutputs: db.prepare('UPDATE jobs SET output_files = ?, not_reproduced = ? WHERE id = ?'),
  // The newest: its files are the likeliest to be kept. A done job whose outputs were recorded only.
  cached: db.prepare(
    `SELECT jobs.id FROM jobs JOIN apps ON apps.id = jobs.app_id
     WHERE jobs.cache_key = ? AND jobs.state = 'done' AND jobs.result = 'success' AND jobs.output_files IS NOT NULL AND jobs.cached_from IS NULL
       AND (jobs.user_id = ? OR apps.private = 0)
     ORDER BY jobs.id DESC LIMIT 1`,
  ),
  finishFromCache: db.prepare(
    `UPDATE jobs SET state = 'done', result = 'success', exit_code = ?, message = ?, started_at = ?, finished_at = ?, cached_from = ?, output_files = ?, bytes = ?
     WHERE id = ? AND state = 'new'`,
  ),
  setBytes: db.prepare('UPDATE jobs SET bytes = ? WHERE id = ?'),
  byId: db.prepare(`${SELECT} WHERE jobs.id = ?`),
  listForUser: db.prepare(`${SELECT} WHERE jobs.user_id = ? AND jobs.id < ? ORDER BY jobs.id DESC LIMIT ?`),
  listUnfinished: db.prepare(`${SELECT} WHERE jobs.state IN (${UNFINISHED})`),
  listUnderWay: db.prepare(`${SELECT} WHERE jobs.state IN (${UNDER_WAY})`),
  markWaiting: db.prepare("UPDATE jobs SET state = 'waiting' WHERE id = ? AND state = 'new'"),
  markRunning: db.prepare(`UPDATE jobs SET state = 'running', started_at = ? WHERE id = ? AND state IN (${QUEUED})`),
  finish: db.prepare(
    `UPDATE jobs SET state = 'done', result = ?, exit_code = ?, message = ?, started_at = COALESCE(started_at, ?), finished_at = ?
     WHERE id = ? AND state IN (${UNFINISHED})`,
  ),
  claimAttempt: db.prepare(`UPDATE jobs SET attempt = ?, runner = ? WHERE id = ? AND attempt <= ? AND state IN (${UNFINISHED})`),
  markAborting: db.prepare(`UPDATE jobs SET state = 'aborting' WHERE id = ? AND state IN (${CANCELLABLE})`),
  listFinishedForUser: db.prepare(`${SELECT} WHERE jobs.user_id = ? AND jobs.state = 'done' AND jobs.finished_at < ? ORDER BY jobs.id LIMIT ?`),
  listExpired: db.prepare(`${SELECT} WHERE jobs.state = 'done' AND jobs.finished_at < ? ORDER BY jobs.id LIMIT ?`),
  markArchived: db.prepare("UPDATE jobs SET state = 'archived' WHERE id = ? AND state = 'done'"),
  markDeleted: db.prepare(`UPDATE jobs SET state = 'deleted' WHERE id = ? AND state IN (${KEPT})`),
  discard: db.prepare("DELETE FROM jobs WHERE id = ? AND state = 'new'"),
});

export interface NewJob {
  userId: number;
  appId: number;
  versionId: number;
  param: string;
  params?: Record<string, ParameterValue> | null;
  queue: string;
  inputs?: string[];
  bytes?: number;
  argv?: string[];
  inputFiles?: FileDigest[];
  cacheKey?: string | null;
  rerunOf?: number;
}

/** Done jobs kept by id: polling a finished job reads it on every request. */
const CACHED_JOBS = 10_000;

export class JobStore {
  private readonly sql: ReturnType<typeof statements>;
  /** Only done jobs: their record changes no more but to leave `done`, which forgets it here. */
  private readonly done: ReadCache<number, Job>;

  constructor(db: Db, commits: OtherCommits) {
    this.sql = statements(db);
    this.done = new ReadCache(commits, CACHED_JOBS);
  }

  /** `bytes`: of its input files, counted in the user's storage from the start. */
  create(input: NewJob): Job {
    const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
    const info = this.sql.insert.run(
      input.userId, input.appId, input.versionId, input.param, json(input.params), input.queue, randomBytes(16).toString('hex'), JSON.stringify(input.inputs ?? []), input.bytes ?? 0, now(),
      json(input.argv), json(input.inputFiles), input.cacheKey ?? null, input.rerunOf ?? null,
    );
    return this.byId(Number(info.lastInsertRowid))!;
  }

  byId(id: number): Job | null {
    return this.done.get(
      id,
      () => {
        const r = this.sql.byId.get(id) as Row | undefined;
        return r ? toJob(r) : null;
      },
      (job) => job.state === 'done',
    );
  }

  listForUser(userId: number, limit = 50, beforeId = Number.MAX_SAFE_INTEGER): Job[] {
    return (this.sql.listForUser.all(userId, beforeId, limit) as Row[]).map(toJob);
  }

  /** Jobs whose outcome may still be reported by a runner: the startup reconciliation reads these. */
  listUnfinished(): Job[] {
    return (this.sql.listUnfinished.all() as Row[]).map(toJob);
  }

  /** Unfinished jobs but those waiting in line: being submitted, running or being cancelled. */
  listUnderWay(): Job[] {
    return (this.sql.listUnderWay.all() as Row[]).map(toJob);
  }

  /** What a job left, hashed at its commit, and, for a re-run, the files that differ from its original's. */
  setOutputs(id: number, files: FileDigest[], notReproduced: string[] | null): void {
    this.done.forget(id);
    this.sql.setOutputs.run(JSON.stringify(files), notReproduced ? JSON.stringify(notReproduced) : null, id);
  }

  /** The newest successful job with this cache key whose result `userId` may be served: theirs, or of a public app. */
  cachedResult(cacheKey: string, userId: number): Job | null {
    const r = this.sql.cached.get(cacheKey, userId) as { id: number } | undefined;
    return r ? this.byId(r.id) : null;
  }

  /** A new job served from `source`'s result: done at once, its files already in its folder. */
  finishFromCache(id: number, source: Job, r: { message: string; outputFiles: FileDigest[]; bytes: number }): boolean {
    this.done.forget(id);
    const at = now();
    return this.sql.finishFromCache.run(source.exitCode, r.message, at, at, source.id, JSON.stringify(r.outputFiles), r.bytes, id).changes === 1;
  }

  /** What the job's folder holds now (set when its outputs are committed). */
  setBytes(id: number, bytes: number): void {
    this.done.forget(id);
    this.sql.setBytes.run(bytes, id);
  }

  markWaiting(id: number): void {
    this.done.forget(id);
    this.sql.markWaiting.run(id);
  }

  markRunning(id: number, startedAt: string): boolean {
    this.done.forget(id);
    return this.sql.markRunning.run(startedAt, id).changes === 1;
  }

  /** Only an unfinished job can finish, so a repeated report changes nothing. */
  finish(id: number, r: { result: JobResult; exitCode: number | null; message: string; startedAt?: string; finishedAt?: string }): boolean {
    this.done.forget(id);
    return (
      this.sql.finish.run(r.result, r.exitCode, r.message, r.startedAt ?? null, r.finishedAt ?? now(), id).changes === 1
    );
  }

  /**
   * A runner takes attempt `attempt` of an unfinished job. Attempts only move forward, so a
   * runner that was taken over can no longer claim or commit its older one.
   */
  claimAttempt(id: number, attempt: number, runner: string): 'ok' | 'stale' | 'finished' | 'missing' {
    this.done.forget(id);
    const changed = this.sql.claimAttempt.run(attempt, runner, id, attempt).changes;
    if (changed === 1) return 'ok';
    const job = this.byId(id);
    if (!job) return 'missing';
    return isFinishedJob(job.state) ? 'finished' : 'stale';
  }

  markAborting(id: number): boolean {
    this.done.forget(id);
    return this.sql.markAborting.run(id).changes === 1;
  }

  /** Finished jobs whose files are older than `finishedBefore`: the retention sweep archives them. */
  listExpired(finishedBefore: string, limit: number): Job[] {
    return (this.sql.listExpired.all(finishedBefore, limit) as Row[]).map(toJob);
  }

  /** One user's finished jobs whose files are still there, finished before `finishedBefore`, oldest first. */
  listFinishedForUser(userId: number, finishedBefore: string, limit: number): Job[] {
    return (this.sql.listFinishedForUser.all(userId, finishedBefore, limit) as Row[]).map(toJob);
  }

  /** Files gone, metadata kept. */
  markArchived(id: number): boolean {
    this.done.forget(id);
    return this.sql.markArchived.run(id).changes === 1;
  }

  markDeleted(id: number): boolean {
    this.done.forget(id);
    return this.sql.markDeleted.run(id).changes === 1;
  }

  /** Removes a job that never reached the queue (its submission failed half-way). */
  discard(id: number): void {
    this.done.forget(id);
    this.sql.discard.run(id);
  }
}
