// Stopping with a deadline: give work a while to finish, then stop it regardless. The timer is
// cleared as soon as the work ends, so a quick close does not keep the process alive.

/** Waits for `work`, at most `ms`: true if it ended in time. A rejection of `work` is passed on. */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A BullMQ worker: lets its running jobs finish for `graceMs`, then closes it regardless. */
export async function closeWorker(worker: { close(force?: boolean): Promise<void> }, graceMs = 10_000): Promise<void> {
  await waitAtMost(worker.close(), graceMs);
  await worker.close(true);
}
