// Run by the server (server/site/incremental.ts, build-site.ts) in a child process of its own,
// so each run reads its catalog afresh: renders the pages named on stdin with the renderer a
// full build left, and writes them into a build folder; with `catalog`, keeps the catalog's
// cards and writes the catalog page from them (catalog-page.mjs).
//   node render-pages.mjs RENDERER_DIR OUT_DIR < {"pages":[{"route":"/rerender/app?name=x","file":"apps/x/index.html"}],
//     "catalog":{"order":["x","y"],"changed":["x"],"from":"/old/.cards.json","cards":"/new/.cards.json","page":"index.html"}}
// The catalog comes from ALLGO_SITE_DATA, as in a full build. Prints the files written, as JSON.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { text } from 'node:stream/consumers';
import { buildCards, catalogPage } from './catalog-page.mjs';

const [rendererDir, outDir] = process.argv.slice(2);
const { pages, catalog } = JSON.parse(await text(process.stdin));
const { render } = await import(pathToFileURL(join(rendererDir, 'entry.mjs')).href);
const written = [];
const put = async (file, html) => {
  const path = join(outDir, file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, html);
  written.push(file);
};
for (const page of pages) {
  const html = await render(page.route);
  if (html === null) throw new Error(`the renderer found no page at ${page.route}`);
  await put(page.file, html);
}
if (catalog) {
  const cards = await buildCards(render, catalog);
  if (catalog.page) await put(catalog.page, await catalogPage(render, cards));
}
process.stdout.write(JSON.stringify({ written }));
