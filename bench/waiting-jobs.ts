// Costs that stay flat, 1: waiting jobs. The server and builder roles only (no runner), so
// submitted jobs stay waiting; the same server measured with 10 jobs waiting, then again with
// 10,000, in the same run: its idle CPU (no request, the background loops only), the p99 of
// `GET /api/v1/jobs/N` of a waiting job under load, and the p99 of a submission (each measured
// submission is cancelled at once, so the backlog keeps its size). Target: each within 1.5×.
// Run: npm run bench:waiting [-- --small 10 --large 10000 --idle-seconds 20]
import { parseArgs } from 'node:util';
import { startFleet, type Fleet } from './lib/fleet.js';
import { probeRepo, publish, benchName } from './lib/allgo.js';
import { removeAppImages } from '../support/images.js';
import { inParallel, submit } from './lib/jobs.js';
import { cpuShare, load1, percentile, report, round, settle, sleep } from './lib/measure.js';
import { load } from './lib/load.js';

const { values } = parseArgs({ options: { small: { type: 'string', default: '10' }, large: { type: 'string', default: '10000' }, 'idle-seconds': { type: 'string', default: '20' } } });
const SMALL = Number(values.small);
const LARGE = Number(values.large);
const IDLE_MS = Number(values['idle-seconds']) * 1000;
const SUBMITS = 100;
const TARGET = 1.5;
/** The server's limit of uploads at once per user (limits.uploads_per_user, default 4). */
const LANES = 4;
const HTTP = { connections: 4, seconds: 8, warmupS: 2 };

interface Figures {
  waiting: number;
  idle_cpu_pct: number;
  redis_idle_cpu_pct: number | null;
  get_req_per_s: number;
  get_p99_ms: number;
  submit_p50_ms: number;
  submit_p99_ms: number;
  load1: number;
}

async function measure(f: Fleet, app: string, probeId: number, waiting: number): Promise<Figures> {
  // Let the submissions' own work (events, outcome syncs) end before idle is measured.
  await sleep(6000);
  const loadNow = load1();
  const [cpu, redisCpu] = await Promise.all([cpuShare(f.pid, IDLE_MS), f.redisPid ? cpuShare(f.redisPid, IDLE_MS) : null]);
  const get = await load(`${f.url}/api/v1/jobs/${probeId}`, { authorization: `Token token=${f.token}` }, HTTP);
  if (get.non2xx || get.errors) throw new Error(`GET of the waiting job: ${get.non2xx} non-2xx, ${get.errors} errors`);
  const submits: number[] = [];
  for (let i = 0; i < SUBMITS; i++) {
    const t0 = performance.now();
    const id = await submit(f, app);
    submits.push(performance.now() - t0);
    const res = await f.api(`/api/v1/jobs/${id}`, { method: 'DELETE' });
    if (!res.ok) throw new Error(`cancel of job ${id}: ${res.status}`);
  }
  const figures: Figures = {
    waiting,
    idle_cpu_pct: round(cpu * 100, 2),
    redis_idle_cpu_pct: redisCpu === null ? null : round(redisCpu * 100, 2),
    get_req_per_s: get.req_per_s,
    get_p99_ms: get.latency_p99_ms,
    submit_p50_ms: round(percentile(submits, 50)),
    submit_p99_ms: round(percentile(submits, 99)),
    load1: loadNow,
  };
  console.log(`${waiting} waiting: idle CPU ${figures.idle_cpu_pct}% of a core (redis ${figures.redis_idle_cpu_pct}%), GET ${figures.get_req_per_s} req/s p99 ${figures.get_p99_ms} ms, submit p50 ${figures.submit_p50_ms} ms p99 ${figures.submit_p99_ms} ms (load ${loadNow})`);
  return figures;
}

/** Submits `count` jobs, LANES at a time. */
async function fill(f: Fleet, app: string, count: number): Promise<number[]> {
  const ids: number[] = [];
  await inParallel(count, LANES, 30 * 60_000, async () => ids.push(await submit(f, app)));
  return ids.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const app = benchName('bench-waiting');
  const fleet = await startFleet('runner: {concurrency: 2}\n');
  try {
    await publish(fleet, probeRepo(), app, '1.0');
    // The catalog's rebuild after the publish runs for seconds: let it end, whatever else the machine does.
    const quiet = await settle(fleet.pid, { busyCores: Infinity });
    const loadBefore = load1();
    const [probeId] = await fill(fleet, app, SMALL);
    const small = await measure(fleet, app, probeId, SMALL);
    const t0 = performance.now();
    await fill(fleet, app, LARGE - SMALL);
    console.log(`submitted ${LARGE - SMALL} more in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const large = await measure(fleet, app, probeId, LARGE);
    // Idle CPU under a tenth of a percent is below what 10 ms ticks tell apart: floor it there.
    const ratio = (k: 'idle_cpu_pct' | 'get_p99_ms' | 'submit_p99_ms', floor: number) => round(Math.max(large[k], floor) / Math.max(small[k], floor), 2);
    const ratios = { idle_cpu: ratio('idle_cpu_pct', 0.1), get_p99: ratio('get_p99_ms', 1), submit_p99: ratio('submit_p99_ms', 1) };
    const met = Object.values(ratios).every((r) => r <= TARGET);
    console.log(`${LARGE} against ${SMALL} waiting: idle CPU ${ratios.idle_cpu}×, GET p99 ${ratios.get_p99}×, submit p99 ${ratios.submit_p99}× (target ≤ ${TARGET}× each: ${met ? 'met' : 'not met'})`);
    report({ bench: 'waiting-jobs', small, large, ratios, target: TARGET, target_met: met, quiet_before: quiet, load1_before: loadBefore });
  } finally {
    await fleet.stop();
    removeAppImages([app]);
  }
}

await main();
