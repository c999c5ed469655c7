// Benchmark: job overhead through the Slurm backend. A trivial job (`probe write out.txt hi`)
// end to end through allgo with runner.backend: slurm (submit → done → output downloaded),
// against `sbatch --wait` of the same batch script (the same podman command, box and folder)
// on the same cluster, then reading the file. Both alternate, one job at a time, on a cluster
// started for the run (support/slurm-cluster.ts). Target: allgo ≤ 1.2× sbatch --wait at p50.
// Run: npm run bench:slurm [-- --jobs 30]
import { parseArgs } from 'node:util';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAllgo, probeRepo, publish, benchName } from './lib/allgo.js';
import { removeAppImages, appImageId } from '../support/images.js';
import { startSlurmCluster, type SlurmCluster } from '../support/slurm-cluster.js';
import { batchScript } from '../runner/backends/slurm/batch-script.js';
import { allgoJob, run } from './lib/jobs.js';
import { percentile, report, round, load1 } from './lib/measure.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '30' }, warmup: { type: 'string', default: '2' } } });
const JOBS = Math.max(10, Number(values.jobs));
const WARMUP = Number(values.warmup);

/**
 * The same batch script the runner writes, for a fresh folder, run with `sbatch --wait` (the
 * issue's baseline, which polls the job's state: after 2 s, then every 10 s) or with `srun`,
 * which returns as soon as the job step ends.
 */
async function plainJob(cluster: SlurmCluster, image: string, n: number, how: 'sbatch' | 'srun'): Promise<number> {
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'allgo-bench-sbatch-'));
  try {
    const workdir = join(dir, 'job');
    await mkdir(workdir);
    await chown(workdir, 65534, 65534);
    const script = join(dir, 'job.sbatch');
    const p = { jobId: n, image, argv: ['/usr/local/bin/probe', 'write', 'out.txt', 'hi'], memoryMb: 64, timeLimitMs: 60_000, queue: 'standard', logKey: 'none' };
    await writeFile(script, batchScript({ p, workdir, statusFile: join(dir, 'slurm.status'), container: `allgo-bench-sbatch-${process.pid}-${n}`, image, archive: null, podmanRoot: cluster.podmanRoot, opts: { instance: 'bench', user: '65534:65534', pidsLimit: 512, outputLimitBytes: 1 << 30, maxFiles: 10_000, logLimitBytes: 10 << 20, tmpMb: 256 } }), { mode: 0o700 });
    const common = ['--time=1', '--mem=128M', '--cpus-per-task=1', `--chdir=${dir}`, `--output=${join(dir, 'slurm.out')}`];
    const env = { ...process.env, SLURM_CONF: cluster.conf };
    if (how === 'sbatch') await run('sbatch', ['--wait', '--parsable', ...common, script], { env });
    else await run('srun', ['--quiet', ...common, script], { env });
    const text = await readFile(join(workdir, 'out.txt'), 'utf8');
    const ms = performance.now() - t0;
    if (text !== 'hi\n') throw new Error(`sbatch run wrote ${JSON.stringify(text)}`);
    return ms;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const app = benchName('bench-slurm');
  const cluster = await startSlurmCluster();
  const allgo = await startAllgo(`runner:\n  concurrency: 2\n  backend: slurm\n  slurm: {conf: ${cluster.conf}, podman_root: ${cluster.podmanRoot}}\n`);
  try {
    await publish(allgo, probeRepo(), app, '1.0');
    // The first allgo job exports and loads the image; the plain side then finds it in podman.
    await allgoJob(allgo, app);
    const image = (await cluster.podman(['images', '-q', '--no-trunc'])).trim().split('\n')[0].replace(/^sha256:/, '');
    for (let i = 0; i < WARMUP; i++) {
      await allgoJob(allgo, app);
      await plainJob(cluster, image, -2 * i - 1, 'sbatch');
      await plainJob(cluster, image, -2 * i - 2, 'srun');
    }
    const load = load1();
    const times = { allgo: [] as number[], plain: [] as number[], srun: [] as number[] };
    for (let i = 0; i < JOBS; i++) {
      // Alternate which goes first, so neither always follows the other's cleanup.
      if (i % 2 === 0) {
        times.allgo.push(await allgoJob(allgo, app));
        times.plain.push(await plainJob(cluster, image, 2 * i, 'sbatch'));
        times.srun.push(await plainJob(cluster, image, 2 * i + 1, 'srun'));
      } else {
        times.srun.push(await plainJob(cluster, image, 2 * i + 1, 'srun'));
        times.plain.push(await plainJob(cluster, image, 2 * i, 'sbatch'));
        times.allgo.push(await allgoJob(allgo, app));
      }
    }
    const stats = (t: number[]) => ({ p50_ms: round(percentile(t, 50)), p95_ms: round(percentile(t, 95)), min_ms: round(Math.min(...t)), max_ms: round(Math.max(...t)) });
    const a = stats(times.allgo);
    const p = stats(times.plain);
    const r = stats(times.srun);
    const ratioP50 = round(a.p50_ms / p.p50_ms, 2);
    const ratioSrun = round(a.p50_ms / r.p50_ms, 2);
    console.log(`Slurm job overhead over ${JOBS} jobs each (load before: ${load}; image ${appImageId(app, '1.0').slice(0, 19)})`);
    console.log(`  allgo          p50 ${a.p50_ms} ms  p95 ${a.p95_ms} ms  (min ${a.min_ms}, max ${a.max_ms})`);
    console.log(`  sbatch --wait  p50 ${p.p50_ms} ms  p95 ${p.p95_ms} ms  (min ${p.min_ms}, max ${p.max_ms})`);
    console.log(`  srun           p50 ${r.p50_ms} ms  p95 ${r.p95_ms} ms  (min ${r.min_ms}, max ${r.max_ms})`);
    console.log(`  ratio p50 ${ratioP50}× sbatch --wait (target ≤ 1.2×), ${ratioSrun}× srun`);
    report({ bench: 'slurm', jobs: JOBS, allgo: a, plain: p, srun: r, ratio_p50: ratioP50, ratio_p50_srun: ratioSrun, target_met: ratioP50 <= 1.2, load1_before: load, allgo_ms: times.allgo.map((t) => round(t)), plain_ms: times.plain.map((t) => round(t)), srun_ms: times.srun.map((t) => round(t)) });
  } finally {
    await allgo.stop();
    await cluster.stop();
    removeAppImages([app]);
  }
}

await main();
