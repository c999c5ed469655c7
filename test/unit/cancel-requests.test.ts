// The cancel protocol between the server and the runners, on the test Redis: a request is
// both announced and kept, so a runner that missed the announcement still finds it.
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { connectRedis } from '../../common/redis.js';
import { clearCancelRequest, isCancelRequested, onCancelRequests, requestCancel } from '../../common/cancel-requests.js';

const redis = connectRedis(inject('redisUrl'));
const subscriber = connectRedis(inject('redisUrl'));
const prefix = `t${randomBytes(4).toString('hex')}`;
afterAll(async () => {
  await Promise.all([redis.quit(), subscriber.quit()]);
});

describe('cancel requests', () => {
  it('announces a request to subscribed runners and keeps it for those that missed it', async () => {
    const heard: number[] = [];
    // A connection still running its ready check when it subscribes drops that subscription.
    await subscriber.ping();
    await onCancelRequests(subscriber, prefix, (jobId) => heard.push(jobId));
    expect(await isCancelRequested(redis, prefix, 7)).toBe(false);
    await requestCancel(redis, prefix, 7);
    await expect.poll(() => heard, { timeout: 10_000 }).toEqual([7]);
    expect(await isCancelRequested(redis, prefix, 7)).toBe(true);
    expect(await isCancelRequested(redis, prefix, 8)).toBe(false);
    await clearCancelRequest(redis, prefix, 7);
    expect(await isCancelRequested(redis, prefix, 7)).toBe(false);
  });

  it('hears only its own installation: another prefix is another set of runners', async () => {
    const heard: number[] = [];
    const other = connectRedis(inject('redisUrl'));
    await other.ping();
    await onCancelRequests(other, `${prefix}x`, (jobId) => heard.push(jobId));
    await requestCancel(redis, prefix, 9);
    await requestCancel(redis, `${prefix}x`, 10);
    await expect.poll(() => heard, { timeout: 10_000 }).toEqual([10]);
    await other.quit();
  });
});
