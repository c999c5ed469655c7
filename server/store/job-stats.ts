// What /metrics reads of the jobs table: aggregates, never whole jobs. Finished jobs are read by
// id range, so the caller can sum the old ones once (their result and times never change).
import type { JobResult } from '../../schemas/index.js';
import { QUEUED_JOB_STATES, UNFINISHED_JOB_STATES } from '../../common/states.js';
import type { Db } from './db.js';

const sqlIn = (states: Iterable<string>): string => [...states].map((s) => `'${s}'`).join(', ');

export interface FinishedJobRow {
  app: string;
  queue: string;
  result: JobResult;
  /** Seconds from submission to start; null when it never started. */
  waited: number | null;
  /** Seconds from start to end; null when it never started. */
  ran: number | null;
}

const seconds = (from: string, to: string) => `(julianday(${to}) - julianday(${from})) * 86400.0`;

const statements = (db: Db) => ({
  finishedBetween: db.prepare(
    `SELECT apps.name AS app, jobs.queue AS queue, jobs.result AS result,
       CASE WHEN jobs.started_at IS NULL THEN NULL ELSE ${seconds('jobs.created_at', 'jobs.started_at')} END AS waited,
       CASE WHEN jobs.started_at IS NULL OR jobs.finished_at IS NULL THEN NULL ELSE ${seconds('jobs.started_at', 'jobs.finished_at')} END AS ran
     FROM jobs JOIN apps ON apps.id = jobs.app_id
     WHERE jobs.id > ? AND jobs.id <= ? AND jobs.result IS NOT NULL`,
  ),
  firstUnfinished: db.prepare(`SELECT MIN(id) AS id FROM jobs WHERE state IN (${sqlIn(UNFINISHED_JOB_STATES)})`),
  lastId: db.prepare('SELECT MAX(id) AS id FROM jobs'),
  // The jobs_state index makes these cost the unfinished jobs only.
  unfinishedByQueue: db.prepare(`SELECT queue, state, COUNT(*) AS count FROM jobs WHERE state IN (${sqlIn(UNFINISHED_JOB_STATES)}) GROUP BY queue, state`),
  oldestQueued: db.prepare(`SELECT queue, MIN(created_at) AS since FROM jobs WHERE state IN (${sqlIn(QUEUED_JOB_STATES)}) GROUP BY queue`),
});

export class JobStats {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  /** Jobs with a result and an id in (after, upTo]. */
  finishedBetween(after: number, upTo: number): FinishedJobRow[] {
    return this.sql.finishedBetween.all(after, upTo) as FinishedJobRow[];
  }

  /** Every job at or below this id has finished (0: none yet, or the oldest job is unfinished). */
  settledUpTo(): number {
    const first = (this.sql.firstUnfinished.get() as { id: number | null }).id;
    if (first !== null) return first - 1;
    return (this.sql.lastId.get() as { id: number | null }).id ?? 0;
  }

  unfinishedByQueue(): { queue: string; state: string; count: number }[] {
    return this.sql.unfinishedByQueue.all() as { queue: string; state: string; count: number }[];
  }

  /** Per queue, when its oldest job still waiting to start was submitted. */
  oldestQueued(): { queue: string; since: string }[] {
    return this.sql.oldestQueued.all() as { queue: string; since: string }[];
  }
}
