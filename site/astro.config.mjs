// The catalog is a static site: every page is prerendered from the JSON document the
// server exports (ALLGO_SITE_DATA). The server chooses the output folder (ALLGO_SITE_OUT)
// and swaps it in when the build has finished. The same build leaves a renderer of the pages
// (ALLGO_SITE_RENDERER, see render/adapter.mjs); ALLGO_SITE_WORK holds the rest for the incremental rebuilds that follow.
import { join } from 'node:path';
import { defineConfig, passthroughImageService } from 'astro/config';
import renderAdapter from './render/adapter.mjs';

const cache = process.env.ALLGO_SITE_CACHE;
const out = process.env.ALLGO_SITE_OUT;
const renderer = process.env.ALLGO_SITE_RENDERER;

export default defineConfig({
  output: 'static',
  adapter: renderAdapter(),
  // With an adapter, the pages go to build.client and the renderer to build.server; outDir
  // itself keeps only Astro's leftovers.
  outDir: process.env.ALLGO_SITE_WORK || './dist',
  // Vite's and Astro's caches go with the build, so concurrent builds never share one.
  cacheDir: cache || './node_modules/.astro',
  build: {
    format: 'directory',
    inlineStylesheets: 'never',
    ...(out ? { client: `${out}/` } : {}),
    ...(renderer ? { server: `${renderer}/` } : {}),
  },
  trailingSlash: 'ignore',
  image: { service: passthroughImageService() },
  devToolbar: { enabled: false },
  prefetch: false,
  vite: { logLevel: 'warn', cacheDir: cache ? join(cache, 'vite') : undefined, build: { chunkSizeWarningLimit: 200 } },
});
