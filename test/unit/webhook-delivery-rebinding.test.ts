// A delivery checks its target again, after resolving it, and connects to the very address it
// checked: a name that passed at submission and now resolves to loopback (DNS rebinding) is
// refused without a request, and the refusal is the attempt recorded. On the test Redis, with
// a real receiver on loopback.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { pino } from 'pino';
import { connectRedis } from '../../common/redis.js';
import { WebhookDeliveries } from '../../server/webhooks/deliveries.js';
import { memoryStoreEach } from '../helpers/store.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';

const { store, startBuilding } = memoryStoreEach();
const redis = connectRedis(inject('redisUrl'));
const opened: WebhookDeliveries[] = [];
const workerConnections: ReturnType<typeof connectRedis>[] = [];
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});
afterAll(async () => {
  await receiver.close();
  await Promise.all([redis, ...workerConnections].map((r) => r.quit()));
});

/** A job of a new user, whose webhook names `host` at the receiver's port. */
function jobWithWebhook(host: string): number {
  const s = store();
  const { user } = s.users.create({ name: `u${randomBytes(3).toString('hex')}`, email: 'u@example.org' });
  const app = s.apps.create(`a${randomBytes(3).toString('hex')}`, user.id, false);
  const version = startBuilding(app, user, '1.0');
  const job = s.jobs.create({ userId: user.id, appId: app.id, versionId: version.id, param: '', queue: 'standard' });
  s.webhooks.setSecretNonce(user.id, 'nonce');
  s.webhooks.setForJob(job.id, `http://${host}:${new URL(receiver.url).port}/rebind`, ['completed'], 'http://allgo.test');
  return job.id;
}

function deliveries(allowPrivate: boolean, resolvesTo: string): WebhookDeliveries {
  const workerConnection = connectRedis(inject('redisUrl'));
  workerConnections.push(workerConnection);
  const d = new WebhookDeliveries({
    store: store(),
    connection: redis,
    workerConnection,
    prefix: `t${randomBytes(4).toString('hex')}`,
    check: { allowPrivate, resolve: async () => [resolvesTo] },
    secret: 'server-secret',
    answer: async (job) => JSON.stringify({ id: job.id }),
    log: pino({ level: 'silent' }),
    options: { attempts: 3, backoffMs: 100 },
  });
  opened.push(d);
  return d;
}

describe('webhook delivery and DNS', () => {
  it('refuses a name that resolves to loopback at delivery time: no request, one attempt recorded, not retried', async () => {
    const id = jobWithWebhook('hooks.rebind.test');
    const before = receiver.at('/rebind').length;
    await deliveries(false, '127.0.0.1').send(id, 'completed');
    await vi.waitFor(() => expect(store().webhooks.deliveriesOf(id)[0].state).toBe('failed'), { timeout: 10_000, interval: 50 });
    const [d] = store().webhooks.deliveriesOf(id);
    expect(store().webhooks.attemptsOf(d.id)).toEqual([{ at: expect.any(String), statusCode: null, error: expect.stringContaining('127.0.0.1, a private, loopback or link-local address'), durationMs: 0 }]);
    expect(receiver.at('/rebind').length).toBe(before);
  });

  it('connects to the address it checked, not to a second resolution of the name', async () => {
    // hooks.rebind.test exists in no DNS: the request reaches the receiver only through the checked address.
    const id = jobWithWebhook('hooks.rebind.test');
    await deliveries(true, '127.0.0.1').send(id, 'completed');
    await vi.waitFor(() => expect(store().webhooks.deliveriesOf(id)[0].state).toBe('delivered'), { timeout: 10_000, interval: 50 });
    const got = receiver.at('/rebind').at(-1)!;
    expect(got.headers.host).toBe(`hooks.rebind.test:${new URL(receiver.url).port}`);
    expect(JSON.parse(got.body)).toEqual({ id });
  });
});
