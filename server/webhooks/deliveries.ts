// Deliveries through BullMQ's `webhooks` queue, never from a request: an event records a
// delivery (its id, its body) and queues it; the worker, in the server's process since it signs
// with the user's secret and records each attempt in the store, checks the target again (after
// DNS), POSTs, and fails the BullMQ job on anything but a 2xx, so BullMQ retries it with
// exponential backoff, a bounded number of times. A refused target is not retried.
// A job's deliveries go in order: one waits (without spending an attempt) while an earlier one
// of its job is still being tried, for at most ORDER_WAIT_MAX_MS (a delivery lost with Redis
// must not hold the others forever).
import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebhookEvent } from '../../schemas/index.js';
import { WEBHOOK_QUEUE } from '../../common/queues.js';
import { closeWorker } from '../../common/close.js';
import type { Job, Store } from '../store/index.js';
import { checkTarget, type TargetCheck } from './target-address.js';
import { HEADERS, signDelivery, userWebhookSecret } from './signature.js';
import { postWebhook } from './webhook-post.js';

interface DeliveryJob {
  deliveryId: string;
}

export interface DeliveryOptions {
  /** Attempts in all (default 5), the first retry's delay (default 1 s, doubling each time), and each attempt's time limit. */
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  /** Deliveries sent at once. */
  concurrency: number;
}

const ORDER_RECHECK_MS = 250;
const ORDER_WAIT_MAX_MS = 5 * 60_000;

const DELIVERY_DEFAULTS: DeliveryOptions = { attempts: 5, backoffMs: 1000, timeoutMs: 10_000, concurrency: 4 };

export interface WebhookDeliveriesDeps {
  store: Store;
  /** For the queue (shared is fine) and the worker (it blocks: its own). */
  connection: Redis;
  workerConnection: Redis;
  prefix: string;
  check: TargetCheck;
  /** The server's secret: users' signing secrets are derived from it. */
  secret: string;
  /** The job's answer as GET /api/v1/jobs/N gives it, with the links of `linkBase`. */
  answer(job: Job, linkBase: string): Promise<string>;
  log: Logger;
  options?: Partial<DeliveryOptions>;
}

export class WebhookDeliveries {
  private readonly queue: Queue<DeliveryJob>;
  private readonly worker: Worker<DeliveryJob>;
  private readonly opts: DeliveryOptions;
  private closing: Promise<void> | null = null;

  constructor(private readonly deps: WebhookDeliveriesDeps) {
    this.opts = { ...DELIVERY_DEFAULTS, ...deps.options };
    this.queue = new Queue(WEBHOOK_QUEUE, { connection: deps.connection, prefix: deps.prefix });
    this.worker = new Worker<DeliveryJob>(WEBHOOK_QUEUE, (job, token) => this.deliver(job, token), { connection: deps.workerConnection, prefix: deps.prefix, concurrency: this.opts.concurrency });
    this.worker.on('error', (err) => deps.log.warn({ err }, 'webhook worker'));
  }

  /** Records a delivery of `event` (due since `at`) with the job's answer as it is now, and queues it. */
  async send(jobId: number, event: WebhookEvent, at: Date = new Date()): Promise<void> {
    const { store } = this.deps;
    const hook = store.webhooks.ofJob(jobId);
    const job = store.jobs.byId(jobId);
    if (!hook || !job) return;
    const id = randomUUID();
    store.webhooks.addDelivery(id, jobId, event, await this.deps.answer(job, hook.linkBase), at.toISOString());
    await this.queue.add('deliver', { deliveryId: id }, {
      jobId: id,
      attempts: this.opts.attempts,
      backoff: { type: 'exponential', delay: this.opts.backoffMs },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  private async deliver(bull: BullJob<DeliveryJob>, token: string | undefined): Promise<void> {
    const { store } = this.deps;
    const d = store.webhooks.delivery(bull.data.deliveryId);
    const hook = d && store.webhooks.ofJob(d.jobId);
    const owner = d && store.jobs.byId(d.jobId);
    if (!d || d.state !== 'pending' || !hook || !owner) return;
    if (store.webhooks.hasEarlierPending(d.id, new Date(Date.now() - ORDER_WAIT_MAX_MS).toISOString())) {
      await bull.moveToDelayed(Date.now() + ORDER_RECHECK_MS, token);
      throw new DelayedError();
    }
    const at = new Date().toISOString();
    const giveUp = (error: string): never => {
      store.webhooks.addAttempt(d.id, { at, statusCode: null, error, durationMs: 0 });
      store.webhooks.setDeliveryState(d.id, 'failed');
      throw new UnrecoverableError(error);
    };
    const nonce = store.webhooks.ofUser(owner.userId).secretNonce;
    if (!nonce) giveUp('the job owner has no signing secret');
    const url = new URL(hook.url);
    let address: string;
    try {
      address = await checkTarget(url, this.deps.check);
    } catch (err) {
      return giveUp((err as Error).message);
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      [HEADERS.delivery]: d.id,
      [HEADERS.event]: d.event,
      [HEADERS.timestamp]: String(timestamp),
      [HEADERS.signature]: signDelivery(userWebhookSecret(this.deps.secret, owner.userId, nonce!), timestamp, d.body),
    };
    const r = await postWebhook(url, address, headers, d.body, this.opts.timeoutMs);
    store.webhooks.addAttempt(d.id, { at, ...r });
    if (r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300) {
      store.webhooks.setDeliveryState(d.id, 'delivered');
      return;
    }
    const why = r.error ?? `the receiver answered ${r.statusCode}`;
    if (bull.attemptsMade + 1 >= (bull.opts.attempts ?? 1)) {
      store.webhooks.setDeliveryState(d.id, 'failed');
      this.deps.log.info({ jobId: d.jobId, delivery: d.id, why }, 'webhook delivery failed for good');
    }
    throw new Error(why);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await closeWorker(this.worker);
      await this.queue.close();
    })();
    return this.closing;
  }
}
