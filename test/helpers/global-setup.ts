// One real redis-server for the whole run (unless REDIS_URL is given); each test file uses
// its own key prefix, so files never see each other's queues.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { RedisSupervisor } from '../../cli/redis-supervisor.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'allgo-test-redis-'));
  const sup = new RedisSupervisor(dir, pino({ level: 'warn' }));
  project.provide('redisUrl', await sup.start());
  return async () => {
    await sup.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
