// Run by the server (server/site/incremental.ts) in a child process of its own, so each run
// reads its catalog afresh: renders the pages named on stdin with the renderer a full build
// left, and writes them into a build folder.
//   node render-pages.mjs RENDERER_DIR OUT_DIR < {"pages":[{"route":"/rerender/app?name=x","file":"apps/x/index.html"}]}
// The catalog comes from ALLGO_SITE_DATA, as in a full build. Prints the files written, as JSON.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { text } from 'node:stream/consumers';

const [rendererDir, outDir] = process.argv.slice(2);
const { pages } = JSON.parse(await text(process.stdin));
const { render } = await import(pathToFileURL(join(rendererDir, 'entry.mjs')).href);
const written = [];
for (const page of pages) {
  const html = await render(page.route);
  if (html === null) throw new Error(`the renderer found no page at ${page.route}`);
  const file = join(outDir, page.file);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, html);
  written.push(page.file);
}
process.stdout.write(JSON.stringify({ written }));
