// Costs that stay flat, 2: finished jobs in the store. The server and builder roles only; the
// store seeded directly (it is SQLite: the server's WAL lets another process write beside it)
// with done jobs of 50 users, the admin's among them, first 1,000 and then 100,000, and each
// size measured through the real HTTP API, in the same run: the p99 of `GET /api/v1/jobs/N`
// (one of the admin's done jobs, with its two files on disk) and of the admin's job list's
// first page. Only the measured job has a folder: a folder's listing does not read its
// neighbours. Target: each within 1.5×.
// Run: npm run bench:finished [-- --small 1000 --large 100000]
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFleet, type Fleet } from './lib/fleet.js';
import { probeRepo, publish, benchName } from './lib/allgo.js';
import { removeAppImages } from '../support/images.js';
import { load1, report, round, settle } from './lib/measure.js';
import { load } from './lib/load.js';

const { values } = parseArgs({ options: { small: { type: 'string', default: '1000' }, large: { type: 'string', default: '100000' } } });
const SMALL = Number(values.small);
const LARGE = Number(values.large);
const USERS = 50;
const TARGET = 1.5;
const HTTP = { connections: 4, seconds: 8, warmupS: 2 };

interface Figures {
  jobs: number;
  get_req_per_s: number;
  get_p99_ms: number;
  list_req_per_s: number;
  list_p99_ms: number;
  load1: number;
}

/** Writes done jobs straight into the store, as many users' jobs; returns the ids of the admin's. */
function seeder(dataDir: string, app: string) {
  const db = new Database(join(dataDir, 'allgo.db'));
  db.pragma('busy_timeout = 5000');
  const { appId, versionId } = db.prepare('SELECT apps.id AS appId, versions.id AS versionId FROM apps JOIN versions ON versions.app_id = apps.id WHERE apps.name = ?').get(app) as { appId: number; versionId: number };
  const adminId = (db.prepare('SELECT id FROM users WHERE is_admin = 1 ORDER BY id LIMIT 1').get() as { id: number }).id;
  const addUser = db.prepare("INSERT INTO users (name, email, token_hash, created_at) VALUES (?, ?, ?, datetime('now'))");
  const users = [adminId];
  for (let i = 1; i < USERS; i++) users.push(Number(addUser.run(`bench-user-${i}`, `u${i}@bench`, randomBytes(32).toString('hex')).lastInsertRowid));
  const insert = db.prepare(
    `INSERT INTO jobs (user_id, app_id, version_id, param, queue, state, result, exit_code, message, key_salt, inputs, bytes, created_at, started_at, finished_at)
     VALUES (?, ?, ?, 'write out.txt hi', 'standard', 'done', 'success', 0, 'ok', ?, '[]', 3, ?, ?, ?)`,
  );
  let seeded = 0;
  const seed = db.transaction((count: number) => {
    const mine: number[] = [];
    const at = new Date().toISOString();
    for (let i = 0; i < count; i++, seeded++) {
      const user = users[seeded % USERS];
      const id = Number(insert.run(user, appId, versionId, randomBytes(16).toString('hex'), at, at, at).lastInsertRowid);
      if (user === adminId) mine.push(id);
    }
    return mine;
  });
  return { seed: (count: number): number[] => seed(count), close: () => db.close() };
}

async function measure(f: Fleet, jobId: number, jobs: number): Promise<Figures> {
  const headers = { authorization: `Token token=${f.token}` };
  const loadNow = load1();
  const get = await load(`${f.url}/api/v1/jobs/${jobId}`, headers, HTTP);
  const list = await load(`${f.url}/api/v1/jobs`, headers, HTTP);
  for (const [what, r] of [['GET', get], ['list', list]] as const) if (r.non2xx || r.errors) throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  const figures = { jobs, get_req_per_s: get.req_per_s, get_p99_ms: get.latency_p99_ms, list_req_per_s: list.req_per_s, list_p99_ms: list.latency_p99_ms, load1: loadNow };
  console.log(`${jobs} finished jobs: GET ${figures.get_req_per_s} req/s p99 ${figures.get_p99_ms} ms, list ${figures.list_req_per_s} req/s p99 ${figures.list_p99_ms} ms (load ${loadNow})`);
  return figures;
}

async function main(): Promise<void> {
  const app = benchName('bench-finished');
  const fleet = await startFleet('runner: {concurrency: 2}\n');
  try {
    await publish(fleet, probeRepo(), app, '1.0');
    const store = seeder(fleet.dataDir, app);
    try {
      const [probeId] = store.seed(SMALL);
      const dir = join(fleet.dataDir, 'datastore', String(probeId));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'out.txt'), 'hi\n');
      writeFileSync(join(dir, 'allgo.log'), 'hi\n');
      const quiet = await settle(fleet.pid, { busyCores: Infinity });
      const loadBefore = load1();
      const small = await measure(fleet, probeId, SMALL);
      const t0 = performance.now();
      store.seed(LARGE - SMALL);
      console.log(`seeded ${LARGE - SMALL} more in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await settle(fleet.pid, { busyCores: Infinity, maxMs: 30_000 });
      const large = await measure(fleet, probeId, LARGE);
      const ratio = (k: 'get_p99_ms' | 'list_p99_ms') => round(Math.max(large[k], 1) / Math.max(small[k], 1), 2);
      const ratios = { get_p99: ratio('get_p99_ms'), list_p99: ratio('list_p99_ms') };
      const met = Object.values(ratios).every((r) => r <= TARGET);
      console.log(`${LARGE} against ${SMALL} finished jobs: GET p99 ${ratios.get_p99}×, list p99 ${ratios.list_p99}× (target ≤ ${TARGET}× each: ${met ? 'met' : 'not met'})`);
      report({ bench: 'finished-jobs', small, large, ratios, target: TARGET, target_met: met, quiet_before: quiet, load1_before: loadBefore });
    } finally {
      store.close();
    }
  } finally {
    await fleet.stop();
    removeAppImages([app]);
  }
}

await main();
