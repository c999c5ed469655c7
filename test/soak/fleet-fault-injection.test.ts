// The soak across hosts (support/fleet-platform.ts): N jobs while, at random points, a runner is
// SIGKILLed, the server, Redis, a runner host's Docker engine, or a whole runner host (its
// runner, its engine and its containers) dies, each started again before the next kill. Then
// every job must reach its true final state, or an error that names the kill that ended it
// (a host lost, an engine stopped): none lost, none stuck. Prints "N jobs, K kills (by kind),
// 0 lost, 0 stuck". SOAK_FLEET_JOBS (default 1000), SOAK_SEED and SOAK_KINDS (a comma list of
// the kinds below, default all) change the run.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleetPlatform, baseImage, type FleetPlatform } from '../../support/fleet-platform.js';
import type { RoleProcess } from '../../support/processes.js';
import { fixtureRepo, push, removeRepos } from '../../support/git.js';
import { finalStates, seeded } from '../helpers/soak.js';

const JOBS = Number(process.env.SOAK_FLEET_JOBS ?? 1000);
const SEED = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
const random = seeded(SEED);
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

const ALL_KINDS = ['runner', 'server', 'redis', 'engine', 'host'] as const;
type Kind = (typeof ALL_KINDS)[number];
const KINDS: readonly Kind[] = process.env.SOAK_KINDS ? ALL_KINDS.filter((k) => process.env.SOAK_KINDS!.split(',').includes(k)) : ALL_KINDS;
const RUNNER_HOSTS = ['c', 'd'] as const;
/** What a kill may honestly end a job with. */
const ENDED_BY_A_KILL = /^runner host runner-[cd] lost$|^the Docker engine stopped during the job/;

let p: FleetPlatform;
/** Runners log each step of a job (debug): a job that stops moving shows where. */
const startRunner = (host: string) => p.runner(host, { LOG_LEVEL: 'debug' });
const runners: Record<string, RoleProcess> = {};
const app = `probe-${Date.now().toString(36)}`;

beforeAll(async () => {
  p = await startFleetPlatform({
    hosts: [{ name: 'b', images: [baseImage()] }, { name: 'c' }, { name: 'd' }],
    configYaml: 'queues:\n  standard: {time_limit: 20m, retries: 2}\nrunner: {lock_duration: 2s, heartbeat: 1s, concurrency: 2}\n',
    durableRedis: true,
    logLevel: 'info',
  });
  await p.builder('b');
  for (const h of RUNNER_HOSTS) runners[h] = await startRunner(h);
  const pushed = await push(fixtureRepo('probe'), p.url, app, 'admin', p.adminToken);
  expect(pushed.code, pushed.output).toBe(0);
});
afterAll(async () => {
  await p?.close();
  removeRepos();
});

/** Writes every role's output, and the lines naming each job, to a folder kept after the run; its path. */
function keepLogs(jobs: number[]): string {
  const dir = join(tmpdir(), `allgo-soak-${SEED}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  const outputs = p.roleOutputs();
  for (const { name, output } of outputs) writeFileSync(join(dir, `${name}.log`), output);
  for (const h of RUNNER_HOSTS) {
    const engineLog = join(p.fleet.host(h).dir, 'docker', 'dockerd.log');
    if (existsSync(engineLog)) copyFileSync(engineLog, join(dir, `dockerd-${h}.log`));
  }
  for (const id of jobs) {
    const mine = new RegExp(`"jobId":${id}[,}]`);
    const lines = outputs.flatMap(({ name, output }) => output.split('\n').filter((l) => mine.test(l)).map((l) => `${name}: ${l}`));
    writeFileSync(join(dir, `job-${id}.log`), lines.join('\n'));
  }
  return dir;
}

/** Kills one thing and starts it again; the host of a runner kind is picked at random. */
async function kill(kind: Kind): Promise<void> {
  const name = pick(RUNNER_HOSTS);
  const host = p.fleet.host(name);
  if (kind === 'runner') {
    await runners[name].stop('SIGKILL');
    runners[name] = await startRunner(name);
  } else if (kind === 'server') {
    await p.restartServer();
  } else if (kind === 'redis') {
    await p.restartRedis();
  } else if (kind === 'engine') {
    // The runner lives on; its engine dies under it and comes back.
    await host.killEngine();
    await host.startEngine();
  } else {
    await host.kill();
    await host.startEngine();
    runners[name] = await startRunner(name);
  }
}

describe('fault injection across hosts', () => {
  it(`runs ${JOBS} jobs through kills of runners, the server, Redis, engines and runner hosts, none lost or stuck`, { timeout: 7_200_000 }, async () => {
    const expected = new Map<number, { result: string; exitCode: number }>();
    const byKind: Record<Kind, number> = { runner: 0, server: 0, redis: 0, engine: 0, host: 0 };
    let submitted = 0;
    const submitOne = async (): Promise<void> => {
      const k = submitted;
      const fail = k % 7 === 3;
      const param = `bash 'sleep ${(random() * 1.5).toFixed(1)}; echo job ${k}${fail ? '; exit 3' : ''}'`;
      // The server may be down this instant: a client retries, as scripts do.
      for (let attempt = 0; attempt < 400; attempt++) {
        const id = await p.submit(app, param).catch(() => null);
        if (id !== null) {
          expected.set(id, fail ? { result: 'error', exitCode: 3 } : { result: 'success', exitCode: 0 });
          submitted++;
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`job ${k} could not be submitted`);
    };
    // Until every job is in and every kind has struck at least once.
    const chaos = async (): Promise<void> => {
      while (submitted < JOBS || KINDS.some((k) => byKind[k] === 0)) {
        await new Promise((r) => setTimeout(r, 1500 + random() * 3000));
        const kind = pick(KINDS);
        byKind[kind]++;
        await kill(kind);
      }
    };
    const feeding = (async () => {
      while (submitted < JOBS) {
        await submitOne();
        await new Promise((r) => setTimeout(r, 100 + random() * 400));
      }
    })();
    await Promise.all([feeding, chaos()]);

    // Past the deadline the report below names the jobs that are stuck.
    const final = await finalStates(expected.keys(), (id) => p.job(id), 600_000);
    const stuck = [...expected.keys()].filter((id) => final.get(id)?.status !== 'done');
    const endedByKill = [...expected.keys()].filter((id) => ENDED_BY_A_KILL.test(String(final.get(id)?.message ?? '')) && final.get(id)?.result === 'error');
    const lost = [...expected.entries()].filter(([id, want]) => {
      const got = final.get(id);
      return got?.status === 'done' && !endedByKill.includes(id) && (got.result !== want.result || got.exit_code !== want.exitCode);
    });
    const kills = Object.values(byKind).reduce((a, b) => a + b, 0);
    const kinds = ALL_KINDS.map((k) => `${k} ${byKind[k]}`).join(', ');
    console.log(`${JOBS} jobs, ${kills} kills (${kinds}), ${lost.length} lost, ${stuck.length} stuck (seed ${SEED}; ${endedByKill.length} ended as an error naming the kill)`);
    for (const [id] of lost) console.log(`  lost job ${id}: ${JSON.stringify(final.get(id))}`);
    for (const id of stuck) console.log(`  stuck job ${id}: ${JSON.stringify(final.get(id))}\n    in its queue: ${JSON.stringify(await p.queued(id, 'standard'))}`);
    if (stuck.length + lost.length > 0) console.log(`  every role's log, and each such job's lines: ${keepLogs([...stuck, ...lost.map(([id]) => id)])}`);
    expect(stuck).toEqual([]);
    expect(lost).toEqual([]);
  });
});
