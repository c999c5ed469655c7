import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // faults/ and soak/ disturb the machine: they have their own configs and run alone.
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/security/**/*.test.ts', 'test/browser/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Integration tests build images and run containers: give them time, and keep two
    // files at a time on two cores.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default'],
    // expect.poll waits up to a minute unless a call says otherwise (its own default is 1 s).
    expect: { poll: { timeout: 60_000, interval: 100 } },
  },
});
