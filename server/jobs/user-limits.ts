// A user's share, checked before a submission's upload is read: jobs waiting at once,
// submissions per minute, storage of their jobs' files. Each refusal names the limit and how to
// free room. Jobs running at once are not refused here: over that limit a job waits its turn
// (held-jobs.ts).
import type { UserLimits } from '../../common/config.js';
import { QuotaError, RateLimitError } from '../errors.js';
import { limitsOf, type User } from '../store/users.js';
import type { Store } from '../store/index.js';

const GB = 1024 ** 3;
const MINUTE_MS = 60_000;

export function checkUserLimits(store: Store, defaults: Readonly<UserLimits>, user: User, nowMs = Date.now()): void {
  const limits = limitsOf(user, defaults);
  const { usage } = store;
  if (limits.maxWaiting !== null) {
    const waiting = usage.queued(user.id);
    if (waiting >= limits.maxWaiting) {
      throw new QuotaError('max_waiting', `you have ${waiting} jobs waiting to start, the most you may (max_waiting: ${limits.maxWaiting}): submit again once some have started, or cancel some (DELETE /api/v1/jobs/N)`);
    }
  }
  if (limits.perMinute !== null) {
    const recent = usage.submittedSince(user.id, new Date(nowMs - MINUTE_MS).toISOString(), limits.perMinute);
    if (recent >= limits.perMinute) {
      throw new RateLimitError(`you submitted ${recent} jobs in the last minute, the most you may (per_minute: ${limits.perMinute}): try again in a minute`, 60);
    }
  }
  if (limits.storageGb !== null) {
    const used = usage.storage(user.id);
    if (used >= limits.storageGb * GB) {
      throw new QuotaError('storage_gb', `your jobs' files take ${(used / GB).toFixed(2)} GB of your ${limits.storageGb} GB (storage_gb): delete finished jobs you no longer need (DELETE /api/v1/jobs/N)`);
    }
  }
}
