// Benchmark 1, job overhead: a trivial job (`probe write out.txt hi`) end to end through allgo
// (submit → done → output downloaded) against `docker run --rm` of the same image, command,
// box and bind mount, then reading the file. Jobs run one at a time, the two kinds alternated so
// both see the same machine. Target: allgo ≤ 1.3× plain at p50.
// Run: npm run bench:overhead [-- --jobs 40]
import { parseArgs } from 'node:util';
import { startAllgo, probeRepo, publish, benchName } from './lib/allgo.js';
import { removeAppImages, appImageId } from '../support/images.js';
import { allgoJob, plainJob } from './lib/jobs.js';
import { percentile, report, round, settle, load1 } from './lib/measure.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '40' }, warmup: { type: 'string', default: '3' } } });
const JOBS = Math.max(30, Number(values.jobs));
const WARMUP = Number(values.warmup);
const DEADLINE_MS = 20 * 60_000;

async function main(): Promise<void> {
  const app = benchName('bench-overhead');
  const allgo = await startAllgo();
  try {
    await publish(allgo, probeRepo(), app, '1.0');
    const image = appImageId(app, '1.0');
    const quiet = await settle(allgo.pid);
    const load = load1();
    for (let i = 0; i < WARMUP; i++) {
      await allgoJob(allgo, app);
      await plainJob(image, 'overhead');
    }
    const t0 = Date.now();
    const times = { allgo: [] as number[], plain: [] as number[] };
    for (let i = 0; i < JOBS && Date.now() - t0 < DEADLINE_MS; i++) {
      // Alternate which goes first, so neither always follows the other's cleanup.
      if (i % 2 === 0) {
        times.allgo.push(await allgoJob(allgo, app));
        times.plain.push(await plainJob(image, 'overhead'));
      } else {
        times.plain.push(await plainJob(image, 'overhead'));
        times.allgo.push(await allgoJob(allgo, app));
      }
    }
    const stats = (t: number[]) => ({ p50_ms: round(percentile(t, 50)), p95_ms: round(percentile(t, 95)), min_ms: round(Math.min(...t)), max_ms: round(Math.max(...t)) });
    const a = stats(times.allgo);
    const p = stats(times.plain);
    const ratioP50 = round(a.p50_ms / p.p50_ms, 2);
    const ratioP95 = round(a.p95_ms / p.p95_ms, 2);
    console.log(`job overhead over ${times.allgo.length} jobs each (load before: ${load}${quiet ? '' : ', machine not quiet'})`);
    console.log(`  allgo  p50 ${a.p50_ms} ms  p95 ${a.p95_ms} ms  (min ${a.min_ms}, max ${a.max_ms})`);
    console.log(`  docker p50 ${p.p50_ms} ms  p95 ${p.p95_ms} ms  (min ${p.min_ms}, max ${p.max_ms})`);
    console.log(`  ratio  p50 ${ratioP50}×  p95 ${ratioP95}×  (target ≤ 1.3× at p50)`);
    report({ bench: 'overhead', jobs: times.allgo.length, allgo: a, plain: p, ratio_p50: ratioP50, ratio_p95: ratioP95, target_met: ratioP50 <= 1.3, quiet_before: quiet, load1_before: load, allgo_ms: times.allgo.map((t) => round(t)), plain_ms: times.plain.map((t) => round(t)) });
  } finally {
    await allgo.stop();
    removeAppImages([app]);
  }
}

await main();
