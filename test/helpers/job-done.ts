// The one bounded wait for a job to be `done`, whichever way a test reads its job.
import { vi } from 'vitest';

/** `read` polled until the job is `done`; fails after `ms` naming its last answer. */
export function jobWhenDone<J extends { status?: unknown }>(id: number, read: () => Promise<J>, ms = 120_000, interval = 250): Promise<J> {
  return vi.waitFor(
    async () => {
      const job = await read();
      if (job.status !== 'done') throw new Error(`job ${id} was not done within ${ms} ms; last seen: ${JSON.stringify(job)}`);
      return job;
    },
    { timeout: ms, interval },
  );
}
