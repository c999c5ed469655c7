// Between full sweeps the server's short sweep reads only what can have changed (the runs BullMQ
// has active or ended lately, and the jobs under way), never every waiting job. An event the
// server missed while up (its QueueEvents closed here, so that none arrives) must still be
// recorded by that short sweep: a run that ended, and a run a runner took and started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Worker } from 'bullmq';
import pino from 'pino';
import { connectRedis } from '../../common/redis.js';
import { runQueueName } from '../../common/queues.js';
import { Queues } from '../../server/queues.js';
import { OutcomeRecorder } from '../../server/outcomes.js';
import { ServerEvents } from '../../server/events.js';
import { openStore, type Store } from '../../server/store/index.js';
import type { RunPayload } from '../../schemas/index.js';
import { versionInput } from '../helpers/store.js';
import { uniqueName } from '../helpers/platform.js';

const QUEUE = { name: 'standard', timeLimitMs: 60_000, description: '', priority: 1, concurrency: null, labels: [], retries: 0 };
const payload = (jobId: number): RunPayload => ({ jobId, image: 'none', argv: [], memoryMb: 64, timeLimitMs: 60_000, queue: QUEUE.name, logKey: 'none', retries: 0 });

describe('the short outcome sweep', () => {
  const url = inject('redisUrl');
  const redis = connectRedis(url);
  const prefix = uniqueName('sweep');
  const queues = new Queues(redis, prefix, [QUEUE]);
  const store: Store = openStore(':memory:');
  const worker = new Worker(runQueueName(QUEUE.name), null, { connection: redis, prefix, autorun: false });
  const recorder = new OutcomeRecorder({ store, queues, redis, connect: () => connectRedis(url), queueNames: [QUEUE.name], prefix, events: new ServerEvents(), log: pino({ level: 'silent' }) });
  let newJob: () => number;

  beforeAll(async () => {
    // Deaf from here on: what it records, only a sweep found.
    await recorder.close();
    const alice = store.users.create({ name: 'alice', email: 'a@example.org' }).user;
    const app = store.apps.create('myapp', alice.id, false);
    const version = store.versions.startBuilding(versionInput(app, alice, '1.0'));
    store.versions.finish(version.id, { state: 'ready', imageId: 'i' }, '');
    newJob = () => {
      const job = store.jobs.create({ userId: alice.id, appId: app.id, versionId: version.id, param: '', queue: QUEUE.name });
      store.jobs.markWaiting(job.id);
      return job.id;
    };
  });

  afterAll(async () => {
    await worker.close(true);
    await queues.run(QUEUE.name).obliterate({ force: true });
    await queues.close();
    redis.disconnect();
    store.close();
  });

  it('records a run that ended, and one that started, while other jobs still wait', async () => {
    const ended = newJob();
    const started = newJob();
    const waiting = newJob();
    for (const id of [ended, started, waiting]) await queues.enqueueRun(payload(id), 0);

    const first = (await worker.getNextJob('t1', { block: false }))!;
    expect(first.data.jobId).toBe(ended);
    await first.moveToCompleted({ result: 'success', exitCode: 0, message: 'ok' }, 't1', false);
    const second = (await worker.getNextJob('t2', { block: false }))!;
    expect(second.data.jobId).toBe(started);
    await second.updateProgress({ state: 'running', startedAt: '2026-12-01T10:00:00.000Z' });

    await recorder.sweepRecent();
    expect(store.jobs.byId(ended)).toMatchObject({ state: 'done', result: 'success', exitCode: 0 });
    expect(store.jobs.byId(started)).toMatchObject({ state: 'running', startedAt: '2026-12-01T10:00:00.000Z' });
    expect(store.jobs.byId(waiting)?.state).toBe('waiting');
  });
});
