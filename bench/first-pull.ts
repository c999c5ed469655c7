// Benchmark, first pull: a job whose image is not yet on its runner host, which pulls it from the
// registry, against a plain `docker pull` of the same image by the same engine from the same
// registry. On test hosts (support/hosts.ts): a runs the server, Redis and the registry, b the
// builder, c the runner. The app's image is the base image plus a 100 MB layer of random bytes
// (incompressible). c pulled the base once from the registry, as a runner host that ran earlier
// versions has, so each side downloads the 100 MB layer only. Between rounds the app's image is
// removed from c. The allgo side is submit → done (its Server-Sent Events), pull included.
// Target: at most 1.1× the plain pull.
// Run: npm run bench:first-pull [-- --rounds 5]
import { parseArgs } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleetPlatform, baseImage, type FleetPlatform } from '../support/fleet-platform.js';
import { commitAll, git, push } from '../support/git.js';
import { submit, waitDone } from './lib/jobs.js';
import type { Allgo } from './lib/allgo.js';
import { load1, percentile, report, round, settle } from './lib/measure.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const ROUNDS = Math.min(Math.max(1, Number(values.rounds)), 20);
const LAYER_MB = 100;
const APP = 'bench-first-pull';

function appRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'allgo-bench-pull-'));
  git(tmpdir(), 'init', '-q', '-b', 'main', dir);
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${baseImage()}\nRUN head -c ${LAYER_MB * 1024 * 1024} /dev/urandom > /opt/blob\n`);
  writeFileSync(join(dir, 'allgo.yaml'), 'version: "1.0"\nentrypoint: /usr/bin/wc -c /opt/blob\nmemory: 256\n');
  commitAll(dir, 'first version');
  return dir;
}

async function must(what: string, r: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const out = await r;
  if (out.code !== 0) throw new Error(`${what} failed: ${out.stderr.trim()}`);
  return out.stdout.trim();
}

async function main(): Promise<void> {
  let p: FleetPlatform | null = null;
  const dir = appRepo();
  try {
    p = await startFleetPlatform({
      hosts: [{ name: 'b', images: [baseImage()] }, { name: 'c' }],
    });
    const fleet = p;
    const b = fleet.fleet.host('b');
    const c = fleet.fleet.host('c');
    await fleet.builder('b');
    await fleet.runner('c');
    // The base goes through the registry once, so c knows its layer when it sees it again.
    const base = `${fleet.registry}/bench/base:1`;
    await must('tag the base on b', b.docker(['tag', baseImage(), base]));
    await must('push the base from b', b.docker(['push', base], 300_000));
    await must('pull the base on c', c.docker(['pull', base], 300_000));
    const pushed = await push(dir, fleet.url, APP, 'admin', fleet.adminToken);
    if (pushed.code !== 0) throw new Error(`push failed:\n${pushed.output}`);
    const details = (await (await fleet.api(`/api/v1/apps/${APP}`)).json()) as { versions: { image_digest: string }[] };
    const image = `${fleet.registry}/allgo/${APP}@${details.versions[0].image_digest}`;
    const size = Number(await must('inspect on b', b.docker(['image', 'inspect', '-f', '{{.Size}}', (await must('find on b', b.docker(['images', '-q', '--filter', `label=allgo.app=${APP}`]))).split('\n')[0]])));
    const client = { api: (path: string, init: RequestInit = {}) => fleet.api(path, { ...init, token: fleet.adminToken }) } as unknown as Allgo;
    // The runner removes the job's container just after reporting it done: wait for that (bounded).
    const drop = async () => {
      for (let i = 0; ; i++) {
        const r = await c.docker(['rmi', image]);
        if (r.code === 0) return;
        if (i >= 50) throw new Error(`could not remove ${image} on c: ${r.stderr.trim()}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    };

    // Warm-up, not measured: one job with the image pulled, so the runner's code paths are warm.
    const warm = await submit(client, APP, '');
    if ((await waitDone(client, warm)).result !== 'success') throw new Error(`the warm-up job ${warm} failed`);
    await drop();
    const loadBefore = load1();
    const rounds: { allgo_ms: number; docker_pull_ms: number; job_cached_ms: number; quiet: boolean }[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const quietA = await settle(null);
      let t0 = performance.now();
      const id = await submit(client, APP, '');
      const job = await waitDone(client, id);
      const allgoMs = performance.now() - t0;
      const log = await (await fleet.api(`/api/v1/jobs/${id}/log`, { token: fleet.adminToken })).text();
      if (job.result !== 'success') throw new Error(`job ${id} ended ${job.result}: ${JSON.stringify(await (await fleet.api(`/api/v1/jobs/${id}`, { token: fleet.adminToken })).json())}\n${log}`);
      if (!log.startsWith(`[allgo] pulling image ${image}`)) throw new Error(`job ${id} did not pull its image:\n${log}`);
      // The same job again, the image now local: what the job costs without the pull.
      t0 = performance.now();
      const again = await submit(client, APP, '');
      if ((await waitDone(client, again)).result !== 'success') throw new Error(`job ${again} failed`);
      const cachedMs = performance.now() - t0;
      await drop();
      const quietB = await settle(null);
      t0 = performance.now();
      await must('docker pull on c', c.docker(['pull', '-q', image], 300_000));
      const pullMs = performance.now() - t0;
      await drop();
      rounds.push({ allgo_ms: round(allgoMs), docker_pull_ms: round(pullMs), job_cached_ms: round(cachedMs), quiet: quietA && quietB });
      console.log(`  round ${i}: job with first pull ${round(allgoMs)} ms, docker pull ${round(pullMs)} ms (the job with its image already there: ${round(cachedMs)} ms)`);
    }
    const allgo = percentile(rounds.map((r) => r.allgo_ms), 50);
    const plain = percentile(rounds.map((r) => r.docker_pull_ms), 50);
    const ratio = round(allgo / plain, 2);
    console.log(`first pull over ${ROUNDS} rounds (median): job ${round(allgo)} ms, docker pull ${round(plain)} ms, ${ratio}× (target ≤ 1.1×)`);
    report({
      bench: 'first-pull',
      rounds: ROUNDS,
      layer_mb: LAYER_MB,
      image_mb: Math.round(size / 1024 / 1024),
      allgo_ms_p50: round(allgo),
      docker_pull_ms_p50: round(plain),
      job_cached_ms_p50: round(percentile(rounds.map((r) => r.job_cached_ms), 50)),
      ratio,
      target_met: ratio <= 1.1,
      load1_before: loadBefore,
      per_round: rounds,
    });
  } finally {
    await p?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
