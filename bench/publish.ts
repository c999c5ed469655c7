// Benchmark 4, publish: time from the start of `git push` to the version being `ready` (seen
// through the API), minus the time of `docker build` of the same context (`git archive` of the
// pushed commit, which is what the builder sends) with a warm cache. Each round pushes a new
// version label of the probe app; the machine is let settle (the catalog rebuild after each
// publish) before each measurement. Target: under 1 s of platform overhead.
// Run: npm run bench:publish [-- --rounds 5]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startAllgo, probeRepo, publish, removeImages, benchName, bumpVersion } from './lib/allgo.js';
import { removeAppImages } from '../support/images.js';
import { run } from './lib/jobs.js';
import { load1, percentile, report, round, settle } from './lib/measure.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const ROUNDS = Math.min(Math.max(1, Number(values.rounds)), 50);

/** `git archive HEAD | docker build -t tag -` with the classic builder, as the builder's API call uses. */
async function plainBuild(dir: string, tag: string): Promise<number> {
  const t0 = performance.now();
  const archive = spawn('git', ['-C', dir, 'archive', '--format=tar', 'HEAD'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await run('docker', ['build', '-q', '-t', tag, '-'], { input: archive.stdout, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const app = benchName('bench-publish');
  const plainRepo = `allgo-bench-plain/${app}`;
  const allgo = await startAllgo();
  const dir = probeRepo();
  try {
    // Warm-up, not measured: the app's first push creates it; the plain build warms the cache.
    await publish(allgo, dir, app, '1.0');
    await plainBuild(dir, `${plainRepo}:warm`);
    const loadBefore = load1();
    const rounds: { ready_ms: number; push_ms: number; docker_build_ms: number; quiet: boolean }[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const version = `1.${i}`;
      bumpVersion(dir, version);
      const quietA = await settle(allgo.pid);
      const { readyMs, pushMs } = await publish(allgo, dir, app, version);
      const quietB = await settle(allgo.pid);
      const buildMs = await plainBuild(dir, `${plainRepo}:${version}`);
      rounds.push({ ready_ms: round(readyMs), push_ms: round(pushMs), docker_build_ms: round(buildMs), quiet: quietA && quietB });
      console.log(`  round ${i}: push → ready ${round(readyMs)} ms (push returned at ${round(pushMs)} ms), docker build ${round(buildMs)} ms`);
    }
    const ready = percentile(rounds.map((r) => r.ready_ms), 50);
    const build = percentile(rounds.map((r) => r.docker_build_ms), 50);
    const overheads = rounds.map((r) => r.ready_ms - r.docker_build_ms);
    const overhead = percentile(overheads, 50);
    console.log(`publish over ${ROUNDS} rounds (median): push → ready ${round(ready)} ms, docker build ${round(build)} ms, overhead ${round(overhead)} ms (target < 1000 ms)`);
    report({
      bench: 'publish',
      rounds: ROUNDS,
      ready_ms_p50: round(ready),
      docker_build_ms_p50: round(build),
      overhead_ms_p50: round(overhead),
      overhead_ms_max: round(Math.max(...overheads)),
      target_met: overhead < 1000,
      load1_before: loadBefore,
      per_round: rounds,
    });
  } finally {
    await allgo.stop();
    removeAppImages([app]);
    removeImages([plainRepo]);
  }
}

await main();
