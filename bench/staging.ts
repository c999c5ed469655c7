// Remote staging: a job with a 20 MB input and a 20 MB output (`cat in.bin > out.bin`), end to
// end (submit with the upload → done → output downloaded), run by a runner host (an `allgo
// runner` process with a data dir of its own, which downloads the input from the server and
// uploads the output back over HTTP) against the same job on `allgo up` (its runner in the
// server's process, on the server's host). The two alternate. The runner host's own log gives
// what staging itself took: the input's download, the output's and the log's upload and commit.
// Target: the runner host ≤ +300 ms at p50.
// Run: npm run bench:staging [-- --jobs 15]
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { startAllgo, probeRepo, publish, removeImages, benchName, type Allgo } from './lib/allgo.js';
import { startFleet, runnerTimings } from './lib/fleet.js';
import { waitDone } from './lib/jobs.js';
import { load1, percentile, report, round, settle } from './lib/measure.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '15' }, mb: { type: 'string', default: '20' } } });
const JOBS = Math.max(5, Number(values.jobs));
const SIZE = Number(values.mb) * 1024 * 1024;
const input = randomBytes(SIZE);

/** One job end to end: ms from the submit (its upload included) to the output in hand. */
async function stagedJob(a: Allgo, app: string): Promise<{ ms: number; id: number }> {
  const t0 = performance.now();
  const form = new FormData();
  form.set('job[webapp_id]', app);
  form.set('job[param]', "bash 'cat in.bin > out.bin'");
  form.set('files[0]', new Blob([input]), 'in.bin');
  const res = await a.api('/api/v1/jobs', { method: 'POST', body: form });
  if (!res.ok) throw new Error(`submit: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: number };
  const state = await waitDone(a, id);
  if (state.result !== 'success') throw new Error(`job ${id} ended ${state.result}`);
  const job = (await (await a.api(`/api/v1/jobs/${id}`)).json()) as Record<string, Record<string, string>>;
  const out = Buffer.from(await (await fetch(job[String(id)]['out.bin'])).arrayBuffer());
  const ms = performance.now() - t0;
  if (out.length !== SIZE) throw new Error(`job ${id}'s out.bin has ${out.length} bytes`);
  return { ms, id };
}

async function main(): Promise<void> {
  const app = benchName('bench-staging');
  const local = await startAllgo('runner: {concurrency: 2}\n');
  const fleet = await startFleet('runner: {concurrency: 2}\n');
  try {
    await publish(local, probeRepo(), app, '1.0');
    await publish(fleet, probeRepo(), app, '1.0');
    const runner = await fleet.addRunner('stager');
    const quiet = (await settle(local.pid)) && (await settle(fleet.pid));
    const load = load1();
    await stagedJob(local, app);
    await stagedJob(fleet, app);
    const times = { local: [] as number[], remote: [] as number[] };
    const remoteIds: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      const order = i % 2 === 0 ? (['local', 'remote'] as const) : (['remote', 'local'] as const);
      for (const which of order) {
        const r = await stagedJob(which === 'local' ? local : fleet, app);
        times[which].push(r.ms);
        if (which === 'remote') remoteIds.push(r.id);
      }
    }
    const stats = (t: number[]) => ({ p50_ms: round(percentile(t, 50)), p95_ms: round(percentile(t, 95)), min_ms: round(Math.min(...t)), max_ms: round(Math.max(...t)) });
    const l = stats(times.local);
    const r = stats(times.remote);
    const timings = runnerTimings(runner).filter((t) => remoteIds.includes(t.jobId));
    const staging = { download_p50_ms: round(percentile(timings.map((t) => t.stagingMs ?? 0), 50)), upload_commit_p50_ms: round(percentile(timings.map((t) => t.uploadMs ?? 0), 50)) };
    const extra = round(r.p50_ms - l.p50_ms);
    console.log(`${values.mb} MB in, ${values.mb} MB out, ${JOBS} jobs each (load before ${load}${quiet ? '' : ', machine not quiet'})`);
    console.log(`  allgo up (runner on the server's host) p50 ${l.p50_ms} ms  p95 ${l.p95_ms} ms`);
    console.log(`  runner host                            p50 ${r.p50_ms} ms  p95 ${r.p95_ms} ms   ${extra >= 0 ? '+' : ''}${extra} ms (target ≤ +300 ms)`);
    console.log(`  the runner host's staging: input download p50 ${staging.download_p50_ms} ms, outputs upload + commit p50 ${staging.upload_commit_p50_ms} ms`);
    report({ bench: 'staging', jobs: JOBS, mb: Number(values.mb), local: l, remote: r, extra_p50_ms: extra, staging, target_met: extra <= 300, quiet_before: quiet, load1_before: load, local_ms: times.local.map((t) => round(t)), remote_ms: times.remote.map((t) => round(t)) });
  } finally {
    await fleet.stop();
    await local.stop();
    removeImages([`allgo/${app}`]);
  }
}

await main();
