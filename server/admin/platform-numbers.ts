// The platform's numbers read in one place, for both /metrics (metrics/platform-metrics.ts,
// metrics/job-metrics.ts) and the admin overview (overview.ts): each queue's depth in BullMQ
// and its oldest waiting job, each runner host's slots and heartbeats, the data dir's disk.
import { statfs } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Queues } from '../queues.js';
import type { Store } from '../store/index.js';
import { readHeartbeats } from '../../common/heartbeats.js';

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** Jobs waiting in BullMQ for a runner, per queue, and builds waiting for a builder. */
export async function queueDepths(queues: Queues, names: readonly string[]): Promise<{ runs: Map<string, number>; builds: number }> {
  const [runs, builds] = await Promise.all([
    Promise.all(names.map((q) => queues.run(q).getJobCounts('waiting', 'prioritized', 'delayed'))),
    queues.build.getJobCounts('waiting', 'prioritized', 'delayed'),
  ]);
  return { runs: new Map(names.map((q, i) => [q, total(runs[i])])), builds: total(builds) };
}

export interface OldestWaiting {
  since: string | null;
  /** 0 when none waits. */
  seconds: number;
}

/** Per queue of `names`, its oldest job waiting to start, from the store. */
export function oldestWaiting(store: Store, names: readonly string[], now = Date.now()): Map<string, OldestWaiting> {
  const out = new Map<string, OldestWaiting>(names.map((q) => [q, { since: null, seconds: 0 }]));
  for (const r of store.jobStats.oldestQueued()) out.set(r.queue, { since: r.since, seconds: Math.max(0, (now - Date.parse(r.since)) / 1000) });
  return out;
}

export interface RunnerHost {
  host: string;
  /** Runner processes whose heartbeat is recent. */
  live: number;
  slots: number;
  slotsInUse: number;
  heartbeatAgeSeconds: number;
}

/** The runner hosts heard from in the last day, by name: live runners' slots and jobs, and the newest heartbeat's age. */
export async function runnerHosts(redis: Redis, prefix: string, heartbeatMs: number, now = Date.now()): Promise<RunnerHost[]> {
  const hosts = new Map<string, RunnerHost>();
  for (const r of await readHeartbeats(redis, prefix, heartbeatMs, now)) {
    const h = hosts.get(r.name) ?? { host: r.name, live: 0, slots: 0, slotsInUse: 0, heartbeatAgeSeconds: Infinity };
    if (r.live) {
      h.slots += r.slots;
      h.slotsInUse += r.running.length;
      h.live++;
    }
    h.heartbeatAgeSeconds = Math.min(h.heartbeatAgeSeconds, Math.max(0, (now - Date.parse(r.seenAt)) / 1000));
    hosts.set(r.name, h);
  }
  return [...hosts.values()];
}

/** The data dir's file system: its size, and what is free for allgo there. */
export async function dataDirDisk(dataDir: string): Promise<{ sizeBytes: number; freeBytes: number }> {
  const s = await statfs(dataDir);
  return { sizeBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}
