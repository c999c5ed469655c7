// The throughput workload, shared by bench/throughput.ts and bench/memory.ts: N trivial jobs
// submitted at once to allgo (runner concurrency 2) against N `docker run --rm`, 2 at a time,
// with allgo's resident memory sampled idle, during the run and after.
import { startAllgo, probeRepo, publish, benchName, type Allgo } from './allgo.js';
import { removeAppImages, appImageId } from '../../support/images.js';
import { inParallel, plainJob, submit } from './jobs.js';
import { load1, report, round, sampler, settle, sleep } from './measure.js';

const DEADLINE_MS = 30 * 60_000;
const POLL_MS = 200;

interface MemoryFigures {
  /** KB; allgo is the `allgo up` process, redis its supervised redis-server. */
  idle: { allgo: number | null; redis: number | null };
  during_peak: { allgo: number; redis: number };
  during_mean: { allgo: number; redis: number };
  after: { allgo: number | null; redis: number | null };
}

export async function throughputRun(jobs: number, opts: { plain: boolean }): Promise<void> {
  const app = benchName('bench-throughput');
  const allgo = await startAllgo('runner: {concurrency: 2}\n');
  try {
    await publish(allgo, probeRepo(), app, '1.0');
    const image = appImageId(app, '1.0');
    let quiet = await settle(allgo.pid);
    const idle = allgo.memory();

    let plainMs: number | null = null;
    if (opts.plain) {
      await plainJob(image, 'throughput');
      const load = load1();
      plainMs = await inParallel(jobs, 2, DEADLINE_MS, () => plainJob(image, 'throughput'));
      console.log(`plain: ${jobs} docker run --rm, 2 at a time: ${(plainMs / 1000).toFixed(1)} s (load before ${load})`);
      quiet = (await settle(allgo.pid)) && quiet;
    }

    const loadBefore = load1();
    const mem = sampler(250, () => allgo.memory());
    const t0 = performance.now();
    const ids: number[] = [];
    for (let i = 0; i < jobs; i++) ids.push(await submit(allgo, app));
    const submitMs = performance.now() - t0;
    const results = await waitAll(allgo, ids, t0);
    const allgoMs = performance.now() - t0;
    const samples = mem.stop();
    const failed = [...results.values()].filter((r) => r !== 'success').length;
    if (failed) throw new Error(`${failed} of ${jobs} jobs did not succeed`);
    await settle(allgo.pid, { maxMs: 30_000 });
    const after = allgo.memory();

    const peak = (k: 'allgo' | 'redis') => Math.max(...samples.map((s) => s[k] ?? 0));
    const mean = (k: 'allgo' | 'redis') => Math.round(samples.reduce((n, s) => n + (s[k] ?? 0), 0) / samples.length);
    const memory: MemoryFigures = { idle, during_peak: { allgo: peak('allgo'), redis: peak('redis') }, during_mean: { allgo: mean('allgo'), redis: mean('redis') }, after };
    const rate = jobs / (allgoMs / 1000);
    const plainRate = plainMs ? jobs / (plainMs / 1000) : null;
    const ratio = plainRate ? round(rate / plainRate, 2) : null;
    const mb = (kb: number | null) => (kb === null ? '?' : `${(kb / 1024).toFixed(0)} MB`);
    console.log(`allgo: ${jobs} jobs, runner concurrency 2: ${(allgoMs / 1000).toFixed(1)} s, submitted in ${(submitMs / 1000).toFixed(1)} s (load before ${loadBefore})`);
    console.log(`  rate: allgo ${rate.toFixed(2)} jobs/s${plainRate ? `, plain ${plainRate.toFixed(2)} jobs/s, ratio ${ratio}× (target ≥ 0.8×)` : ''}`);
    console.log(`  memory (RSS): idle ${mb(idle.allgo)} + redis ${mb(idle.redis)}; during, peak ${mb(memory.during_peak.allgo)} + redis ${mb(memory.during_peak.redis)}; after ${mb(after.allgo)} + redis ${mb(after.redis)}`);
    report({
      bench: opts.plain ? 'throughput' : 'memory',
      jobs,
      allgo_s: round(allgoMs / 1000, 2),
      submit_s: round(submitMs / 1000, 2),
      allgo_jobs_per_s: round(rate, 2),
      ...(plainMs ? { plain_s: round(plainMs / 1000, 2), plain_jobs_per_s: round(plainRate!, 2), ratio, target_met: ratio! >= 0.8 } : {}),
      memory_kb: memory,
      quiet_before: quiet,
      load1_before: loadBefore,
    });
  } finally {
    await allgo.stop();
    removeAppImages([app]);
  }
}

/** Polls the job list (newest first, paginated) until every job is done; returns each result. */
export async function waitAll(allgo: Allgo, ids: number[], t0: number): Promise<Map<number, string>> {
  const want = new Set(ids);
  const results = new Map<number, string>();
  while (results.size < want.size) {
    if (performance.now() - t0 > DEADLINE_MS) throw new Error(`only ${results.size} of ${want.size} jobs done in ${DEADLINE_MS / 60_000} min`);
    let next: string | null = '/api/v1/jobs?limit=100';
    for (let page = 0; next && page < 100; page++) {
      const res = await allgo.api(next);
      const body = (await res.json()) as { jobs: { id: number; state: string; result: string | null }[]; next: string | null };
      for (const j of body.jobs) if (want.has(j.id) && j.state === 'done') results.set(j.id, j.result ?? '?');
      next = body.jobs.some((j) => j.id <= Math.min(...ids)) ? null : body.next;
    }
    if (results.size < want.size) await sleep(POLL_MS);
  }
  return results;
}
