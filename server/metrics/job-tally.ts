// Every finished job, summed: how many by app, queue and result, and how long they waited and
// ran, by queue. A finished job never changes, so the jobs below the oldest unfinished one are
// summed once and kept (`settled`); a read sums only the jobs after them. The cost of a scrape
// follows the jobs finished since the oldest unfinished one was submitted, not the store's size.
import type { JobStats, FinishedJobRow } from '../store/job-stats.js';
import { BucketCounts } from './counted-histogram.js';

/** Seconds: from an interactive job's second to a batch job's day. */
const TIME_BUCKETS = [1, 5, 15, 60, 300, 1200, 3600, 4 * 3600, 24 * 3600] as const;

export class Tally {
  /** `app\tqueue\tresult` → jobs. */
  readonly jobs = new Map<string, number>();
  readonly waited = new Map<string, BucketCounts>();
  readonly ran = new Map<string, BucketCounts>();

  add(r: FinishedJobRow): void {
    const key = `${r.app}\t${r.queue}\t${r.result}`;
    this.jobs.set(key, (this.jobs.get(key) ?? 0) + 1);
    if (r.waited !== null) bucket(this.waited, r.queue).observe(Math.max(0, r.waited));
    if (r.ran !== null) bucket(this.ran, r.queue).observe(Math.max(0, r.ran));
  }

  plus(other: Tally): Tally {
    const sum = new Tally();
    for (const t of [this, other]) {
      for (const [k, n] of t.jobs) sum.jobs.set(k, (sum.jobs.get(k) ?? 0) + n);
      for (const [q, h] of t.waited) bucket(sum.waited, q).add(h);
      for (const [q, h] of t.ran) bucket(sum.ran, q).add(h);
    }
    return sum;
  }
}

function bucket(map: Map<string, BucketCounts>, queue: string): BucketCounts {
  let h = map.get(queue);
  if (!h) map.set(queue, (h = new BucketCounts(TIME_BUCKETS)));
  return h;
}

export class FinishedJobs {
  private readonly settled = new Tally();
  private settledUpTo = 0;

  constructor(private readonly stats: JobStats) {}

  read(): Tally {
    const upTo = this.stats.settledUpTo();
    if (upTo > this.settledUpTo) {
      for (const r of this.stats.finishedBetween(this.settledUpTo, upTo)) this.settled.add(r);
      this.settledUpTo = upTo;
    }
    const recent = new Tally();
    for (const r of this.stats.finishedBetween(this.settledUpTo, Number.MAX_SAFE_INTEGER)) recent.add(r);
    return this.settled.plus(recent);
  }
}
