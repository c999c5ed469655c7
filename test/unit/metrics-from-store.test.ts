// /metrics' job figures come from the store, so a new server (a restart) counts what the last
// one recorded; the names are the ones the README, the dashboard and the alert rules use.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Registry } from 'prom-client';
import { openStore, type Store, type App, type User, type Version } from '../../server/store/index.js';
import { ServerEvents } from '../../server/events.js';
import { Datastore } from '../../server/datastore.js';
import { JobMetrics } from '../../server/metrics/job-metrics.js';
import { ServerMetrics } from '../../server/metrics/server-metrics.js';
import { loadConfig } from '../../common/config.js';
import type { Queues } from '../../server/queues.js';
import type { Redis } from 'ioredis';
import { versionInput } from '../helpers/store.js';

let store: Store;
let app: App;
let user: User;
let version: Version;
beforeEach(() => {
  store = openStore(':memory:');
  user = store.users.create({ name: 'alice', email: 'a@example.org' }).user;
  app = store.apps.create('myapp', user.id, false);
  version = store.versions.startBuilding(versionInput(app, user, '1.0'));
  store.versions.finish(version.id, { state: 'ready', imageId: 'i' }, '');
});
afterEach(() => store.close());

const job = (queue = 'standard') => store.jobs.create({ userId: user.id, appId: app.id, versionId: version.id, param: '', queue });
const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
/** A job submitted at `at(0)`: it waits `wait` s, runs `run` s, and ends with `result`. */
function ran(result: 'success' | 'error', wait: number, run: number, queue = 'standard'): number {
  const j = job(queue);
  store.db.prepare('UPDATE jobs SET created_at = ? WHERE id = ?').run(at(0), j.id);
  store.jobs.finish(j.id, { result, exitCode: result === 'success' ? 0 : 1, message: '', startedAt: at(wait), finishedAt: at(wait + run) });
  return j.id;
}

/** `name{labels} value` lines of a fresh server's JobMetrics over the store as it is now. */
async function scrape(): Promise<Map<string, number>> {
  const registry = new Registry();
  const events = new ServerEvents();
  const m = new JobMetrics(registry, { store, events, datastore: new Datastore('/nonexistent', '65534:65534'), queueNames: ['standard', 'batch'] });
  m.refresh();
  const text = await registry.metrics();
  m.close();
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
}

describe('job metrics from the store', () => {
  it('counts finished jobs by app, queue and result, as a server started later sees them', async () => {
    ran('success', 1, 2);
    ran('success', 1, 2);
    ran('error', 1, 2, 'batch');
    const lines = await scrape();
    expect(lines.get('allgo_jobs_total{app="myapp",queue="standard",result="success"}')).toBe(2);
    expect(lines.get('allgo_jobs_total{app="myapp",queue="batch",result="error"}')).toBe(1);
  });

  it('keeps counting the jobs that finish after an old one still running, and the old one once it ends', async () => {
    const old = job();
    store.jobs.markWaiting(old.id);
    store.jobs.markRunning(old.id, new Date().toISOString());
    const registry = new Registry();
    const m = new JobMetrics(registry, { store, events: new ServerEvents(), datastore: new Datastore('/nonexistent', '65534:65534'), queueNames: ['standard'] });
    const count = async () => {
      m.refresh();
      return (await registry.getSingleMetric('allgo_jobs_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    };
    ran('success', 1, 1);
    expect(await count()).toBe(1);
    ran('success', 1, 1);
    expect(await count()).toBe(2);
    store.jobs.finish(old.id, { result: 'success', exitCode: 0, message: '' });
    expect(await count()).toBe(3);
    // Everything is settled now: read again, nothing is counted twice.
    expect(await count()).toBe(3);
    ran('error', 1, 1);
    expect(await count()).toBe(4);
    m.close();
  });

  it('puts waiting and running times in histogram buckets by queue', async () => {
    ran('success', 3, 100);
    ran('success', 30, 4000);
    const lines = await scrape();
    expect(lines.get('allgo_job_waiting_seconds_bucket{queue="standard",le="5"}')).toBe(1);
    expect(lines.get('allgo_job_waiting_seconds_bucket{queue="standard",le="60"}')).toBe(2);
    expect(lines.get('allgo_job_waiting_seconds_sum{queue="standard"}')).toBeCloseTo(33, 3);
    expect(lines.get('allgo_job_running_seconds_bucket{queue="standard",le="300"}')).toBe(1);
    expect(lines.get('allgo_job_running_seconds_bucket{queue="standard",le="3600"}')).toBe(1);
    expect(lines.get('allgo_job_running_seconds_bucket{queue="standard",le="+Inf"}')).toBe(2);
    expect(lines.get('allgo_job_running_seconds_count{queue="standard"}')).toBe(2);
  });

  it('shows unfinished jobs by queue and state, and the oldest waiting one\'s age', async () => {
    const a = job();
    store.jobs.markWaiting(a.id);
    store.db.prepare('UPDATE jobs SET created_at = ? WHERE id = ?').run(new Date(Date.now() - 600_000).toISOString(), a.id);
    job('batch');
    const lines = await scrape();
    expect(lines.get('allgo_jobs{queue="standard",state="waiting"}')).toBe(1);
    expect(lines.get('allgo_jobs{queue="batch",state="new"}')).toBe(1);
    expect(lines.get('allgo_jobs{queue="batch",state="running"}')).toBe(0);
    expect(lines.get('allgo_queue_oldest_waiting_seconds{queue="standard"}')).toBeGreaterThanOrEqual(600);
    expect(lines.get('allgo_queue_oldest_waiting_seconds{queue="batch"}')).toBeLessThan(600);
  });
});

describe('metric names', () => {
  it('has every figure the README lists, in its own registry per server', () => {
    const config = loadConfig({ ALLGO_DATA_DIR: '/nonexistent-allgo-metrics-test' });
    const deps = { config, store, queues: {} as Queues, redis: {} as Redis, events: new ServerEvents(), datastore: new Datastore('/nonexistent', '65534:65534') };
    const one = new ServerMetrics(deps);
    const two = new ServerMetrics(deps);
    const names = one.registry.getMetricsAsArray().map((m) => m.name);
    expect(two.registry.getMetricsAsArray().map((m) => m.name)).toEqual(names);
    expect(names).toEqual(expect.arrayContaining([
      'allgo_jobs_total', 'allgo_jobs', 'allgo_job_waiting_seconds', 'allgo_job_running_seconds', 'allgo_job_outputs_bytes',
      'allgo_builds_total', 'allgo_build_duration_seconds', 'allgo_image_size_bytes', 'allgo_builds_in_progress',
      'allgo_queue_depth', 'allgo_build_queue_depth', 'allgo_queue_oldest_waiting_seconds',
      'allgo_runner_slots', 'allgo_runner_slots_in_use', 'allgo_runners_live', 'allgo_runner_heartbeat_age_seconds',
      'allgo_http_request_duration_seconds', 'allgo_sse_connections', 'allgo_git_pushes_total',
      'allgo_data_dir_free_bytes', 'allgo_data_dir_size_bytes',
      'allgo_server_process_cpu_seconds_total', 'allgo_server_process_resident_memory_bytes', 'allgo_server_nodejs_eventloop_lag_seconds',
    ]));
    expect(names.every((n) => /^allgo_[a-z0-9_]+$/.test(n))).toBe(true);
    one.close();
    two.close();
  });
});
