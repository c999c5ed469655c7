// N jobs while runners and the server are SIGKILLed and Redis is restarted at random points;
// then every job must reach its true final state. Prints "N jobs, K kills, 0 lost, 0 stuck".
// SOAK_JOBS (default 60) and SOAK_SEED change the run.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { RedisSupervisor } from '../../cli/redis-supervisor.js';
import { fixtureRepo, push } from '../helpers/git.js';
import { finalStates, seeded } from '../helpers/soak.js';
import { removeImages, uniqueName } from '../helpers/platform.js';
import { spawnRole, type RoleProcess } from '../../support/processes.js';
import { freePort } from '../../common/net.js';

const JOBS = Number(process.env.SOAK_JOBS ?? 60);
const SEED = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
const random = seeded(SEED);

const dataDir = mkdtempSync(join(tmpdir(), 'allgo-soak-'));
const app = uniqueName('probe');
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  removeImages([app]);
});

describe('fault injection', () => {
  it(`runs ${JOBS} jobs through runner, server and Redis kills with none lost or stuck`, async () => {
    writeFileSync(join(dataDir, 'config.yaml'), 'runner: {lock_duration: 2s, concurrency: 2}\n');
    let redis = new RedisSupervisor(join(dataDir, 'redis'), pino({ level: 'silent' }));
    const redisUrl = await redis.start();
    const port = await freePort();
    const token = randomBytes(16).toString('hex');
    const url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = { ALLGO_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ALLGO_PUBLIC_URL: url, REDIS_URL: redisUrl, ALLGO_ADMIN_TOKEN: token };
    // SOAK_LOGS=<dir>: keep every role's log (info level) and the kill times there.
    const logs = process.env.SOAK_LOGS;
    if (logs) env.LOG_LEVEL = 'info';
    const events: string[] = [];
    const note = (what: string) => events.push(`${new Date().toISOString()} ${what}`);
    let generation = 0;
    const roles: Record<string, RoleProcess> = {};
    const start = async (name: 'server' | 'builder' | 'runner', key: string = name) => {
      if (logs && roles[key]) writeFileSync(join(logs, `${key}-${generation++}.log`), roles[key].output());
      note(`start ${key}`);
      roles[key] = spawnRole(name, env);
      await roles[key].waitFor(name === 'server' ? 'listening on' : `${name} ready`, 60_000);
    };
    try {
      await start('server');
      await start('builder');
      await start('runner', 'runner1');
      await start('runner', 'runner2');
      expect((await push(fixtureRepo('probe'), url, app, 'admin', token)).code).toBe(0);

      const expected = new Map<number, { result: string; exitCode: number }>();
      let kills = 0;
      const byKind = { runner: 0, server: 0, redis: 0 };
      let submitted = 0;
      const submitOne = async (): Promise<void> => {
        const k = submitted;
        const fail = k % 7 === 3;
        const script = `sleep ${(random() * 2).toFixed(1)}; echo job ${k}${fail ? '; exit 3' : ''}`;
        // The server may be down this instant: a client retries, as scripts do.
        for (let attempt = 0; attempt < 200; attempt++) {
          try {
            const f = new FormData();
            f.append('job[webapp_id]', app);
            f.append('job[param]', `bash '${script}'`);
            const res = await fetch(`${url}/api/v1/jobs`, { method: 'POST', headers: { authorization: `Token token=${token}` }, body: f, signal: AbortSignal.timeout(10_000) });
            if (res.status === 200) {
              expected.set(((await res.json()) as { id: number }).id, fail ? { result: 'error', exitCode: 3 } : { result: 'success', exitCode: 0 });
              submitted++;
              return;
            }
          } catch {
            // refused connection while the server restarts
          }
          await new Promise((r) => setTimeout(r, 250));
        }
        throw new Error(`job ${k} could not be submitted`);
      };

      const chaos = async (): Promise<void> => {
        while (submitted < JOBS) {
          await new Promise((r) => setTimeout(r, 1000 + random() * 2500));
          const pick = random();
          kills++;
          note(`kill ${pick < 0.5 ? 'runner' : pick < 0.8 ? 'server' : 'redis'}`);
          if (pick < 0.5) {
            byKind.runner++;
            const key = random() < 0.5 ? 'runner1' : 'runner2';
            await roles[key].stop('SIGKILL');
            await start('runner', key);
          } else if (pick < 0.8) {
            byKind.server++;
            await roles.server.stop('SIGKILL');
            await start('server');
          } else {
            byKind.redis++;
            await redis.stop();
            redis = new RedisSupervisor(join(dataDir, 'redis'), pino({ level: 'silent' }));
            await redis.start();
          }
        }
      };
      const feeding = (async () => {
        while (submitted < JOBS) {
          await submitOne();
          await new Promise((r) => setTimeout(r, 300 + random() * 1200));
        }
      })();
      await Promise.all([feeding, chaos()]);

      // Past the deadline the report below names the jobs that are stuck.
      const final = await finalStates(expected.keys(), async (id) => (await (await fetch(`${url}/api/v1/jobs/${id}`, { headers: { authorization: `Token token=${token}` } })).json()) as Record<string, unknown>, 300_000);
      const stuck = [...expected.keys()].filter((id) => final.get(id)?.status !== 'done');
      const lost = [...expected.entries()].filter(([id, want]) => {
        const got = final.get(id);
        return got?.status === 'done' && (got.result !== want.result || got.exit_code !== want.exitCode);
      });
      console.log(`${JOBS} jobs, ${kills} kills, ${lost.length} lost, ${stuck.length} stuck (seed ${SEED}; runner ${byKind.runner}, server ${byKind.server}, redis ${byKind.redis})`);
      for (const [id] of lost) console.log(`  job ${id}: ${JSON.stringify(final.get(id))}`);
      expect(stuck).toEqual([]);
      expect(lost).toEqual([]);
    } finally {
      for (const r of Object.values(roles)) await r.stop('SIGTERM');
      if (logs) {
        for (const [key, r] of Object.entries(roles)) writeFileSync(join(logs, `${key}-${generation++}.log`), r.output());
        writeFileSync(join(logs, 'events.log'), events.join('\n') + '\n');
      }
      await redis.stop();
    }
  });
});
