// The catalog is a static site: every page is prerendered from the JSON document the
// server exports (ALLGO_SITE_DATA). The server chooses the output folder (ALLGO_SITE_OUT)
// and swaps it in when the build has finished.
import { join } from 'node:path';
import { defineConfig, passthroughImageService } from 'astro/config';

const cache = process.env.ALLGO_SITE_CACHE;

export default defineConfig({
  output: 'static',
  outDir: process.env.ALLGO_SITE_OUT || './dist',
  // Vite's and Astro's caches go with the build, so concurrent builds never share one.
  cacheDir: cache || './node_modules/.astro',
  build: { format: 'directory', inlineStylesheets: 'never' },
  trailingSlash: 'ignore',
  image: { service: passthroughImageService() },
  devToolbar: { enabled: false },
  prefetch: false,
  vite: { logLevel: 'warn', cacheDir: cache ? join(cache, 'vite') : undefined, build: { chunkSizeWarningLimit: 200 } },
});
