// The admin overview (GET /api/v1/admin/overview, `allgo admin`, the site's admin page): the
// queues, the runner hosts, the last failures, the biggest users and the disks, read now. The
// queue, runner and disk numbers come from platform-numbers.ts, as /metrics reads them.
import type Docker from 'dockerode';
import type { Redis } from 'ioredis';
import type { Config } from '../../common/config.js';
import type { AdminOverview } from '../../schemas/index.js';
import type { Queues } from '../queues.js';
import type { Store } from '../store/index.js';
import { dataDirDisk, oldestWaiting, queueDepths, runnerHosts } from './platform-numbers.js';

/** Entries in each list of failures and of users. */
const LISTED = 10;
/** `docker system df` sizes every layer: on a large engine it takes a while, and the rest need not wait. */
const DOCKER_DF_TIMEOUT_MS = 5000;

export interface OverviewDeps {
  config: Readonly<Pick<Config, 'queues' | 'redisPrefix' | 'heartbeatMs' | 'dataDir' | 'registry'>>;
  store: Store;
  queues: Queues;
  redis: Redis;
  docker: Docker;
}

export async function readOverview(deps: OverviewDeps, now = Date.now()): Promise<AdminOverview> {
  const { config, store } = deps;
  const names = config.queues.map((q) => q.name);
  const [depths, hosts, disk, docker] = await Promise.all([
    queueDepths(deps.queues, names),
    runnerHosts(deps.redis, config.redisPrefix, config.heartbeatMs, now),
    dataDirDisk(config.dataDir),
    dockerDisk(deps.docker),
  ]);
  const oldest = oldestWaiting(store, names, now);
  const running = new Map<string, number>();
  for (const r of store.jobStats.unfinishedByQueue()) if (r.state === 'running') running.set(r.queue, r.count);
  const biggest = store.usage.biggest(LISTED);
  const images = store.adminStats.registryImages();
  return {
    generated_at: new Date(now).toISOString(),
    queues: names.map((name) => ({
      name,
      depth: depths.runs.get(name) ?? 0,
      running: running.get(name) ?? 0,
      oldest_waiting_since: oldest.get(name)?.since ?? null,
      oldest_waiting_seconds: round(oldest.get(name)?.seconds ?? 0),
    })),
    builds: { depth: depths.builds, in_progress: store.versions.listBuilding().length },
    runners: hosts.map((h) => ({ host: h.host, live: h.live, slots: h.slots, slots_in_use: h.slotsInUse, heartbeat_age_seconds: round(h.heartbeatAgeSeconds) })),
    failed_jobs: store.adminStats.failedJobs(LISTED),
    failed_builds: store.adminStats.failedBuilds(LISTED),
    users_by_storage: biggest.map((u) => ({ name: u.name, storage_bytes: u.bytes, jobs: u.jobs, running: u.running })),
    users_by_running: store.adminStats.busiest(LISTED),
    disk: {
      data_dir: { path: config.dataDir, size_bytes: disk.sizeBytes, free_bytes: disk.freeBytes, jobs_bytes: store.adminStats.storedJobBytes() },
      registry: config.registry ? { url: config.registry.address, images: images.images, bytes: images.bytes } : null,
      docker,
    },
  };
}

const round = (seconds: number): number => Math.round(seconds * 10) / 10;

interface DockerDf {
  LayersSize?: number;
  Containers?: { SizeRw?: number }[];
  Volumes?: { UsageData?: { Size?: number } }[];
  BuildCache?: { Size?: number }[];
}

/** What the engine's images, containers, volumes and build cache take; null when it does not answer in time. */
async function dockerDisk(docker: Docker): Promise<AdminOverview['disk']['docker']> {
  let timer: NodeJS.Timeout | undefined;
  const df = await Promise.race([
    (docker.df() as Promise<DockerDf>).catch(() => null),
    new Promise<null>((resolve) => (timer = setTimeout(resolve, DOCKER_DF_TIMEOUT_MS, null))),
  ]).finally(() => clearTimeout(timer));
  if (!df) return null;
  const sum = (sizes: (number | undefined)[]) => sizes.reduce<number>((n, s) => n + (s && s > 0 ? s : 0), 0);
  return {
    images_bytes: df.LayersSize ?? 0,
    containers_bytes: sum((df.Containers ?? []).map((c) => c.SizeRw)),
    volumes_bytes: sum((df.Volumes ?? []).map((v) => v.UsageData?.Size)),
    build_cache_bytes: sum((df.BuildCache ?? []).map((b) => b.Size)),
  };
}
