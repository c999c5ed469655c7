// Where a waiting job stands, and whose turn it is. A queue's waiting jobs are served in turns
// between users (each user's first waiting job, then each one's second...), and the position
// each job reports is its true place in that order: 1 starts next.
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Worker } from 'bullmq';
import { connectRedis } from '../../common/redis.js';
import { runQueueName } from '../../common/queues.js';
import { Queues } from '../../server/queues.js';
import type { RunPayload } from '../../schemas/index.js';
import { uniqueName } from '../helpers/platform.js';
import { platformTest } from '../helpers/platform-test.js';

const QUEUE = { name: 'batch', timeLimitMs: 60_000, description: '', priority: 1, concurrency: null, labels: [], retries: 0 };
const payload = (jobId: number): RunPayload => ({ jobId, image: 'none', argv: [], memoryMb: 64, timeLimitMs: 60_000, queue: QUEUE.name, logKey: 'none', retries: 0 });

describe('queue position (Redis and BullMQ, no runner)', () => {
  const redis = connectRedis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const prefix = uniqueName('position');
  const queues = new Queues(redis, prefix, [QUEUE]);
  afterAll(async () => {
    await queues.run(QUEUE.name).obliterate({ force: true });
    await queues.close();
    redis.disconnect();
  });

  it("regression: with 500 of carol's jobs waiting, bob's job queued behind them does not report 1, and carol's next-to-run does", async () => {
    const carol = Array.from({ length: 500 }, (_, i) => i + 1);
    for (const [i, id] of carol.entries()) await queues.enqueueRun(payload(id), i);
    const bob = 501;
    await queues.enqueueRun(payload(bob), 0);

    expect(await queues.position(QUEUE.name, carol[0])).toBe(1);
    // Fair shares: bob's first job takes the turn after carol's first, not the 501st.
    expect(await queues.position(QUEUE.name, bob)).toBe(2);
    expect(await queues.position(QUEUE.name, carol[1])).toBe(3);
    expect(await queues.position(QUEUE.name, carol[499])).toBe(501);
    expect(await queues.position(QUEUE.name, 9999)).toBeNull();

    // True: the order BullMQ hands jobs out is the order the positions said.
    const said = new Map<string, number>();
    for (const id of [...carol, bob]) said.set(`job-${id}`, (await queues.position(QUEUE.name, id))!);
    const worker = new Worker(runQueueName(QUEUE.name), null, { connection: redis, prefix, autorun: false });
    try {
      const taken: number[] = [];
      for (let job = await worker.getNextJob('t', { block: false }); job; job = await worker.getNextJob('t', { block: false })) {
        taken.push(said.get(job.id!)!);
      }
      expect(taken).toEqual(Array.from({ length: 501 }, (_, i) => i + 1));
    } finally {
      await worker.close(true);
    }
  });
});

const test = platformTest({ configYaml: 'runner: {concurrency: 1}\n' });

describe('fair shares (server, runner, Docker)', () => {
  test("another user's first job starts after at most one of the busy user's waiting jobs per slot", async ({ platform: p, probe, user: carol }) => {
    const bobToken = await p.addUser(uniqueName('bob'));
    const carols: number[] = [];
    for (let i = 0; i < 12; i++) carols.push(await p.submit(probe, 'sleep 1', { token: carol.token }));
    const bob = await p.submit(probe, 'exit 0', { token: bobToken });
    const startedBefore = new Set<number>();
    for (const id of carols) if ((await p.job(id)).status !== 'waiting') startedBefore.add(id);

    expect((await p.job(bob, bobToken)).queue_position).toBeLessThanOrEqual(2);
    await expect.poll(async () => (await p.job(bob, bobToken)).status).toBe('done');
    const bobStarted = (await p.job(bob, bobToken)).started_at as string;
    const jumped = [];
    for (const id of carols) {
      const j = await p.job(id);
      if (!startedBefore.has(id) && typeof j.started_at === 'string' && j.started_at < bobStarted) jumped.push(id);
    }
    // One slot: at most one of carol's waiting jobs starts before bob's.
    expect(jumped.length).toBeLessThanOrEqual(1);
    for (const id of carols) await p.api(`/api/v1/jobs/${id}`, { method: 'DELETE', token: carol.token });
  });
});
