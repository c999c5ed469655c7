// What the platform has in hand at each scrape: the run queues' depth in BullMQ, the runner
// hosts' slots and heartbeats (as GET /api/v1/runners reads them), and the data dir's disk.
import { statfs } from 'node:fs/promises';
import { Gauge, type Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import type { Queues } from '../queues.js';
import { readHeartbeats } from '../../common/heartbeats.js';

export interface PlatformMetricsDeps {
  queues: Queues;
  redis: Redis;
  redisPrefix: string;
  heartbeatMs: number;
  queueNames: readonly string[];
  dataDir: string;
}

export class PlatformMetrics {
  private readonly depth: Gauge<'queue'>;
  private readonly buildsQueued: Gauge;
  private readonly slots: Gauge<'host'>;
  private readonly inUse: Gauge<'host'>;
  private readonly live: Gauge<'host'>;
  private readonly beatAge: Gauge<'host'>;
  private readonly diskFree: Gauge;
  private readonly diskSize: Gauge;

  constructor(
    registry: Registry,
    private readonly deps: PlatformMetricsDeps,
  ) {
    const registers = [registry];
    this.depth = new Gauge({ name: 'allgo_queue_depth', help: 'Run jobs waiting in BullMQ for a runner, by queue', labelNames: ['queue'], registers });
    this.buildsQueued = new Gauge({ name: 'allgo_build_queue_depth', help: 'Builds waiting in BullMQ for a builder', registers });
    this.slots = new Gauge({ name: 'allgo_runner_slots', help: 'Job slots of the live runners, by host', labelNames: ['host'], registers });
    this.inUse = new Gauge({ name: 'allgo_runner_slots_in_use', help: 'Jobs the live runners run now, by host', labelNames: ['host'], registers });
    this.live = new Gauge({ name: 'allgo_runners_live', help: 'Runner processes whose heartbeat is recent, by host', labelNames: ['host'], registers });
    this.beatAge = new Gauge({ name: 'allgo_runner_heartbeat_age_seconds', help: 'Age of the newest heartbeat of each host heard from in the last day', labelNames: ['host'], registers });
    this.diskFree = new Gauge({ name: 'allgo_data_dir_free_bytes', help: 'Bytes free for allgo on the data dir\'s file system', registers });
    this.diskSize = new Gauge({ name: 'allgo_data_dir_size_bytes', help: 'Size of the data dir\'s file system', registers });
  }

  async refresh(now = Date.now()): Promise<void> {
    const { queues, queueNames } = this.deps;
    const [depths, builds] = await Promise.all([
      Promise.all(queueNames.map((q) => queues.run(q).getJobCounts('waiting', 'prioritized', 'delayed'))),
      queues.build.getJobCounts('waiting', 'prioritized', 'delayed'),
      this.refreshRunners(now),
      this.refreshDisk(),
    ]);
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    queueNames.forEach((queue, i) => this.depth.set({ queue }, total(depths[i])));
    this.buildsQueued.set(total(builds));
  }

  private async refreshRunners(now: number): Promise<void> {
    const seen = await readHeartbeats(this.deps.redis, this.deps.redisPrefix, this.deps.heartbeatMs, now);
    for (const g of [this.slots, this.inUse, this.live, this.beatAge]) g.reset();
    const hosts = new Map<string, { slots: number; inUse: number; live: number; age: number }>();
    for (const r of seen) {
      const h = hosts.get(r.name) ?? { slots: 0, inUse: 0, live: 0, age: Infinity };
      if (r.live) {
        h.slots += r.slots;
        h.inUse += r.running.length;
        h.live++;
      }
      h.age = Math.min(h.age, Math.max(0, (now - Date.parse(r.seenAt)) / 1000));
      hosts.set(r.name, h);
    }
    for (const [host, h] of hosts) {
      this.slots.set({ host }, h.slots);
      this.inUse.set({ host }, h.inUse);
      this.live.set({ host }, h.live);
      this.beatAge.set({ host }, h.age);
    }
  }

  private async refreshDisk(): Promise<void> {
    const s = await statfs(this.deps.dataDir);
    this.diskFree.set(s.bavail * s.bsize);
    this.diskSize.set(s.blocks * s.bsize);
  }
}
