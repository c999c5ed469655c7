// The renderer's server entry (see adapter.mjs): renders one of the site's on-demand routes
// (src/pages/rerender/) to its HTML.
import { App } from 'astro/app';

export function createExports(manifest) {
  const app = new App(manifest);
  return {
    /** The HTML of the page at `path`, or null when it has none (an app not in the catalog). */
    async render(path) {
      const request = new Request(new URL(path, 'http://allgo.invalid'));
      const routeData = app.match(request);
      if (!routeData) throw new Error(`the renderer has no route for ${path}`);
      const response = await app.render(request, { routeData });
      return response.status === 200 ? response.text() : null;
    },
  };
}
