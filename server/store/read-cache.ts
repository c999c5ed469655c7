// Records read on every request and seldom written (a caller's user, a finished job), kept in
// memory so that polling does not query the store each time. An entry stays true as long as
// nobody wrote it: the store object that owns a cache forgets an entry it writes, and any
// commit by another connection (`allgo user add` beside the server, a test) empties the cache
// (see other-commits.ts).
import type { OtherCommits } from './other-commits.js';

export class ReadCache<K, V extends object> {
  private readonly entries = new Map<K, Readonly<V>>();
  private seen: number;

  constructor(
    private readonly commits: OtherCommits,
    private readonly max: number,
  ) {
    this.seen = commits.current();
  }

  /**
   * The entry for `key`, else what `read` gives, kept when `keep` says so. Never a miss: a
   * record added meanwhile is found. Entries are frozen, as every caller shares them.
   */
  get(key: K, read: () => V | null, keep: (v: V) => boolean = () => true): V | null {
    const version = this.commits.current();
    if (version !== this.seen) {
      this.entries.clear();
      this.seen = version;
    }
    const kept = this.entries.get(key);
    if (kept) return kept as V;
    const fresh = read();
    if (!fresh || !keep(fresh)) return fresh;
    // The oldest goes first: enough for what is polled (recent jobs, active users).
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, Object.freeze(fresh));
    return fresh;
  }

  forget(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
