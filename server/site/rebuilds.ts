// Debounced catalog rebuilds through BullMQ's `site` queue. Every change asks for a rebuild;
// one deduplication id folds a burst of them into one job whose delay restarts with each
// request, and a request that arrives while a build runs queues exactly one more after it.
// The worker runs with the server role (it reads the store) and builds one site at a time.
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { SITE_QUEUE } from '../../common/queues.js';
import { closeWorker } from '../../common/close.js';

const DEDUP_ID = 'rebuild';

export interface SiteRebuildRequest {
  reason: string;
}

export interface SiteRebuildsOptions {
  /** For the queue (shared is fine). */
  connection: Redis;
  /** For the worker: it blocks, so it gets its own. */
  workerConnection: Redis;
  prefix: string;
  debounceMs: number;
  /** Builds and swaps in the site; its rejection fails the job (and is retried once). */
  build(signal: AbortSignal): Promise<unknown>;
  log: Logger;
}

export class SiteRebuilds {
  private readonly queue: Queue<SiteRebuildRequest>;
  private readonly worker: Worker<SiteRebuildRequest>;
  private closing: Promise<void> | null = null;
  /** Aborted by close(): a build in progress is killed rather than waited for. */
  private readonly stopping = new AbortController();

  constructor(private readonly opts: SiteRebuildsOptions) {
    this.queue = new Queue(SITE_QUEUE, { connection: opts.connection, prefix: opts.prefix });
    this.worker = new Worker<SiteRebuildRequest>(SITE_QUEUE, (job: Job<SiteRebuildRequest>, _token, signal) => this.process(job, signal), {
      connection: opts.workerConnection,
      prefix: opts.prefix,
      concurrency: 1,
    });
    this.worker.on('failed', (job, err) => {
      if (this.stopping.signal.aborted) return;
      opts.log.error({ err, reason: job?.data.reason, attempt: job?.attemptsMade }, 'site rebuild failed');
    });
    this.worker.on('error', (err) => opts.log.warn({ err }, 'site worker'));
  }

  private async process(job: Job<SiteRebuildRequest>, signal?: AbortSignal): Promise<void> {
    this.opts.log.debug({ reason: job.data.reason }, 'rebuilding the site');
    await this.opts.build(signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal);
  }

  /** Asks for a rebuild `debounceMs` from now; requests until then are folded into it. */
  async request(reason: string): Promise<void> {
    await this.queue.add(
      'rebuild',
      { reason },
      {
        delay: this.opts.debounceMs,
        deduplication: { id: DEDUP_ID, extend: true, replace: true, keepLastIfActive: true },
        attempts: 2,
        backoff: { type: 'fixed', delay: 5000 },
        removeOnComplete: 50,
        removeOnFail: 50,
      },
    );
  }

  /** Fire and forget, for event handlers: a failure is logged, never thrown. */
  requestSoon(reason: string): void {
    this.request(reason).catch((err) => this.opts.log.warn({ err, reason }, 'could not queue a site rebuild'));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping.abort();
      await closeWorker(this.worker);
      await this.queue.close();
    })();
    return this.closing;
  }
}
