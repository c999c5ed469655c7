// When a job's events are due. It listens to the server's job notices (each change the store
// records) and reads the job: `start` once it runs, `progress` when its reported progress
// changed (at most one every PROGRESS_GAP_MS: one that comes sooner waits for the end of the
// gap, so the latest is still sent), `completed` once it is done, whatever its result. The
// store claims each, so a repeated notice sends nothing twice, even across restarts.
import type { Logger } from 'pino';
import type { ServerEvents } from '../events.js';
import type { Store } from '../store/index.js';
import { isFinishedJob } from '../../common/states.js';
import type { WebhookDeliveries } from './deliveries.js';

const PROGRESS_GAP_MS = 2000;

export class WebhookTrigger {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly onJob = (id: number) => {
    this.check(id).catch((err) => this.deps.log.warn({ err, jobId: id }, 'could not queue a webhook delivery'));
  };

  constructor(private readonly deps: { store: Store; events: ServerEvents; deliveries: Pick<WebhookDeliveries, 'send'>; log: Logger }) {}

  /** Listens, and sends the `completed` of jobs that ended while no one listened. */
  async start(): Promise<void> {
    this.deps.events.on('job', this.onJob);
    for (const id of this.deps.store.webhooks.unsentCompleted()) await this.check(id);
  }

  close(): void {
    this.deps.events.off('job', this.onJob);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  async check(id: number): Promise<void> {
    const { store, deliveries } = this.deps;
    const hook = store.webhooks.ofJob(id);
    const job = hook && store.jobs.byId(id);
    if (!hook || !job) return;
    const finished = isFinishedJob(job.state);
    // A job can end before its running was seen (a short one); one served from the cache never ran.
    const ran = job.state === 'running' || (finished && job.startedAt !== null && job.cachedFrom === null);
    if (hook.events.includes('start') && ran && store.webhooks.claimStart(id)) await deliveries.send(id, 'start');
    if (hook.events.includes('progress') && job.state === 'running') {
      const progress = store.progress.get(id);
      if (progress && progress.at !== hook.progressSentAt) {
        const now = Date.now();
        if (store.webhooks.claimProgress(id, progress.at, now, PROGRESS_GAP_MS)) await deliveries.send(id, 'progress', new Date(now));
        else if (!this.timers.has(id)) {
          const wait = Math.max(0, (hook.progressSentMs ?? now) + PROGRESS_GAP_MS - now);
          this.timers.set(id, setTimeout(() => {
            this.timers.delete(id);
            this.onJob(id);
          }, wait));
        }
      }
    }
    if (hook.events.includes('completed') && finished && store.webhooks.claimCompleted(id)) await deliveries.send(id, 'completed');
  }
}
