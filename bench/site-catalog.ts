// Benchmark: the catalog of a large instance. Seeds a store with 1,000 public apps (and some
// private ones), rebuilds the site as the server does, then serves it and measures what a
// browser transfers for the catalog page. Targets: rebuild < 20 s on two cores, catalog page
// JS+CSS < 100 KB. Then the cost of one app re-published (a new version and description), in
// a catalog of 10,000 apps against one of 100, in the same run: the incremental rebuild, after
// a full one. Targets: within 2×, and under 3 s for 10,000 apps.
// Run: npm run bench:site [-- --apps 1000 --small 100 --large 10000].
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { pino } from 'pino';
import { openStore, type Store } from '../server/store/index.js';
import { loadConfig } from '../common/config.js';
import { buildSite } from '../server/site/build-site.js';
import { CatalogMirror } from '../server/site/catalog-mirror.js';
import { siteRoutes } from '../server/site/serve.js';
import { publishApp } from '../support/seed-store.js';

const { values } = parseArgs({ options: { apps: { type: 'string', default: '1000' }, small: { type: 'string', default: '100' }, large: { type: 'string', default: '10000' } } });
const N = Number(values.apps);
/** Re-publishes timed in each catalog; the median counts. */
const REPUBLISHES = 3;
const TAGS = ['audio', 'speech', 'image', 'video', 'genomics', 'text', 'nlp', 'segmentation', 'graphs', 'physics', 'chemistry', 'statistics', 'geo', 'music', 'ocr'];
const WORDS = 'detects segments classifies aligns counts measures extracts converts music speech audio images sequences proteins text graphs signals files results quickly accurately robustly'.split(' ');

function description(i: number): string {
  const words = Array.from({ length: 40 + (i % 60) }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]).join(' ');
  return `# App ${i}\n\nThis app ${words}.\n\n## Usage\n\nUpload a file and pass \`--mode fast\` or \`--mode exact\`.\n\n- input: one or more files\n- output: a CSV per input\n\nSee [the paper](https://example.org/paper/${i}).\n`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'allgo-bench-site-'));
  const log = pino({ level: 'warn' });
  try {
    const store = openStore(join(dataDir, 'allgo.db'));
    const config = loadConfig({ ALLGO_DATA_DIR: dataDir, ALLGO_PUBLIC_URL: 'https://allgo.example.org' });
    let seeded = Date.now();
    seedCatalog(store, N);
    seeded = Date.now() - seeded;

    const first = await buildSite({ store, config, log }, { force: true });
    if (first.mode !== 'full') throw new Error(`a forced build was ${first.mode}`);
    const second = await buildSite({ store, config, log }, { force: true });

    const app = Fastify();
    await app.register(async (scope) => siteRoutes(scope, { dataDir, enabled: true }));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const page = await transfer(base, '/');
    const assets = await catalogAssets(base, page.text);
    await app.close();
    store.close();
    const small = await republishCost(Number(values.small));
    const large = await republishCost(Number(values.large));
    const ratio = Math.round((large.republish_ms / small.republish_ms) * 100) / 100;
    const cpuRatio = Math.round((large.republish_cpu_ms / small.republish_cpu_ms) * 100) / 100;

    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    const jsCss = assets.reduce((n, a) => n + a.transferred, 0) + page.inlineJsCss.transferred;
    const jsCssRaw = assets.reduce((n, a) => n + a.raw, 0) + page.inlineJsCss.raw;
    const report = {
      bench: 'site-catalog',
      apps: first.apps,
      cores: cpus().length,
      seed_ms: seeded,
      rebuild_ms: first.ms,
      rebuild_again_ms: second.ms,
      catalog_html_bytes: page.raw,
      catalog_html_transferred_bytes: page.transferred,
      catalog_js_css_bytes: jsCssRaw,
      catalog_js_css_transferred_bytes: jsCss,
      catalog_assets: assets.map((a) => a.path),
      republish: { small, large, ratio, cpu_ratio: cpuRatio },
    };
    console.log(`catalog of ${first.apps} apps on ${report.cores} cores (seeded in ${seeded} ms)`);
    console.log(`  rebuild: ${(first.ms / 1000).toFixed(1)} s, again: ${(second.ms / 1000).toFixed(1)} s (target < 20 s on two cores)`);
    console.log(`  catalog page HTML: ${kb(page.raw)}, transferred ${kb(page.transferred)} (${page.encoding ?? 'identity'})`);
    console.log(`  catalog page JS+CSS: ${kb(jsCssRaw)}, transferred ${kb(jsCss)} in ${assets.length} files + inline (target < 100 KB)`);
    for (const r of [small, large]) console.log(`  one app re-published among ${r.apps}: ${r.republish_ms} ms, ${r.republish_cpu_ms} ms of CPU (medians of ${REPUBLISHES}; full rebuild ${(r.full_ms / 1000).toFixed(1)} s)`);
    console.log(`  ratio ${ratio}×, of CPU ${cpuRatio}× (target ≤ 2×, and < 3 s for ${large.apps} apps)`);
    console.log(JSON.stringify(report));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function seedCatalog(store: Store, n: number): void {
  const owners = Array.from({ length: 20 }, (_, i) => store.users.create({ name: `provider${i}`, email: `p${i}@example.org` }).user);
  store.db.transaction(() => {
    for (let i = 0; i < n; i++) {
      publishApp(store, {
        name: appName(i),
        owner: owners[i % owners.length],
        manifest: {
          title: `App number ${i}`,
          tags: [TAGS[i % TAGS.length], TAGS[(i * 3 + 1) % TAGS.length]].filter((t, k, a) => a.indexOf(t) === k),
          presets: [{ name: 'Fast', params: '--mode fast' }, { name: 'Exact', params: '--mode exact' }],
          contact: `p${i % owners.length}@example.org`,
        },
        description: description(i),
        versions: i % 3 === 0 ? ['1.0', '1.1', '2.0'] : ['1.0'],
        failed: i % 10 === 0 ? ['9.9'] : [],
      });
    }
    for (let i = 0; i < 50; i++) publishApp(store, { name: `private-${i}`, owner: owners[0], manifest: { private: true } });
  })();
}

const appName = (i: number) => `app-${String(i).padStart(5, '0')}`;

/** A catalog of `n` apps built in full, then one app re-published `REPUBLISHES` times, each rebuilt as the server does. */
async function republishCost(n: number): Promise<{ apps: number; full_ms: number; republish_ms: number; republish_runs_ms: number[]; republish_cpu_ms: number; pages: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'allgo-bench-republish-'));
  const log = pino({ level: 'warn' });
  try {
    const store = openStore(join(dataDir, 'allgo.db'));
    const config = loadConfig({ ALLGO_DATA_DIR: dataDir, ALLGO_PUBLIC_URL: 'https://allgo.example.org' });
    seedCatalog(store, n);
    // Kept across the rebuilds, as the server keeps it: each re-publish exports only the app that changed.
    const catalog = new CatalogMirror();
    const full = await buildSite({ store, config, log, catalog });
    const runs: number[] = [];
    const cpu: number[] = [];
    let pages = 0;
    for (let round = 1; round <= REPUBLISHES; round++) {
      const i = (round * 37) % n;
      const owner = store.users.byName(`provider${i % 20}`)!;
      publishApp(store, { name: appName(i), owner, manifest: { title: `App number ${i}, revised ${round}` }, description: `${description(i)}\nRevised (${round}).\n`, versions: [`3.${round}`] });
      // Wall time of the whole call: it includes removing the build before last, which the server waits for too.
      const t0 = Date.now();
      const c0 = cpuMs();
      const r = await buildSite({ store, config, log, catalog });
      runs.push(Date.now() - t0);
      cpu.push(Math.round(cpuMs() - c0));
      if (r.mode !== 'incremental') throw new Error(`re-publishing one app made a ${r.mode} rebuild`);
      pages = r.pages;
    }
    store.close();
    return { apps: full.apps, full_ms: full.ms, republish_ms: median(runs), republish_runs_ms: runs, republish_cpu_ms: median(cpu), pages };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * CPU time of this process and of its children that have ended (the renderer, cp), in ms: on a
 * machine that others load, it says what a rebuild costs where wall time says how long it waited.
 */
function cpuMs(): number {
  const own = process.cpuUsage();
  // /proc/self/stat: fields 16 and 17 are cutime and cstime, in clock ticks (100 a second on Linux).
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const children = (Number(fields[13]) + Number(fields[14])) * 10;
  return (own.user + own.system) / 1000 + children;
}

interface Transfer {
  path: string;
  text: string;
  raw: number;
  transferred: number;
  encoding: string | null;
}

/** Fetches a path as a browser would (br/gzip accepted) and counts bytes on the wire and decoded. */
async function transfer(base: string, path: string): Promise<Transfer & { inlineJsCss: { raw: number; transferred: number } }> {
  const res = await fetch(base + path, { headers: { 'accept-encoding': 'br, gzip' } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  const wire = Number(res.headers.get('content-length') ?? 0);
  const text = await res.text();
  const raw = Buffer.byteLength(text);
  // Inline <style> and <script> travel inside the HTML: count them as JS+CSS at the page's compression ratio.
  const inline = [...text.matchAll(/<(style|script)\b[^>]*>([\s\S]*?)<\/\1>/g)].reduce((n, m) => n + Buffer.byteLength(m[2]), 0);
  const ratio = wire && raw ? wire / raw : 1;
  return { path, text, raw, transferred: wire || raw, encoding: res.headers.get('content-encoding'), inlineJsCss: { raw: inline, transferred: Math.round(inline * ratio) } };
}

/** The page's external scripts and stylesheets, and every module they import. */
async function catalogAssets(base: string, html: string): Promise<Transfer[]> {
  const queue = [...html.matchAll(/<script[^>]+src="([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  const seen = new Map<string, Transfer>();
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    const t = await transfer(base, path);
    seen.set(path, t);
    for (const m of t.text.matchAll(/(?:import|from)\s*["'](\.{1,2}\/[^"']+)["']/g)) queue.push(new URL(m[1], base + path).pathname);
  }
  return [...seen.values()];
}

await main();
