// The catalog as the last export left it, kept by the server between rebuilds: each app's
// entry with its digest. A rebuild brings it up to date by exporting again only the apps named
// in the store's catalog changes since (store/catalog-changes.ts, written by triggers), so one
// re-published app costs one app's export and one digest, not the whole catalog's. Every app
// is exported when the mirror has none yet (the first rebuild after a start) and once an hour
// after: the safety net for a change no trigger saw, for one full export an hour.
import { createHash } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { SiteExport } from '../../schemas/index.js';
import { exportAllApps, exportApps, listingOf, sharedFacts, type CatalogConfig, type ExportedApp, type SharedFacts } from './export.js';

const RESYNC_MS = 60 * 60_000;

export const digestOf = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

export interface CatalogSnapshot {
  shared: SharedFacts;
  /** Every app's name, in the catalog's order. */
  names: readonly string[];
  /** Each app's entry's digest, by name. */
  digests: Readonly<Record<string, string>>;
  /** The whole document: what a full build renders. */
  whole(): SiteExport;
  /** A document of only these apps, with the whole catalog's listing: what re-rendering their pages needs. */
  only(names: readonly string[]): SiteExport;
  /** How many apps this refresh exported from the store, or 'all'. */
  exported: number | 'all';
}

interface Kept {
  appId: number;
  entry: ExportedApp;
  digest: string;
}

export class CatalogMirror {
  private readonly byName = new Map<string, Kept>();
  private readonly nameOf = new Map<number, string>();
  private order: string[] = [];
  /** The last catalog change read; null: nothing exported yet. */
  private seq: number | null = null;
  private exportedAt = 0;

  constructor(private readonly opts: { now?: () => number; resyncMs?: number } = {}) {}

  refresh(store: Store, config: CatalogConfig): CatalogSnapshot {
    const now = (this.opts.now ?? Date.now)();
    let exported: CatalogSnapshot['exported'];
    if (this.seq === null || now - this.exportedAt >= (this.opts.resyncMs ?? RESYNC_MS)) {
      // The last change is read first: one committed during the export is read again next time, never missed.
      const seq = store.catalogChanges.last();
      this.byName.clear();
      this.nameOf.clear();
      for (const { appId, entry } of exportAllApps(store, config)) this.put(appId, entry);
      this.order = [...this.byName.keys()];
      this.seq = seq;
      this.exportedAt = now;
      exported = 'all';
    } else {
      const { seq, appIds } = store.catalogChanges.since(this.seq);
      let moved = false;
      for (const [appId, entry] of exportApps(store, config, appIds)) {
        const old = this.nameOf.get(appId);
        if (old !== undefined && old !== entry?.name) {
          this.byName.delete(old);
          this.nameOf.delete(appId);
          moved = true;
        }
        if (entry) {
          moved ||= !this.byName.has(entry.name);
          this.put(appId, entry);
        }
      }
      // The catalog's order is the store's: by name (SQLite compares the bytes; names are ASCII).
      if (moved) this.order = [...this.byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.seq = seq;
      exported = appIds.length;
    }
    store.catalogChanges.prune(this.seq);
    return this.snapshot(sharedFacts(config), exported);
  }

  private put(appId: number, entry: ExportedApp): void {
    this.byName.set(entry.name, { appId, entry, digest: digestOf(entry) });
    this.nameOf.set(appId, entry.name);
  }

  private snapshot(shared: SharedFacts, exported: CatalogSnapshot['exported']): CatalogSnapshot {
    const order = this.order;
    const kept = new Map(order.map((n) => [n, this.byName.get(n)!.entry]));
    const digests: Record<string, string> = {};
    for (const n of order) digests[n] = this.byName.get(n)!.digest;
    const doc = (apps: ExportedApp[]): SiteExport => ({ generated_at: new Date().toISOString(), ...shared, listing: listingOf(kept.values()), apps });
    return {
      shared,
      names: order,
      digests,
      whole: () => doc([...kept.values()]),
      only: (names) => doc(names.map((n) => kept.get(n)).filter((e): e is ExportedApp => e !== undefined)),
      exported,
    };
  }
}
