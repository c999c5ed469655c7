// `npm run bench`: runs every benchmark in order, each in its own process, then prints one
// table (allgo, the plain tool, the ratio, the target, whether it is met) and writes it with
// the machine's description and the load seen during the run to bench/RESULTS.md.
// Run: npm run bench [-- --only overhead,api] [-- --no-write]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../schemas/index.js';
import { round, sampler } from './lib/measure.js';

const BENCHES = ['overhead', 'throughput', 'api', 'publish', 'site', 'scaling', 'staging', 'first-pull', 'waiting', 'finished', 'fair'] as const;
type Bench = (typeof BENCHES)[number];
const FILES: Record<Bench, string> = { overhead: 'overhead.ts', throughput: 'throughput.ts', api: 'api.ts', publish: 'publish.ts', site: 'site-catalog.ts', scaling: 'scaling.ts', staging: 'staging.ts', 'first-pull': 'first-pull.ts', waiting: 'waiting-jobs.ts', finished: 'finished-jobs.ts', fair: 'fair-shares.ts' };
const TIME_LIMIT_MS = 45 * 60_000;
const NOTES_MARKER = '<!-- notes: kept across runs -->';

const { values } = parseArgs({ options: { only: { type: 'string' }, 'no-write': { type: 'boolean' } } });
const chosen = values.only ? (values.only.split(',') as Bench[]).filter((b) => BENCHES.includes(b)) : [...BENCHES];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Outcome {
  bench: Bench;
  result: Json | null;
  error: string | null;
  seconds: number;
  load1: { min: number; max: number; mean: number };
}

/** Runs one benchmark script in its own process, echoing its output; returns its last JSON line. */
function runBench(bench: Bench): Promise<Outcome> {
  const t0 = Date.now();
  const load = sampler(2000, () => loadavg()[0]);
  return new Promise((resolve) => {
    const child = spawn(join(packageRoot(), 'node_modules', '.bin', 'vite-node'), [join(packageRoot(), 'bench', FILES[bench])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TIME_LIMIT_MS,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
      process.stdout.write(c);
    });
    child.stderr.on('data', (c) => {
      err += c;
      process.stderr.write(c);
    });
    child.on('close', (code, signal) => {
      const samples = load.stop();
      const json = out.split('\n').reverse().find((l) => l.startsWith('{"bench"'));
      resolve({
        bench,
        result: json ? (JSON.parse(json) as Json) : null,
        error: code === 0 && json ? null : `exited ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' ').slice(0, 300)}`,
        seconds: Math.round((Date.now() - t0) / 1000),
        load1: { min: round(Math.min(...samples), 2), max: round(Math.max(...samples), 2), mean: round(samples.reduce((a, b) => a + b, 0) / samples.length, 2) },
      });
    });
  });
}

interface Row {
  what: string;
  allgo: string;
  plain: string;
  ratio: string;
  target: string;
  met: string;
}

const ms = (n: number) => `${Math.round(n)} ms`;
const mb = (kb: number | null | undefined) => (kb == null ? '?' : `${Math.round(kb / 1024)} MB`);
const yes = (b: boolean) => (b ? 'yes' : '**no**');

function rows(o: Outcome): Row[] {
  const r = o.result;
  if (!r) return [{ what: o.bench, allgo: 'failed', plain: '', ratio: '', target: '', met: o.error ?? '' }];
  switch (o.bench) {
    case 'overhead':
      return [
        { what: `job end to end, p50 (${r.jobs} jobs)`, allgo: ms(r.allgo.p50_ms), plain: `${ms(r.plain.p50_ms)} (docker run --rm)`, ratio: `${r.ratio_p50}×`, target: '≤ 1.3×', met: yes(r.ratio_p50 <= 1.3) },
        { what: 'job end to end, p95', allgo: ms(r.allgo.p95_ms), plain: ms(r.plain.p95_ms), ratio: `${r.ratio_p95}×`, target: '', met: '' },
      ];
    case 'throughput':
      return [
        { what: `throughput, ${r.jobs} jobs, 2 at a time`, allgo: `${r.allgo_jobs_per_s} jobs/s (${r.allgo_s} s)`, plain: `${r.plain_jobs_per_s} jobs/s (${r.plain_s} s)`, ratio: `${r.ratio}×`, target: '≥ 0.8×', met: yes(r.ratio >= 0.8) },
        { what: 'memory (RSS), idle', allgo: `${mb(r.memory_kb.idle.allgo)} + redis ${mb(r.memory_kb.idle.redis)}`, plain: '', ratio: '', target: '', met: '' },
        { what: 'memory (RSS), during throughput: mean / peak', allgo: `${mb(r.memory_kb.during_mean.allgo)} / ${mb(r.memory_kb.during_peak.allgo)} + redis ${mb(r.memory_kb.during_peak.redis)}`, plain: '', ratio: '', target: '', met: '' },
      ];
    case 'api':
      return [
        { what: `GET /api/v1/jobs/N, ${r.connections} connections`, allgo: `${r.allgo.req_per_s} req/s`, plain: `${r.plain.req_per_s} req/s (bare node:http)`, ratio: `${r.ratio}×`, target: '≥ 5,000 req/s', met: yes(r.allgo.req_per_s >= 5000 && r.allgo.errors === 0 && r.allgo.non2xx === 0) },
        { what: 'GET /api/v1/jobs/N, p99 latency', allgo: ms(r.allgo.latency_p99_ms), plain: ms(r.plain.latency_p99_ms), ratio: '', target: '< 25 ms', met: yes(r.allgo.latency_p99_ms < 25) },
        { what: `GET /api/v1/jobs/N against a bare Fastify route (median of ${r.rounds} turns)`, allgo: `${r.allgo.req_per_s} req/s, ${r.allgo.cpu_us_per_req} µs CPU/req`, plain: `${r.fastify.req_per_s} req/s, ${r.fastify.cpu_us_per_req} µs CPU/req`, ratio: `${r.ratio_fastify}× (by CPU ${r.cpu_ratio_fastify}×)`, target: '≥ 0.5×', met: yes(r.ratio_fastify >= 0.5) },
      ];
    case 'publish':
      return [
        { what: `publish: push → ready (median of ${r.rounds})`, allgo: ms(r.ready_ms_p50), plain: `${ms(r.docker_build_ms_p50)} (docker build, warm cache)`, ratio: `+${ms(r.overhead_ms_p50)}`, target: '< 1 s overhead', met: yes(r.overhead_ms_p50 < 1000) },
      ];
    case 'scaling':
      return [
        { what: `scaling: ${r.jobs} jobs of sleep 1, 2 slots per runner host`, allgo: `2 hosts: ${r.two_hosts.rate} jobs/s (${r.two_hosts.seconds} s)`, plain: `1 host: ${r.one_host.rate} jobs/s (${r.one_host.seconds} s)`, ratio: `${r.ratio}×`, target: '≥ 1.8×', met: yes(r.ratio >= 1.8) },
      ];
    case 'staging':
      return [
        { what: `remote staging: ${r.mb} MB in, ${r.mb} MB out, end to end, p50 (${r.jobs} jobs)`, allgo: `runner host: ${ms(r.remote.p50_ms)}`, plain: `allgo up: ${ms(r.local.p50_ms)}`, ratio: `${r.extra_p50_ms >= 0 ? '+' : ''}${ms(r.extra_p50_ms)}`, target: '≤ +300 ms', met: yes(r.extra_p50_ms <= 300) },
        { what: 'remote staging: the runner host\'s download / upload + commit, p50', allgo: `${ms(r.staging.download_p50_ms)} / ${ms(r.staging.upload_commit_p50_ms)}`, plain: '', ratio: '', target: '', met: '' },
      ];
    case 'site':
      return [
        { what: `catalog rebuild, ${r.apps} apps`, allgo: `${(r.rebuild_ms / 1000).toFixed(1)} s`, plain: '', ratio: '', target: '< 20 s', met: yes(r.rebuild_ms < 20_000) },
        { what: 'catalog page JS + CSS (transferred)', allgo: `${(r.catalog_js_css_bytes / 1024).toFixed(1)} KB (${(r.catalog_js_css_transferred_bytes / 1024).toFixed(1)} KB)`, plain: '', ratio: '', target: '< 100 KB', met: yes(r.catalog_js_css_bytes < 100 * 1024) },
        { what: 'catalog page HTML (transferred)', allgo: `${Math.round(r.catalog_html_bytes / 1024)} KB (${Math.round(r.catalog_html_transferred_bytes / 1024)} KB)`, plain: '', ratio: '', target: '', met: '' },
        {
          what: `catalog: one app re-published, ${r.republish.large.apps} apps against ${r.republish.small.apps} (median of 3)`,
          allgo: `${(r.republish.large.republish_ms / 1000).toFixed(2)} s (CPU ${(r.republish.large.republish_cpu_ms / 1000).toFixed(2)} s)`,
          plain: `${(r.republish.small.republish_ms / 1000).toFixed(2)} s (CPU ${(r.republish.small.republish_cpu_ms / 1000).toFixed(2)} s), ${r.republish.small.apps} apps`,
          ratio: `${r.republish.ratio}× (CPU ${r.republish.cpu_ratio}×)`,
          target: '≤ 2×, < 3 s',
          met: yes(r.republish.ratio <= 2 && r.republish.large.republish_ms < 3000),
        },
      ];
    case 'waiting':
      return [
        { what: `${r.large.waiting} waiting jobs against ${r.small.waiting}: server idle CPU`, allgo: `${r.large.idle_cpu_pct}% of a core`, plain: `${r.small.idle_cpu_pct}%`, ratio: `${r.ratios.idle_cpu}×`, target: '≤ 1.5×', met: yes(r.ratios.idle_cpu <= 1.5) },
        { what: '… GET /api/v1/jobs/N of a waiting job, p99', allgo: ms(r.large.get_p99_ms), plain: ms(r.small.get_p99_ms), ratio: `${r.ratios.get_p99}×`, target: '≤ 1.5×', met: yes(r.ratios.get_p99 <= 1.5) },
        { what: '… a submission, p99', allgo: ms(r.large.submit_p99_ms), plain: ms(r.small.submit_p99_ms), ratio: `${r.ratios.submit_p99}×`, target: '≤ 1.5×', met: yes(r.ratios.submit_p99 <= 1.5) },
      ];
    case 'finished':
      return [
        { what: `${r.large.jobs} finished jobs in the store against ${r.small.jobs}: GET /api/v1/jobs/N, p99`, allgo: ms(r.large.get_p99_ms), plain: ms(r.small.get_p99_ms), ratio: `${r.ratios.get_p99}×`, target: '≤ 1.5×', met: yes(r.ratios.get_p99 <= 1.5) },
        { what: '… the job list\'s first page, p99', allgo: ms(r.large.list_p99_ms), plain: ms(r.small.list_p99_ms), ratio: `${r.ratios.list_p99}×`, target: '≤ 1.5×', met: yes(r.ratios.list_p99 <= 1.5) },
      ];
    case 'fair':
      return [
        { what: `first-job wait beyond its turn, ${r.many.users} users × 20 at once (${r.slots} slots)`, allgo: `max ${r.many.beyond_turn_slots.max} slots' worth`, plain: `raw max ${r.many.raw_slots.max}`, ratio: '', target: '≤ 2', met: yes(r.many.beyond_turn_slots.max <= 2) },
        { what: `… one user's 1,000 first, then ${r.one.users - 1} users × 20`, allgo: `max ${r.one.beyond_turn_slots.max} slots' worth`, plain: `raw max ${r.one.raw_slots.max}`, ratio: '', target: '≤ 2', met: yes(r.one.beyond_turn_slots.max <= 2) },
      ];
    case 'first-pull':
      return [
        { what: `job pulling its ${r.layer_mb} MB image on a runner host (median of ${r.rounds})`, allgo: ms(r.allgo_ms_p50), plain: `${ms(r.docker_pull_ms_p50)} (docker pull, same engine and registry)`, ratio: `${r.ratio}×`, target: '≤ 1.1×', met: yes(r.ratio <= 1.1) },
      ];
  }
}

function table(all: Row[]): string {
  const lines = ['| benchmark | allgo | plain tool | ratio | target | met |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of all) lines.push(`| ${r.what} | ${r.allgo} | ${r.plain} | ${r.ratio} | ${r.target} | ${r.met} |`);
  return lines.join('\n');
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

function machine(): Record<string, string> {
  const os = /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '?';
  const dirty = sh('git', ['-C', packageRoot(), 'status', '--porcelain', '--untracked-files=no']) !== '';
  return {
    cores: `${cpus().length} (nproc ${sh('nproc', [])})`,
    cpu: cpus()[0]?.model ?? '?',
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: `Linux ${release()}`,
    os,
    docker: `${sh('docker', ['version', '--format', '{{.Server.Version}}'])} (storage driver ${sh('docker', ['info', '--format', '{{.Driver}}'])})`,
    node: process.version,
    commit: `${sh('git', ['-C', packageRoot(), 'rev-parse', '--short', 'HEAD'])}${dirty ? ' with uncommitted changes' : ''}`,
  };
}

async function main(): Promise<void> {
  const started = new Date();
  const loadBefore = loadavg().map((n) => round(n, 2));
  const outcomes: Outcome[] = [];
  for (const bench of chosen) {
    console.log(`\n== ${bench} ==`);
    outcomes.push(await runBench(bench));
  }
  const all = outcomes.flatMap(rows);
  const md = table(all);
  console.log(`\n${md}\n`);
  for (const o of outcomes) if (o.error) console.log(`${o.bench}: ${o.error}`);
  if (values['no-write']) return;

  const m = machine();
  const quiet = (r: Json | null) => (r?.quiet_before ?? (r?.per_round ? r.per_round.every((x: Json) => x.quiet) : null));
  const loads = outcomes.map((o) => `| ${o.bench} | ${o.seconds} s | ${o.load1.min} | ${o.load1.mean} | ${o.load1.max} | ${{ true: 'yes', false: '**no**' }[String(quiet(o.result))] ?? ''} |`).join('\n');
  const text = `# Benchmark results

Written by \`npm run bench\` (bench/run-all.ts) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC. Each benchmark runs the
compiled platform (\`node dist/cli/main.js up\`, runner concurrency 2, its own supervised
redis-server, LOG_LEVEL=warn) and the plain tool doing the same work, in the same run.

## Machine

| | |
| --- | --- |
${Object.entries(m).map(([k, v]) => `| ${k} | ${v} |`).join('\n')}
| load average before the run | ${loadBefore.join(', ')} (1, 5, 15 min) |

## Results

${md}

## Load during the run

The 1-minute load average, sampled every 2 s while each benchmark ran. The benchmarks load the
machine themselves (two job containers, the server and the load generator: about 2 to 3 during
the throughput and API runs); before each measurement they wait until the allgo processes are
idle and the rest of the machine uses under 0.3 of a core.

| benchmark | took | min | mean | max | quiet before |
| --- | --- | --- | --- | --- | --- |
${loads}

## How each is measured

- **Job overhead** (bench/overhead.ts): the probe app's \`write out.txt hi\`, one job at a time.
  allgo: submit (multipart) → the job's Server-Sent Events until the state is \`done\` → the job's
  JSON → download \`out.txt\`. Plain: a fresh folder owned by the job user, \`docker run --rm\` of
  the same image and command with the runner's box (user 65534, network none, read-only root,
  tmpfs, memory and PID limits, no capabilities, the folder bind-mounted as working directory),
  then read the file. The two alternate, after a warm-up.
- **Throughput** (bench/throughput.ts): the same job; plain: 200 \`docker run --rm\`, 2 at a time;
  allgo: 200 submitted at once, runner concurrency 2, until the job list shows all done (polled
  every 200 ms). The output files are not downloaded on either side.
- **API** (bench/api.ts): autocannon on loopback against \`GET /api/v1/jobs/N\` with a token (a
  finished job with two files) after a 3 s warm-up; plain: a bare node:http process answering the
  same bytes, which is the ceiling for one Node process on this machine.
- **Publish** (bench/publish.ts): a new version label of the probe app per round; from the start of
  \`git push\` to the version \`ready\` in the API (polled every 20 ms), against
  \`git archive HEAD | docker build -\` of the same commit with a warm cache (the classic builder,
  as the builder's API call uses). Overhead is the median of the per-round differences.
- **Memory** (in bench/throughput.ts, or alone with bench/memory.ts): VmRSS from /proc of the
  \`allgo up\` process and of its redis-server child, idle (one app published, machine quiet) and
  sampled every 250 ms during the throughput run. RSS follows V8's garbage collector, so idle
  may read higher than a later sample.
- **Site** (bench/site-catalog.ts): the catalog of 1,000 seeded public apps, rebuilt as the server
  does (every page), and the catalog page's transfer size. Then catalogs of 10,000 and of 100
  apps, each built in full, and one app re-published in each three times (a new version, title
  and description): the wall time of each rebuild, which is incremental (its page and the
  catalog page), old builds' removal included; the median counts.
- **First pull** (bench/first-pull.ts): on test hosts (support/hosts.ts: network namespaces with
  their own Docker engines), the server, Redis and a docker-registry on one, \`allgo builder\` on a
  second, \`allgo runner\` on a third. The app's image is the base plus a 100 MB layer of random
  bytes; the runner host pulled the base once from the registry, so each side downloads that
  layer only. allgo: submit → \`done\` over Server-Sent Events, the pull included; plain:
  \`docker pull\` of the same image by digest on the runner host's engine. The image is removed
  from the runner host before each, and the two alternate.

${outcomes.some((o) => o.error) ? `## Failures\n\n${outcomes.filter((o) => o.error).map((o) => `- ${o.bench}: ${o.error}`).join('\n')}\n\n` : ''}## Raw figures

\`\`\`json
${outcomes.map((o) => JSON.stringify(o.result ?? { bench: o.bench, error: o.error })).join('\n')}
\`\`\`
`;
  // Hand-written analysis below the marker survives a rerun.
  const file = join(packageRoot(), 'bench', 'RESULTS.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const notes = previous.includes(NOTES_MARKER) ? previous.slice(previous.indexOf(NOTES_MARKER)) : `${NOTES_MARKER}\n`;
  writeFileSync(file, `${text}\n${notes}`);
  console.log('wrote bench/RESULTS.md');
}

await main();
