import { defineConfig } from 'vitest/config';

// `npm run soak`: long fault-injection runs, outside `npm test`.
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
    // expect.poll waits up to a minute unless a call says otherwise (its own default is 1 s).
    expect: { poll: { timeout: 60_000, interval: 100 } },
  },
});
