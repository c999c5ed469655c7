// Webapp proxy: a static page of examples/viewer (Python's http.server) through allgo's proxy
// at /s/ID/ (with the session's cookie, as a browser sends it) against the same container
// reached directly on its internal address, under load from autocannon. The two take turns,
// ROUNDS times, after a warm-up each, so the machine's other work weighs on both alike; the
// figures are each side's median turn. Targets (issue 15, not asserted): p50 latency at most
// 1.3× the direct one, throughput at least 0.7×.
// Run: npm run bench:webapp [-- --connections 10 --seconds 5 --rounds 3]
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { startAllgo, publish, benchName } from './lib/allgo.js';
import { exampleRepo } from '../support/git.js';
import { removeAppImages } from '../support/images.js';
import { load1, percentile, report, round, sleep } from './lib/measure.js';
import { load, medianTurn, type LoadFigures } from './lib/load.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '10' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' } } });
const opts = { connections: Number(values.connections), seconds: Math.min(Number(values.seconds), 120), warmupS: 1 };
const ROUNDS = Number(values.rounds);

/** The session container's address on its own network, which only the host reaches. */
function directAddress(id: string): string {
  const name = execFileSync('docker', ['ps', '-q', '--filter', `label=allgo.session=${id}`], { encoding: 'utf8' }).trim();
  const ip = execFileSync('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name], { encoding: 'utf8' }).trim();
  return `http://${ip}:8000`;
}

async function main(): Promise<void> {
  const app = benchName('bench-webapp');
  const allgo = await startAllgo('webapps: {per_user: 1}\n');
  try {
    await publish(allgo, exampleRepo('viewer'), app, '1.0');
    const started = (await (await allgo.api(`/api/v1/apps/${app}/sessions`, { method: 'POST' })).json()) as { id: string; url: string };
    let state = 'starting';
    while (state === 'starting') {
      await sleep(200);
      state = ((await (await allgo.api(`/api/v1/apps/${app}/sessions/${started.id}`)).json()) as { state: string }).state;
    }
    if (state !== 'ready') throw new Error(`the session ended ${state}`);
    const first = await fetch(`${started.url}?token=${allgo.token}`, { redirect: 'manual' });
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0];
    const sides = [
      { name: 'proxy', url: started.url, headers: { cookie } as Record<string, string> },
      { name: 'direct', url: `${directAddress(started.id)}/`, headers: {} as Record<string, string> },
    ];
    const body = await (await fetch(sides[0].url, { headers: sides[0].headers })).text();
    const loadBefore = load1();
    for (const s of sides) await load(s.url, s.headers, { ...opts, seconds: opts.warmupS, warmupS: 0 });
    const turns = new Map<string, LoadFigures[]>(sides.map((s) => [s.name, []]));
    for (let i = 0; i < ROUNDS; i++) for (const s of sides) turns.get(s.name)!.push(await load(s.url, s.headers, { ...opts, warmupS: 0 }));
    const [proxy, direct] = sides.map((s) => medianTurn(turns.get(s.name)!));
    const p50 = round(proxy.latency_p50_ms / Math.max(direct.latency_p50_ms, 0.001), 2);
    const rate = round(proxy.req_per_s / direct.req_per_s, 2);
    console.log(`GET / of examples/viewer (${body.length} bytes), ${opts.connections} connections, ${ROUNDS} turns of ${opts.seconds} s each (load before ${loadBefore}); medians:`);
    for (const [name, t] of [['proxy', proxy], ['direct', direct]] as const) {
      console.log(`  ${name.padEnd(7)} ${t.req_per_s} req/s, p50 ${t.latency_p50_ms} ms, p99 ${t.latency_p99_ms} ms, errors ${t.errors}, non-2xx ${t.non2xx}`);
    }
    console.log(`  p50 ${p50}× the direct one (target ≤ 1.3×: ${p50 <= 1.3 ? 'met' : 'not met'}), throughput ${rate}× (target ≥ 0.7×: ${rate >= 0.7 ? 'met' : 'not met'})`);
    report({ bench: 'webapp-proxy', body_bytes: body.length, connections: opts.connections, seconds: opts.seconds, rounds: ROUNDS, proxy, direct, p50_ratio: p50, rate_ratio: rate, targets_met: p50 <= 1.3 && rate >= 0.7, load1_before: loadBefore, turns: Object.fromEntries(turns) });
    await allgo.api(`/api/v1/apps/${app}/sessions/${started.id}`, { method: 'DELETE' });
  } finally {
    await allgo.stop();
    removeAppImages([app]);
  }
}

await main();
