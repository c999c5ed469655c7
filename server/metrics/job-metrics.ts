// Jobs, read from the store at each scrape (so they survive the server's restarts): finished
// ones by app, queue and result, with their waiting and running times; unfinished ones by queue
// and state; each queue's oldest waiting job. Outputs are measured as each job ends.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Store } from '../store/index.js';
import type { ServerEvents } from '../events.js';
import type { Datastore } from '../datastore.js';
import { UNFINISHED_JOB_STATES } from '../../common/states.js';
import { FinishedJobs, Tally } from './job-tally.js';
import { CountedHistogram, byLabel } from './counted-histogram.js';
import { oldestWaiting } from '../admin/platform-numbers.js';

export interface JobMetricsDeps {
  store: Store;
  events: ServerEvents;
  datastore: Datastore;
  queueNames: readonly string[];
}

/** Jobs whose outputs were measured, remembered this long (a finished job's events are few). */
const MEASURED_KEPT = 10_000;
const MB = 1024 * 1024;

export class JobMetrics {
  private readonly finished: FinishedJobs;
  private tally = new Tally();
  private readonly unfinished: Gauge<'queue' | 'state'>;
  private readonly oldest: Gauge<'queue'>;
  private readonly outputs: Histogram<'queue'>;
  private readonly measured = new Set<number>();
  private readonly onJob = (id: number) => void this.measure(id).catch(() => undefined);

  constructor(
    registry: Registry,
    private readonly deps: JobMetricsDeps,
  ) {
    this.finished = new FinishedJobs(deps.store.jobStats);
    const tally = () => this.tally;
    new Counter({
      name: 'allgo_jobs_total',
      help: 'Jobs finished, by app, queue and result (from the store: kept across restarts)',
      labelNames: ['app', 'queue', 'result'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, n] of tally().jobs) {
          const [app, queue, result] = key.split('\t');
          this.inc({ app, queue, result }, n);
        }
      },
    });
    this.unfinished = new Gauge({ name: 'allgo_jobs', help: 'Jobs not finished now, by queue and state', labelNames: ['queue', 'state'], registers: [registry] });
    this.oldest = new Gauge({ name: 'allgo_queue_oldest_waiting_seconds', help: 'Age of the oldest job waiting to start, by queue (0: none waits)', labelNames: ['queue'], registers: [registry] });
    new CountedHistogram('allgo_job_waiting_seconds', 'Time finished jobs waited from submission to start, by queue', () => byLabel('queue', this.tally.waited)).register(registry);
    new CountedHistogram('allgo_job_running_seconds', 'Time finished jobs ran, by queue', () => byLabel('queue', this.tally.ran)).register(registry);
    this.outputs = new Histogram({
      name: 'allgo_job_outputs_bytes',
      help: 'Bytes a job left in its folder besides its inputs, by queue (measured as jobs end, since the server started)',
      labelNames: ['queue'],
      buckets: [0, 1024, MB, 10 * MB, 100 * MB, 1024 * MB, 10 * 1024 * MB],
      registers: [registry],
    });
    deps.events.on('job', this.onJob);
  }

  /** Reads the store once per scrape; the metrics above render what it read. */
  refresh(now = Date.now()): void {
    const { store, queueNames } = this.deps;
    this.tally = this.finished.read();
    this.unfinished.reset();
    for (const queue of queueNames) for (const state of UNFINISHED_JOB_STATES) this.unfinished.set({ queue, state }, 0);
    for (const r of store.jobStats.unfinishedByQueue()) this.unfinished.set({ queue: r.queue, state: r.state }, r.count);
    this.oldest.reset();
    for (const [queue, o] of oldestWaiting(store, queueNames, now)) this.oldest.set({ queue }, o.seconds);
  }

  private async measure(id: number): Promise<void> {
    if (this.measured.has(id)) return;
    const job = this.deps.store.jobs.byId(id);
    if (job?.state !== 'done') return;
    this.measured.add(id);
    if (this.measured.size > MEASURED_KEPT) this.measured.delete(this.measured.values().next().value!);
    const inputs = new Set(job.inputs);
    const files = await this.deps.datastore.list(id);
    this.outputs.observe({ queue: job.queue }, files.filter((f) => !inputs.has(f.name)).reduce((n, f) => n + f.size, 0));
  }

  close(): void {
    this.deps.events.off('job', this.onJob);
  }
}
