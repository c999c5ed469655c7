// Jobs held back by their user's max_running. A runner's first claim of a job whose user runs
// as many jobs as they may is answered "wait", and the runner puts the job back in line,
// delayed (runner/run-job.ts). The server remembers which jobs it held, per user, in the order
// it held them; when one of the user's jobs ends, as many as the user now has room for go back
// in line at once (BullMQ promote), with the priority they had. The delay is only the safety
// net for a restarted server, which has forgotten whom it held.
import type { UserLimits } from '../../common/config.js';
import { isFinishedJob } from '../../common/states.js';
import type { Queues } from '../queues.js';
import type { Job, Store } from '../store/index.js';
import { limitsOf } from '../store/users.js';

export class HeldJobs {
  /** userId → jobId → its queue, in the order held. */
  private readonly held = new Map<number, Map<number, string>>();

  constructor(
    private readonly store: Store,
    private readonly queues: Queues,
    private readonly defaults: Readonly<UserLimits>,
  ) {}

  /** At a job's first claim: why it must wait (it is then held), or null to run it now. */
  check(job: Job): string | null {
    const max = limitsOf(this.store.users.byId(job.userId)!, this.defaults).maxRunning;
    const running = max === null ? 0 : this.store.usage.running(job.userId);
    const mine = this.held.get(job.userId);
    if (max === null || running < max) {
      mine?.delete(job.id);
      return null;
    }
    if (mine) mine.set(job.id, job.queue);
    else this.held.set(job.userId, new Map([[job.id, job.queue]]));
    return `its user runs ${running} jobs, the most they may at once (max_running: ${max})`;
  }

  /** Any change to job `jobId`: once it has ended, its user's held jobs go back in line as room allows. */
  async onJob(jobId: number): Promise<void> {
    const job = this.store.jobs.byId(jobId);
    if (!job || !isFinishedJob(job.state)) return;
    const mine = this.held.get(job.userId);
    if (!mine) return;
    mine.delete(jobId);
    const max = limitsOf(this.store.users.byId(job.userId)!, this.defaults).maxRunning;
    const room = max === null ? mine.size : Math.max(0, max - this.store.usage.running(job.userId));
    for (const [id, queue] of [...mine].slice(0, room)) {
      mine.delete(id);
      // Only a delayed job can be promoted: one already back in line, or taken, is left as it is.
      await (await this.queues.getRunJob(queue, id))?.promote().catch(() => undefined);
    }
    if (mine.size === 0) this.held.delete(job.userId);
  }
}
