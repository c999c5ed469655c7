// The catalog document the server exported (schemas/site-export.schema.json). Read once per
// build; without ALLGO_SITE_DATA (a developer running `astro dev`) the catalog is empty.
import { readFileSync } from 'node:fs';
import type { SiteExport } from '../../../schemas/types.ts';

export type Catalog = SiteExport;
export type CatalogApp = SiteExport['apps'][number];
export type Queue = SiteExport['queues'][number];

let cached: Catalog | null = null;

export function catalog(): Catalog {
  if (cached) return cached;
  const file = process.env.ALLGO_SITE_DATA;
  cached = file
    ? (JSON.parse(readFileSync(file, 'utf8')) as Catalog)
    : { generated_at: new Date().toISOString(), public_url: null, default_queue: 'standard', queues: [], apps: [] };
  return cached;
}

/** Every tag with how many apps carry it, most used first. */
export function tagCounts(apps: readonly CatalogApp[]): [tag: string, count: number][] {
  const counts = new Map<string, number>();
  for (const a of apps) for (const t of a.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
