// How long a queue's recent jobs ran, and how many run now: what a waiting job's estimated
// start is made of (server/jobs/start-estimate.ts).
import type { Db } from './db.js';

/** Runs looked at: recent enough to follow a queue's mood, enough to smooth one odd job. */
const RECENT = 20;

const statements = (db: Db) => ({
  // Its WHERE is the partial index jobs_queue_runs's (store/db.ts), so that SQLite reads by it.
  durations: db.prepare(
    `SELECT (julianday(finished_at) - julianday(started_at)) * 86400 AS seconds FROM jobs
     WHERE queue = ? AND started_at IS NOT NULL AND finished_at IS NOT NULL AND result IS NOT NULL AND result != 'aborted'
     ORDER BY id DESC LIMIT ${RECENT}`,
  ),
  running: db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE queue = ? AND state = 'running'"),
});

export class QueueHistory {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  /** Seconds each of the queue's last finished runs took, newest first. */
  recentDurations(queue: string): number[] {
    return (this.sql.durations.all(queue) as { seconds: number }[]).map((r) => Math.max(0, r.seconds));
  }

  running(queue: string): number {
    return (this.sql.running.get(queue) as { n: number }).n;
  }
}
