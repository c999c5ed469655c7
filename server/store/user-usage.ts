// What one user has under way and has stored: the fair-share priority and the per-user limits
// read these at each submission, so each is a count over the jobs_user_state index.
import { QUEUED_JOB_STATES } from '../../common/states.js';
import type { Db } from './db.js';

const QUEUED = [...QUEUED_JOB_STATES].map((s) => `'${s}'`).join(', ');
/** Jobs whose folder is still on disk (archived and deleted ones have none). */
export const STORED = "state NOT IN ('archived', 'deleted')";

export interface StorageUse {
  name: string;
  bytes: number;
  jobs: number;
  running: number;
}

const statements = (db: Db) => ({
  waitingIn: db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE user_id = ? AND state = 'waiting' AND queue = ?"),
  queued: db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE user_id = ? AND state IN (${QUEUED})`),
  // Claimed by a runner (attempt > 0) and unfinished: a job counts from its claim, before the
  // runner reports it started, so two claims at once cannot both slip under max_running.
  running: db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE user_id = ? AND state IN ('waiting', 'running', 'aborting') AND attempt > 0"),
  // Only the user's latest jobs are read (newest first, on jobs_user): enough to tell a limit.
  storage: db.prepare(`SELECT COALESCE(SUM(bytes), 0) AS n FROM jobs WHERE user_id = ? AND ${STORED}`),
  biggest: db.prepare(
    `SELECT users.name AS name, COALESCE(SUM(CASE WHEN jobs.${STORED} THEN jobs.bytes END), 0) AS bytes,
       COUNT(CASE WHEN jobs.${STORED} THEN 1 END) AS jobs, COUNT(CASE WHEN jobs.state IN ('running', 'aborting') THEN 1 END) AS running
     FROM users JOIN jobs ON jobs.user_id = users.id GROUP BY users.id ORDER BY bytes DESC, users.name LIMIT ?`,
  ),
  submittedSince: db.prepare('SELECT COUNT(*) AS n FROM (SELECT created_at FROM jobs WHERE user_id = ? ORDER BY id DESC LIMIT ?) WHERE created_at >= ?'),
});

const count = (row: unknown): number => (row as { n: number }).n;

export class UserUsage {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  /** Jobs of the user queued in BullMQ's `queue` and not yet started. */
  waitingIn(userId: number, queue: string): number {
    return count(this.sql.waitingIn.get(userId, queue));
  }

  /** Jobs of the user not yet started, in any queue (a submission under way included). */
  queued(userId: number): number {
    return count(this.sql.queued.get(userId));
  }

  /** Jobs of the user a runner holds (claimed, not finished). */
  running(userId: number): number {
    return count(this.sql.running.get(userId));
  }

  /** Bytes of the user's job folders still on disk. */
  storage(userId: number): number {
    return count(this.sql.storage.get(userId));
  }

  /** The users whose jobs take the most room, biggest first. */
  biggest(limit: number): StorageUse[] {
    return this.sql.biggest.all(limit) as StorageUse[];
  }

  /** Submissions recorded since `since` (ISO time), counted up to `atMost`. */
  submittedSince(userId: number, since: string, atMost: number): number {
    return count(this.sql.submittedSince.get(userId, atMost, since));
  }
}
