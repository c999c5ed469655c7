// Benchmark: the result cache. The trivial job (`probe write out.txt hi`) of an app with
// `cache: true`, end to end (submit → done over its events → output downloaded), served from
// the cache against the same job run for real (job[no_cache]=1), alternated. Target: a cached
// hit under 20 ms at p50.
// Run: npm run bench:cache [-- --jobs 40]
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixtureRepo } from '../support/git.js';
import { startAllgo, publish, benchName } from './lib/allgo.js';
import { removeAppImages } from '../support/images.js';
import { allgoJob } from './lib/jobs.js';
import { percentile, report, round, settle, load1 } from './lib/measure.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '40' } } });
const JOBS = Math.max(20, Number(values.jobs));
const TARGET_MS = 20;

async function main(): Promise<void> {
  const app = benchName('bench-cache');
  const allgo = await startAllgo();
  try {
    await publish(allgo, fixtureRepo('probe', (dir) => appendFileSync(join(dir, 'allgo.yaml'), 'cache: true\n')), app, '1.0');
    const quiet = await settle(allgo.pid);
    const load = load1();
    // The first run is the one the cache serves; a few hits warm the server's paths.
    await allgoJob(allgo, app, { 'job[no_cache]': '1' });
    for (let i = 0; i < 3; i++) await allgoJob(allgo, app);
    const times = { cached: [] as number[], real: [] as number[] };
    for (let i = 0; i < JOBS; i++) {
      times.real.push(await allgoJob(allgo, app, { 'job[no_cache]': '1' }));
      times.cached.push(await allgoJob(allgo, app));
    }
    const stats = (t: number[]) => ({ p50_ms: round(percentile(t, 50)), p95_ms: round(percentile(t, 95)), min_ms: round(Math.min(...t)), max_ms: round(Math.max(...t)) });
    const c = stats(times.cached);
    const r = stats(times.real);
    const ratio = round(r.p50_ms / c.p50_ms, 1);
    console.log(`result cache over ${JOBS} jobs each (load before: ${load}${quiet ? '' : ', machine not quiet'})`);
    console.log(`  cached hit p50 ${c.p50_ms} ms  p95 ${c.p95_ms} ms  (min ${c.min_ms}, max ${c.max_ms})  target < ${TARGET_MS} ms at p50`);
    console.log(`  real run   p50 ${r.p50_ms} ms  p95 ${r.p95_ms} ms  (min ${r.min_ms}, max ${r.max_ms})`);
    console.log(`  ratio      a real run takes ${ratio}× a cached hit at p50`);
    report({ bench: 'result-cache', jobs: JOBS, cached: c, real: r, ratio_p50: ratio, target_met: c.p50_ms < TARGET_MS, quiet_before: quiet, load1_before: load });
  } finally {
    await allgo.stop();
    removeAppImages([app]);
  }
}

await main();
