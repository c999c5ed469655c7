// What the admin overview reads of the store besides the metrics' aggregates: the last failures
// (jobs and builds, with their messages), the users running the most jobs, and what the images
// pushed to the registry take.
import type { AdminOverview } from '../../schemas/index.js';
import type { Db } from './db.js';
import { STORED } from './user-usage.js';

/** Results that mean a job failed (a cancel is the user's choice, not a failure). */
const FAILED = "('error', 'timeout')";

// Rows as the overview answers them (schemas/api.schema.json, AdminOverview).
export type FailedJobRow = AdminOverview['failed_jobs'][number];
export type FailedBuildRow = AdminOverview['failed_builds'][number];
export type RunningUse = AdminOverview['users_by_running'][number];

const statements = (db: Db) => ({
  // Newest first by id: the scan stops at the limit, so it costs the recent jobs only when failures are common.
  failedJobs: db.prepare(
    `SELECT jobs.id AS id, apps.name AS app, versions.label AS version, users.name AS user, jobs.queue AS queue,
       jobs.result AS result, jobs.message AS message, jobs.finished_at AS finished_at
     FROM jobs JOIN apps ON apps.id = jobs.app_id JOIN versions ON versions.id = jobs.version_id JOIN users ON users.id = jobs.user_id
     WHERE jobs.result IN ${FAILED} ORDER BY jobs.id DESC LIMIT ?`,
  ),
  failedBuilds: db.prepare(
    `SELECT apps.name AS app, versions.label AS version, versions.error AS error, users.name AS pusher, versions.finished_at AS finished_at
     FROM versions JOIN apps ON apps.id = versions.app_id LEFT JOIN users ON users.id = versions.pusher_id
     WHERE versions.state = 'failed' ORDER BY versions.id DESC LIMIT ?`,
  ),
  // The jobs_state index: only unfinished jobs are read.
  busiest: db.prepare(
    `SELECT users.name AS name, COUNT(CASE WHEN jobs.state IN ('running', 'aborting') THEN 1 END) AS running,
       COUNT(CASE WHEN jobs.state IN ('new', 'waiting') THEN 1 END) AS waiting
     FROM jobs JOIN users ON users.id = jobs.user_id WHERE jobs.state IN ('new', 'waiting', 'running', 'aborting')
     GROUP BY users.id HAVING running > 0 ORDER BY running DESC, waiting DESC, users.name LIMIT ?`,
  ),
  storedJobBytes: db.prepare(`SELECT COALESCE(SUM(bytes), 0) AS n FROM jobs WHERE ${STORED}`),
  registryImages: db.prepare("SELECT COUNT(*) AS images, COALESCE(SUM(image_size), 0) AS bytes FROM versions WHERE state = 'ready' AND image_digest IS NOT NULL"),
});

export class AdminStats {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  /** The last jobs that ended in error or timeout, newest first. */
  failedJobs(limit: number): FailedJobRow[] {
    return this.sql.failedJobs.all(limit) as FailedJobRow[];
  }

  /** The last builds that failed, newest first (a failed label pushed again is no longer one). */
  failedBuilds(limit: number): FailedBuildRow[] {
    return this.sql.failedBuilds.all(limit) as FailedBuildRow[];
  }

  /** The users with the most jobs running now, with their waiting ones. */
  busiest(limit: number): RunningUse[] {
    return this.sql.busiest.all(limit) as RunningUse[];
  }

  /** What every job folder still on disk takes (as users' storage counts it). */
  storedJobBytes(): number {
    return (this.sql.storedJobBytes.get() as { n: number }).n;
  }

  /** The ready versions' images in the registry: how many, and their unpacked size. */
  registryImages(): { images: number; bytes: number } {
    return this.sql.registryImages.get() as { images: number; bytes: number };
  }
}
