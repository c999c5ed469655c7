// One server's metrics, in a registry of its own (two servers in one process, as in the tests,
// never share one): the jobs, builds, queues and runners it knows of, the HTTP it serves, the
// pushes it received, and its process (CPU, memory, event-loop lag). The server aggregates:
// builders and runners report to it (outcomes.ts, heartbeats), so only it is scraped.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { BucketCounts, CountedHistogram } from './counted-histogram.js';
import type { Redis } from 'ioredis';
import type { Config } from '../../common/config.js';
import type { Store } from '../store/index.js';
import type { Queues } from '../queues.js';
import type { ServerEvents } from '../events.js';
import type { Datastore } from '../datastore.js';
import { JobMetrics } from './job-metrics.js';
import { BuildMetrics } from './build-metrics.js';
import { PlatformMetrics } from './platform-metrics.js';

export interface ServerMetricsDeps {
  config: Readonly<Config>;
  store: Store;
  queues: Queues;
  redis: Redis;
  events: ServerEvents;
  datastore: Datastore;
}

/** How a push ended: published or stored; refused by a check; failed (its build, or a version taken); an internal error. */
export type PushOutcome = 'accepted' | 'refused' | 'failed' | 'error';

const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServerMetrics {
  readonly registry = new Registry();
  /** Per route, method and status: their labels, and their counts. */
  private readonly requests = new Map<string, readonly [{ route: string; method: string; status: string }, BucketCounts]>();
  private readonly streams: Gauge;
  private readonly pushes: Counter<'outcome'>;
  private readonly jobs: JobMetrics;
  private readonly builds: BuildMetrics;
  private readonly platform: PlatformMetrics;

  constructor(deps: ServerMetricsDeps) {
    const { config, registry } = { ...deps, registry: this.registry };
    const queueNames = config.queues.map((q) => q.name);
    collectDefaultMetrics({ register: registry, prefix: 'allgo_server_' });
    new CountedHistogram('allgo_http_request_duration_seconds', 'API and git requests answered, by route (its pattern), method and status; event streams excepted', () => this.requests.values()).register(registry);
    this.streams = new Gauge({ name: 'allgo_sse_connections', help: 'Server-Sent Events streams open now (job and session events)', registers: [registry] });
    this.pushes = new Counter({ name: 'allgo_git_pushes_total', help: 'Pushes received, by outcome (accepted, refused, failed, error), since the server started', labelNames: ['outcome'], registers: [registry] });
    for (const outcome of ['accepted', 'refused', 'failed', 'error'] as const) this.pushes.inc({ outcome }, 0);
    this.jobs = new JobMetrics(registry, { ...deps, queueNames });
    this.builds = new BuildMetrics(registry, deps.store, deps.events);
    this.platform = new PlatformMetrics(registry, {
      queues: deps.queues,
      redis: deps.redis,
      redisPrefix: config.redisPrefix,
      heartbeatMs: config.heartbeatMs,
      queueNames,
      dataDir: config.dataDir,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The whole text: the store and Redis are read now, once. */
  async render(): Promise<string> {
    this.jobs.refresh();
    this.builds.refresh();
    await this.platform.refresh();
    return this.registry.metrics();
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    // Routes are patterns, so the series are few.
    const key = `${method} ${status} ${route}`;
    let series = this.requests.get(key);
    if (!series) this.requests.set(key, (series = [{ route, method, status: String(status) }, new BucketCounts(REQUEST_BUCKETS)]));
    series[1].observe(seconds);
  }

  streamOpened(): () => void {
    this.streams.inc();
    let open = true;
    return () => {
      if (open) this.streams.dec();
      open = false;
    };
  }

  countPush(outcome: PushOutcome): void {
    this.pushes.inc({ outcome });
  }

  close(): void {
    this.jobs.close();
    this.builds.close();
  }
}
