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
    : { generated_at: new Date().toISOString(), public_url: null, default_queue: 'standard', queues: [], listing: { apps: 0, tags: [] }, apps: [] };
  return cached;
}
