// What one user has under way and has stored: the fair-share priority and the per-user limits
// read these at each submission, so each is a count over the jobs_user_state index.
import { QUEUED_JOB_STATES } from '../../common/states.js';
import type { Db } from './db.js';

const QUEUED = [...QUEUED_JOB_STATES].map((s) => `'${s}'`).join(', ');

const statements = (db: Db) => ({
  waitingIn: db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE user_id = ? AND state = 'waiting' AND queue = ?"),
  queued: db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE user_id = ? AND state IN (${QUEUED})`),
  running: db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE user_id = ? AND state IN ('running', 'aborting')"),
  // Only the user's latest jobs are read (newest first, on jobs_user): enough to tell a limit.
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

  running(userId: number): number {
    return count(this.sql.running.get(userId));
  }

  /** Submissions recorded since `since` (ISO time), counted up to `atMost`. */
  submittedSince(userId: number, since: string, atMost: number): number {
    return count(this.sql.submittedSince.get(userId, atMost, since));
  }
}
