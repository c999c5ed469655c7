import { defineConfig } from 'vitest/config';

// Tests across test hosts (support/hosts.ts: network namespaces, each with its own Docker
// engine): they bring up engines and a registry of their own, so they run alone, one file at
// a time, after the main suite.
export default defineConfig({
  test: {
    include: ['test/hosts/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
