// Benchmark 3, API: `GET /api/v1/jobs/N` with a token (a finished job with two files), under
// load from autocannon on loopback, against two bare servers in processes of their own that
// answer the same bytes from memory: node:http (the floor for one Node process on this
// machine: no framework, no auth, no store, no files) and a one-route Fastify (what allgo's
// route costs on top of the framework it is built on). The three take turns, ROUNDS times,
// each turn after a warm-up, so that the machine's other work weighs on each alike; the
// figures are each side's median turn. Each side's CPU time per request (from /proc) is
// given too: unlike the rate, it does not depend on how much of the machine the side got.
// Targets: allgo ≥ 5,000 req/s with p99 < 25 ms on two cores, and ≥ 0.5× the bare Fastify.
// Run: npm run bench:api [-- --connections 10 --seconds 6 --rounds 3]
import { parseArgs } from 'node:util';
import { startAllgo, probeRepo, publish, benchName } from './lib/allgo.js';
import { removeAppImages } from '../support/images.js';
import { submit, waitDone } from './lib/jobs.js';
import { cpuTicks, load1, percentile, report, round, settle } from './lib/measure.js';
import { load, medianTurn, plainServer, type LoadFigures, type PlainServer } from './lib/load.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '10' }, seconds: { type: 'string', default: '6' }, rounds: { type: 'string', default: '3' } } });
const opts = { connections: Number(values.connections), seconds: Math.min(Number(values.seconds), 120), warmupS: 2 };
const ROUNDS = Number(values.rounds);
const FASTIFY_TARGET = 0.5;

type Turn = LoadFigures & { cpu_us_per_req: number };

/** One turn of load on `url`, with the CPU the serving process `pid` spent on it. */
async function turn(url: string, headers: Record<string, string>, pid: number): Promise<Turn> {
  const before = cpuTicks(pid) ?? 0;
  const r = await load(url, headers, { ...opts, warmupS: 0 });
  const ticks = (cpuTicks(pid) ?? 0) - before;
  return { ...r, cpu_us_per_req: round((ticks * 10_000) / Math.max(r.requests, 1), 1) };
}

/** Each figure's median over the turns. */
function median(turns: Turn[]): Turn {
  return { ...medianTurn(turns), cpu_us_per_req: percentile(turns.map((t) => t.cpu_us_per_req), 50) };
}

async function main(): Promise<void> {
  const app = benchName('bench-api');
  const allgo = await startAllgo();
  const plains: PlainServer[] = [];
  try {
    await publish(allgo, probeRepo(), app, '1.0');
    const id = await submit(allgo, app);
    await waitDone(allgo, id);
    const path = `/api/v1/jobs/${id}`;
    const body = await (await allgo.api(path)).text();
    const http = await plainServer('node:http', body);
    const fastify = await plainServer('fastify', body);
    plains.push(http, fastify);
    const sides = [
      { name: 'allgo', url: allgo.url + path, headers: { authorization: `Token token=${allgo.token}` } as Record<string, string>, pid: allgo.pid },
      { name: 'fastify', url: `http://127.0.0.1:${fastify.port}${path}`, headers: {}, pid: fastify.pid },
      { name: 'node:http', url: `http://127.0.0.1:${http.port}${path}`, headers: {}, pid: http.pid },
    ];

    const quiet = await settle(allgo.pid);
    const loadBefore = load1();
    for (const s of sides) await load(s.url, s.headers, { ...opts, seconds: opts.warmupS, warmupS: 0 });
    const turns = new Map<string, Turn[]>(sides.map((s) => [s.name, []]));
    for (let i = 0; i < ROUNDS; i++) for (const s of sides) turns.get(s.name)!.push(await turn(s.url, s.headers, s.pid));
    const [a, f, p] = sides.map((s) => median(turns.get(s.name)!));
    const ratio = round(a.req_per_s / p.req_per_s, 2);
    const ratioFastify = round(a.req_per_s / f.req_per_s, 2);
    const cpuRatioFastify = round(f.cpu_us_per_req / a.cpu_us_per_req, 2);
    const met = a.req_per_s >= 5000 && a.latency_p99_ms < 25 && a.errors === 0 && a.non2xx === 0;
    console.log(`GET ${path} (${body.length} bytes), ${opts.connections} connections, ${ROUNDS} turns of ${opts.seconds} s each (load before ${loadBefore}); medians:`);
    for (const [name, t] of [['allgo', a], ['fastify', f], ['node:http', p]] as const) {
      console.log(`  ${name.padEnd(10)} ${t.req_per_s} req/s, p50 ${t.latency_p50_ms} ms, p99 ${t.latency_p99_ms} ms, ${t.cpu_us_per_req} µs of CPU per request, errors ${t.errors}, non-2xx ${t.non2xx}`);
    }
    console.log(`  against node:http ${ratio}× (target ≥ 5,000 req/s and p99 < 25 ms: ${met ? 'met' : 'not met'})`);
    console.log(`  against bare Fastify ${ratioFastify}× the rate, ${cpuRatioFastify}× by CPU per request (target ≥ ${FASTIFY_TARGET}×: ${ratioFastify >= FASTIFY_TARGET ? 'met' : 'not met'})`);
    report({
      bench: 'api', path, body_bytes: body.length, connections: opts.connections, seconds: opts.seconds, rounds: ROUNDS,
      allgo: a, fastify: f, plain: p, ratio, ratio_fastify: ratioFastify, cpu_ratio_fastify: cpuRatioFastify,
      target_met: met, target_fastify_met: ratioFastify >= FASTIFY_TARGET, quiet_before: quiet, load1_before: loadBefore,
      turns: Object.fromEntries(turns),
    });
  } finally {
    for (const s of plains) s.stop();
    await allgo.stop();
    removeAppImages([app]);
  }
}

await main();
