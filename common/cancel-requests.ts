// How a cancel reaches the runner that holds a job: the server sets a key that says so and
// announces it on a channel. The announcement stops a running job at once; the key is what a
// runner checks before it starts a job and at each lock renewal, since an announcement can be
// missed (a subscriber reconnecting, a runner taking the job over after a crash). The runner
// clears the key once the job has ended. The server writes; runners read.
import type { Redis } from 'ioredis';

/** Long enough for any job to be taken and end; the key only matters until then. */
const KEEP_SECONDS = 7 * 24 * 3600;

const key = (prefix: string, jobId: number): string => `${prefix}:abort:${jobId}`;
const channel = (prefix: string): string => `${prefix}:aborts`;

/** The server's side: ask whichever runner holds (or will take) the job to stop it. */
export async function requestCancel(redis: Redis, prefix: string, jobId: number): Promise<void> {
  await redis.multi().set(key(prefix, jobId), '1', 'EX', KEEP_SECONDS).publish(channel(prefix), String(jobId)).exec();
}

export async function isCancelRequested(redis: Redis, prefix: string, jobId: number): Promise<boolean> {
  return (await redis.exists(key(prefix, jobId))) === 1;
}

export async function clearCancelRequest(redis: Redis, prefix: string, jobId: number): Promise<void> {
  await redis.del(key(prefix, jobId));
}

/** Calls `onCancel` with each job id announced; `subscriber` is a connection given to subscriptions. */
export async function onCancelRequests(subscriber: Redis, prefix: string, onCancel: (jobId: number) => void): Promise<void> {
  const name = channel(prefix);
  subscriber.on('message', (from: string, message: string) => {
    if (from === name) onCancel(Number(message));
  });
  await subscriber.subscribe(name);
}
