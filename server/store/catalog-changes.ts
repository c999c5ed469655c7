// The apps whose catalog entry may have changed, in the order the writes came (the triggers of
// the catalog_changes step, store/db.ts): read by the catalog's rebuilds, pruned once read.
import type { Db } from './db.js';

export interface CatalogChangesSince {
  /** The last change read: the next read starts after it. */
  seq: number;
  /** The apps changed since, each once. */
  appIds: number[];
}

export class CatalogChanges {
  private readonly sql;

  constructor(db: Db) {
    this.sql = {
      last: db.prepare('SELECT coalesce(max(seq), 0) FROM catalog_changes').pluck(),
      since: db.prepare('SELECT DISTINCT app_id FROM catalog_changes WHERE seq > ? AND seq <= ?').pluck(),
      prune: db.prepare('DELETE FROM catalog_changes WHERE seq <= ?'),
    };
  }

  /** The last change so far: what a full export of the catalog now includes. */
  last(): number {
    return this.sql.last.get() as number;
  }

  since(seq: number): CatalogChangesSince {
    const last = this.last();
    return { seq: last, appIds: last > seq ? (this.sql.since.all(seq, last) as number[]) : [] };
  }

  /** Forgets the changes up to `seq`, read already. */
  prune(seq: number): void {
    this.sql.prune.run(seq);
  }
}
