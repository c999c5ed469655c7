// What the platform has in hand at each scrape: the run queues' depth in BullMQ, the runner
// hosts' slots and heartbeats (as GET /api/v1/runners reads them), and the data dir's disk,
// read as the admin overview reads them (admin/platform-numbers.ts).
import { Gauge, type Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import type { Queues } from '../queues.js';
import { dataDirDisk, queueDepths, runnerHosts } from '../admin/platform-numbers.js';

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
    const { queues, queueNames, redis, redisPrefix, heartbeatMs, dataDir } = this.deps;
    const [depths, hosts, disk] = await Promise.all([queueDepths(queues, queueNames), runnerHosts(redis, redisPrefix, heartbeatMs, now), dataDirDisk(dataDir)]);
    for (const [queue, n] of depths.runs) this.depth.set({ queue }, n);
    this.buildsQueued.set(depths.builds);
    for (const g of [this.slots, this.inUse, this.live, this.beatAge]) g.reset();
    for (const h of hosts) {
      this.slots.set({ host: h.host }, h.slots);
      this.inUse.set({ host: h.host }, h.slotsInUse);
      this.live.set({ host: h.host }, h.live);
      this.beatAge.set({ host: h.host }, h.heartbeatAgeSeconds);
    }
    this.diskFree.set(disk.freeBytes);
    this.diskSize.set(disk.sizeBytes);
  }
}
