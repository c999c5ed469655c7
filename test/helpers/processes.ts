// Polling for the tests.

export async function until(check: () => Promise<boolean> | boolean, ms = 60_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
