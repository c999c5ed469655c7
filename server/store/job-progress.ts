// A running job's latest progress, as its program reports it and its runner relays it. Kept
// beside the jobs table: it changes often while a job runs and means nothing once it ends.
import type { Db } from './db.js';

export interface JobProgress {
  percent: number;
  stage: string | null;
  at: string;
}

const statements = (db: Db) => ({
  // Only a change is written, so a runner reporting the same progress again costs no event.
  set: db.prepare(
    `INSERT INTO job_progress (job_id, percent, stage, at) VALUES (?, ?, ?, ?)
     ON CONFLICT (job_id) DO UPDATE SET percent = excluded.percent, stage = excluded.stage, at = excluded.at
     WHERE job_progress.percent IS NOT excluded.percent OR job_progress.stage IS NOT excluded.stage`,
  ),
  get: db.prepare('SELECT percent, stage, at FROM job_progress WHERE job_id = ?'),
});

export class JobProgressStore {
  private readonly sql: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.sql = statements(db);
  }

  /** Whether it changed. */
  set(jobId: number, p: JobProgress): boolean {
    return this.sql.set.run(jobId, p.percent, p.stage, p.at).changes === 1;
  }

  get(jobId: number): JobProgress | null {
    return (this.sql.get.get(jobId) as JobProgress | undefined) ?? null;
  }
}
