// Whether another connection to the store's file has committed (`allgo user add` beside the
// server): SQLite's data_version tells, at the price of a read transaction's file locks, which
// showed in the cost of every polled GET. So it is asked at most every RECHECK_MS: a commit by
// another process is seen by every request that arrives that long after it, less than the
// time the command that committed takes to exit and the next one to start.
import type { Db } from './db.js';

const RECHECK_MS = 5;

export class OtherCommits {
  private readonly dataVersion;
  private version: number;
  private askedAt = performance.now();

  constructor(db: Db) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.version = this.dataVersion.get() as number;
  }

  /** A number that changes once another connection has committed (seen within RECHECK_MS). */
  current(): number {
    const at = performance.now();
    if (at - this.askedAt >= RECHECK_MS) {
      this.askedAt = at;
      this.version = this.dataVersion.get() as number;
    }
    return this.version;
  }
}
