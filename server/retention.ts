// Finished jobs keep their files for the configured retention, then are archived: files
// removed, metadata kept (A||GO deleted jobs after a month).
import type { Logger } from 'pino';
import type { Store } from './store/index.js';
import type { Datastore } from './datastore.js';

const BATCH = 200;

export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly datastore: Datastore,
    private readonly retentionMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    const every = Math.min(Math.max(this.retentionMs / 2, 1000), 3_600_000);
    const tick = () => {
      this.sweep()
        .catch((err) => this.log.warn({ err }, 'retention sweep failed'))
        .finally(() => (this.timer = setTimeout(tick, every)));
    };
    tick();
  }

  async sweep(): Promise<number> {
    const before = new Date(Date.now() - this.retentionMs).toISOString();
    let archived = 0;
    for (const job of this.store.jobs.listExpired(before, BATCH)) {
      await this.datastore.discardJob(job.id);
      if (this.store.jobs.markArchived(job.id)) archived++;
    }
    if (archived) this.log.info({ archived }, 'archived expired jobs');
    return archived;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
