// Load from autocannon on loopback, shared by the API benchmarks: a warm-up, then the measured
// run, reduced to the figures the results table quotes. And a plain server in a process of its
// own answering fixed bytes, the baseline an allgo route is compared with.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import autocannon, { type Result } from 'autocannon';
import { percentile, round } from './measure.js';

export interface LoadFigures {
  req_per_s: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  latency_max_ms: number;
  requests: number;
  errors: number;
  non2xx: number;
}

const figures = (r: Result): LoadFigures => ({
  req_per_s: round(r.requests.average, 0),
  latency_p50_ms: r.latency.p50,
  latency_p99_ms: r.latency.p99,
  latency_max_ms: r.latency.max,
  requests: r.requests.total,
  errors: r.errors + r.timeouts,
  non2xx: r.non2xx,
});

/** `warmupS` of load, unmeasured, then `seconds` measured. */
export async function load(url: string, headers: Record<string, string>, opts: { connections: number; seconds: number; warmupS: number }): Promise<LoadFigures> {
  if (opts.warmupS > 0) await autocannon({ url, connections: opts.connections, duration: opts.warmupS, headers });
  return figures(await autocannon({ url, connections: opts.connections, duration: opts.seconds, headers }));
}

// Each answers every request with BODY, as JSON, the way allgo's route answers it.
const PLAIN_SERVERS = {
  'node:http': `
const body = Buffer.from(process.env.BODY);
require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`,
  // Fastify as allgo uses it (the package's own copy), one route, the bytes from memory.
  fastify: `
const body = Buffer.from(process.env.BODY);
const app = require(process.env.FASTIFY)();
app.get('/*', (req, reply) => { reply.type('application/json; charset=utf-8').send(body); });
app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log(app.server.address().port));
`,
};

export interface PlainServer {
  port: number;
  pid: number;
  stop(): void;
}

/** Starts a bare server answering `body`; resolves once it listens. */
export async function plainServer(kind: keyof typeof PLAIN_SERVERS, body: string): Promise<PlainServer> {
  const fastify = createRequire(import.meta.url).resolve('fastify');
  const child: ChildProcess = spawn(process.execPath, ['-e', PLAIN_SERVERS[kind]], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '', BODY: body, FASTIFY: fastify } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${code})`)));
      child.stdout!.once('data', (c) => resolve(Number(String(c).trim())));
    });
    return { port, pid: child.pid!, stop: () => child.kill() };
  } catch (err) {
    child.kill();
    throw err;
  }
}

/** Each figure's median over load turns; the counts (requests, errors, non-2xx) are summed. */
export function medianTurn(turns: readonly LoadFigures[]): LoadFigures {
  const m = (k: keyof LoadFigures) => percentile(turns.map((t) => t[k]), 50);
  const sum = (k: keyof LoadFigures) => turns.reduce((n, t) => n + t[k], 0);
  return { req_per_s: m('req_per_s'), latency_p50_ms: m('latency_p50_ms'), latency_p99_ms: m('latency_p99_ms'), latency_max_ms: m('latency_max_ms'), requests: sum('requests'), errors: sum('errors'), non2xx: sum('non2xx') };
}
