// Benchmark 3, API: `GET /api/v1/jobs/N` with a token (a finished job with two files), under
// load from autocannon on loopback, against a bare node:http server that answers the same bytes
// (the floor for one Node process on this machine: no auth, no store, no files). Each side gets
// a warm-up, then the measured run. Target: allgo ≥ 5,000 req/s with p99 < 25 ms on two cores.
// Run: npm run bench:api [-- --connections 10 --seconds 10]
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import { startAllgo, probeRepo, publish, benchName } from './lib/allgo.js';
import { removeAppImages } from '../support/images.js';
import { submit, waitDone } from './lib/jobs.js';
import { load1, report, round, settle } from './lib/measure.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '10' }, seconds: { type: 'string', default: '10' } } });
const CONNECTIONS = Number(values.connections);
const SECONDS = Math.min(Number(values.seconds), 120);
const WARMUP_S = 3;

// The plain side: one node:http process answering every request with the given body.
const PLAIN_SERVER = `
const body = Buffer.from(process.env.BODY);
require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;

async function load(url: string, headers: Record<string, string>): Promise<Result> {
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, headers });
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
}

const figures = (r: Result) => ({
  req_per_s: round(r.requests.average, 0),
  latency_p50_ms: r.latency.p50,
  latency_p99_ms: r.latency.p99,
  latency_max_ms: r.latency.max,
  requests: r.requests.total,
  errors: r.errors + r.timeouts,
  non2xx: r.non2xx,
});

async function main(): Promise<void> {
  const app = benchName('bench-api');
  const allgo = await startAllgo();
  let plain: ChildProcess | null = null;
  try {
    await publish(allgo, probeRepo(), app, '1.0');
    const id = await submit(allgo, app);
    await waitDone(allgo, id);
    const path = `/api/v1/jobs/${id}`;
    const body = await (await allgo.api(path)).text();

    const server = spawn(process.execPath, ['-e', PLAIN_SERVER], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '', BODY: body } });
    plain = server;
    const plainPort = await new Promise<number>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`the plain server exited (${code})`)));
      server.stdout!.once('data', (c) => resolve(Number(String(c).trim())));
    });

    const quiet = await settle(allgo.pid);
    const loadBefore = load1();
    const a = figures(await load(allgo.url + path, { authorization: `Token token=${allgo.token}` }));
    const p = figures(await load(`http://127.0.0.1:${plainPort}${path}`, {}));
    const ratio = round(a.req_per_s / p.req_per_s, 2);
    const met = a.req_per_s >= 5000 && a.latency_p99_ms < 25 && a.errors === 0 && a.non2xx === 0;
    console.log(`GET ${path} (${body.length} bytes), ${CONNECTIONS} connections, ${SECONDS} s after ${WARMUP_S} s warm-up (load before ${loadBefore})`);
    console.log(`  allgo:     ${a.req_per_s} req/s, p50 ${a.latency_p50_ms} ms, p99 ${a.latency_p99_ms} ms, errors ${a.errors}, non-2xx ${a.non2xx}`);
    console.log(`  node:http: ${p.req_per_s} req/s, p50 ${p.latency_p50_ms} ms, p99 ${p.latency_p99_ms} ms`);
    console.log(`  ratio ${ratio}× (target ≥ 5,000 req/s and p99 < 25 ms: ${met ? 'met' : 'not met'})`);
    report({ bench: 'api', path, body_bytes: body.length, connections: CONNECTIONS, seconds: SECONDS, allgo: a, plain: p, ratio, target_met: met, quiet_before: quiet, load1_before: loadBefore });
  } finally {
    plain?.kill();
    await allgo.stop();
    removeAppImages([app]);
  }
}

await main();
