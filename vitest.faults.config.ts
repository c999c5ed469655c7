import { defineConfig } from 'vitest/config';

// Tests that disturb the whole machine (restarting the Docker engine) run alone, one file
// at a time, after the main suite.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    // expect.poll waits up to a minute unless a call says otherwise (its own default is 1 s).
    expect: { poll: { timeout: 60_000, interval: 100 } },
  },
});
