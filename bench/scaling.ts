// Scaling out: 60 jobs of `sleep 1` submitted at once to a server with one runner host (two
// slots), then to the same server with two runner hosts (two slots each). Runner hosts are
// `allgo runner` processes with data dirs of their own, staging every job over HTTP; on this
// machine they share its Docker engine. Target: two hosts ≥ 1.8× the rate of one.
// Run: npm run bench:scaling [-- --jobs 60]
import { parseArgs } from 'node:util';
import { probeRepo, publish, removeImages, benchName } from './lib/allgo.js';
import { startFleet } from './lib/fleet.js';
import { submit } from './lib/jobs.js';
import { waitAll } from './lib/workload.js';
import { load1, report, round, settle } from './lib/measure.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '60' } } });
const JOBS = Math.max(4, Number(values.jobs));

async function main(): Promise<void> {
  const app = benchName('bench-scaling');
  const fleet = await startFleet('runner: {concurrency: 2}\n');
  try {
    await publish(fleet, probeRepo(), app, '1.0');
    const round_ = async (hosts: number): Promise<{ seconds: number; rate: number; load: number; quiet: boolean }> => {
      const quiet = await settle(fleet.pid);
      const load = load1();
      const t0 = performance.now();
      const ids: number[] = [];
      for (let i = 0; i < JOBS; i++) ids.push(await submit(fleet, app, 'sleep 1'));
      const results = await waitAll(fleet, ids, t0);
      const ms = performance.now() - t0;
      const failed = [...results.values()].filter((r) => r !== 'success').length;
      if (failed) throw new Error(`${failed} of ${JOBS} jobs did not succeed with ${hosts} host(s)`);
      console.log(`${hosts} runner host(s), 2 slots each: ${JOBS} jobs of sleep 1 in ${(ms / 1000).toFixed(1)} s (load before ${load})`);
      return { seconds: round(ms / 1000, 2), rate: round(JOBS / (ms / 1000), 2), load, quiet };
    };
    await fleet.addRunner('host-1');
    // Warm-up: the image and the runner's first job.
    await waitAll(fleet, [await submit(fleet, app, 'sleep 1')], performance.now());
    const one = await round_(1);
    await fleet.addRunner('host-2');
    const two = await round_(2);
    const ratio = round(two.rate / one.rate, 2);
    console.log(`  rate: one host ${one.rate} jobs/s, two hosts ${two.rate} jobs/s: ${ratio}× (target ≥ 1.8×)`);
    report({ bench: 'scaling', jobs: JOBS, one_host: one, two_hosts: two, ratio, target_met: ratio >= 1.8, quiet_before: one.quiet && two.quiet, load1_before: one.load });
  } finally {
    await fleet.stop();
    removeImages([`allgo/${app}`]);
  }
}

await main();
