// Whether another connection to the store's file has committed (`allgo user add` beside the
// server): SQLite's data_version tells, at the price of a read transaction's file locks, which
// showed in the cost of every polled GET. So it is asked at most once a millisecond: a commit by
// another process is seen by every request that arrives a millisecond after it, sooner than
// that process can even exit.
import type { Db } from './db.js';

const RECHECK_MS = 1;

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
