// A renderer of the site's pages kept beside each full build, so that one app's (re)publishing
// re-renders only its page and the catalog (server/site/incremental.ts) instead of running
// `astro build` again. Astro builds it as an adapter's server bundle in the same build as the
// static pages, so the pages it renders link the same client scripts and stylesheets.
import { fileURLToPath } from 'node:url';

export default function renderAdapter() {
  return {
    name: 'allgo-renderer',
    hooks: {
      'astro:config:done': ({ setAdapter }) => {
        setAdapter({
          name: 'allgo-renderer',
          serverEntrypoint: fileURLToPath(new URL('./entry.mjs', import.meta.url)),
          exports: ['render'],
          supportedAstroFeatures: { staticOutput: 'stable', hybridOutput: 'stable', serverOutput: 'stable' },
        });
      },
    },
  };
}
