// Webhooks, told to a real receiving server on loopback (this platform allows private targets:
// webhooks.allow_private). A job's `completed` arrives once, signed so that the README's check
// verifies it, with the job's answer as its body; start, progress (at most one every 2 s) and
// completed arrive in that order; a receiver that fails twice gets a third attempt, and every
// attempt is listed for the job's owner. A user's default webhook serves the jobs naming none.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, vi } from 'vitest';
import { platformTest } from '../helpers/platform-test.js';
import { waitForJob, type Platform } from '../helpers/platform.js';
import { startReceiver, type Receiver, type Received } from '../helpers/webhook-receiver.js';

const test = platformTest({ configYaml: 'webhooks: {allow_private: true}\n' });

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => receiver.close());

const json = { 'content-type': 'application/json' };

/** What a receiver does (the README's example): HMAC-SHA256 of `timestamp.body`, compared in constant time. */
function verifies(secret: string, r: Received): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${r.headers['x-allgo-timestamp']}.${r.body}`).digest('hex')}`);
  const got = Buffer.from(String(r.headers['x-allgo-signature']));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

async function newSecret(p: Platform, token: string): Promise<string> {
  const res = await p.api('/api/v1/user/webhook/secret', { method: 'POST', token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { secret: string }).secret;
}

async function submitWithWebhook(p: Platform, app: string, param: string, token: string, webhook: string, events?: string): Promise<number> {
  const form = new FormData();
  form.append('job[webapp_id]', app);
  form.append('job[param]', param);
  form.append('job[webhook]', webhook);
  if (events) form.append('job[webhook_events]', events);
  const res = await p.api('/api/v1/jobs', { method: 'POST', token, body: form });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { id: number }).id;
}

type Deliveries = { url: string | null; events: string[]; deliveries: { id: string; event: string; state: string; created_at: string; attempts: { status_code: number | null; error: string | null; duration_ms: number }[] }[] };
const deliveriesOf = async (p: Platform, id: number, token: string): Promise<Deliveries> => (await (await p.api(`/api/v1/jobs/${id}/webhooks`, { token })).json()) as Deliveries;

describe('webhooks', () => {
  test('a job tells its webhook it completed once, signed, with its answer as the body', async ({ platform: p, probe, user }) => {
    const secret = await newSecret(p, user.token);
    const id = await submitWithWebhook(p, probe, 'exit 3', user.token, `${receiver.url}/done`);
    await waitForJob(p, id, user.token);
    await vi.waitFor(() => expect(receiver.at('/done')).toHaveLength(1), { timeout: 30_000, interval: 100 });
    const [got] = receiver.at('/done');
    expect(got.headers['x-allgo-event']).toBe('completed');
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    expect(verifies(secret, got)).toBe(true);
    expect(verifies(secret, { ...got, body: got.body.replace('"error"', '"success"') })).toBe(false);
    // The very bytes GET /api/v1/jobs/N answers with, A||GO's keys first.
    expect(got.body).toBe(await (await p.api(`/api/v1/jobs/${id}`, { token: user.token })).text());
    expect(JSON.parse(got.body)).toMatchObject({ [id]: expect.any(Object), status: 'done', result: 'error', exit_code: 3 });
    const list = await deliveriesOf(p, id, user.token);
    expect(list).toMatchObject({ url: `${receiver.url}/done`, events: ['completed'] });
    expect(list.deliveries).toMatchObject([{ id: got.headers['x-allgo-delivery'], event: 'completed', state: 'delivered', attempts: [{ status_code: 200, error: null }] }]);
    // Another user sees no such job.
    expect((await p.api(`/api/v1/jobs/${id}/webhooks`, { token: await p.addUser(`other-${id}`) })).status).toBe(404);
  });

  test('start, progress and completed arrive in order, progress at most once every 2 s', async ({ platform: p, probe, user }) => {
    await newSecret(p, user.token);
    // 24 progress reports a quarter of a second apart: far more than the webhook may pass on.
    const param = `bash 'for i in $(seq 1 24); do echo "##allgo progress $((i*4)) step $i"; sleep 0.25; done'`;
    const res = await p.api('/api/v1/jobs', { method: 'POST', token: user.token, headers: json, body: JSON.stringify({ app: probe, param, webhook: `${receiver.url}/all`, webhook_events: ['completed', 'start', 'progress'] }) });
    expect(res.status, await res.clone().text()).toBe(200);
    const { id } = (await res.json()) as { id: number };
    await waitForJob(p, id, user.token);
    await vi.waitFor(() => expect(receiver.at('/all').at(-1)?.headers['x-allgo-event']).toBe('completed'), { timeout: 30_000, interval: 100 });
    const events = receiver.at('/all').map((r) => r.headers['x-allgo-event']);
    expect(events[0]).toBe('start');
    expect(events.at(-1)).toBe('completed');
    const progress = events.slice(1, -1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThan(24);
    expect(new Set(progress)).toEqual(new Set(['progress']));
    // The bodies follow the job: running with its progress rising, then done.
    const bodies = receiver.at('/all').map((r) => JSON.parse(r.body) as { status: string; progress: { percent: number } | null });
    expect(bodies[0].status).toBe('running');
    const percents = bodies.slice(1, -1).map((b) => b.progress!.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(bodies.at(-1)!.status).toBe('done');
    // The throttle, as the server recorded when it queued each progress delivery.
    const queued = (await deliveriesOf(p, id, user.token)).deliveries.filter((d) => d.event === 'progress').map((d) => Date.parse(d.created_at));
    for (let i = 1; i < queued.length; i++) expect(queued[i] - queued[i - 1]).toBeGreaterThanOrEqual(2000);
  });

  test('a receiver that fails twice gets a third attempt, and each attempt is listed', async ({ platform: p, probe, user }) => {
    const secret = await newSecret(p, user.token);
    receiver.answer('/flaky', [500, 500, 200]);
    const id = await submitWithWebhook(p, probe, 'exit 0', user.token, `${receiver.url}/flaky`, 'completed');
    await waitForJob(p, id, user.token);
    await vi.waitFor(() => expect(receiver.at('/flaky')).toHaveLength(3), { timeout: 60_000, interval: 100 });
    const got = receiver.at('/flaky');
    // One delivery, tried three times: the same id and body each time, each signed.
    expect(new Set(got.map((r) => r.headers['x-allgo-delivery'])).size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) expect(verifies(secret, r)).toBe(true);
    await vi.waitFor(async () => expect((await deliveriesOf(p, id, user.token)).deliveries[0]?.state).toBe('delivered'), { timeout: 10_000, interval: 100 });
    const [delivery] = (await deliveriesOf(p, id, user.token)).deliveries;
    expect(delivery.attempts.map((a) => a.status_code)).toEqual([500, 500, 200]);
    for (const a of delivery.attempts) expect(a.duration_ms).toBeGreaterThanOrEqual(0);
  });

  test('a default webhook serves the jobs that name none, with the secret shown when it was made', async ({ platform: p, probe }) => {
    const token = await p.addUser('hooked');
    const set = await p.api('/api/v1/user/webhook', { method: 'PUT', token, headers: json, body: JSON.stringify({ url: `${receiver.url}/default`, events: ['completed'] }) });
    expect(set.status).toBe(200);
    const made = (await set.json()) as { url: string; events: string[]; has_secret: boolean; secret?: string };
    expect(made).toMatchObject({ url: `${receiver.url}/default`, events: ['completed'], has_secret: true, secret: expect.stringMatching(/^whsec_/) });
    // Shown once: read again, or set again, it is not in the answer.
    expect(await (await p.api('/api/v1/user/webhook', { token })).json()).toEqual({ url: `${receiver.url}/default`, events: ['completed'], has_secret: true });
    const id = await p.submit(probe, 'exit 0', { token });
    await waitForJob(p, id, token);
    await vi.waitFor(() => expect(receiver.at('/default')).toHaveLength(1), { timeout: 30_000, interval: 100 });
    expect(verifies(made.secret!, receiver.at('/default')[0])).toBe(true);
    expect((await p.api('/api/v1/user/webhook', { method: 'DELETE', token })).status).toBe(200);
    const plain = await waitForJob(p, await p.submit(probe, 'exit 0', { token }), token);
    expect((await deliveriesOf(p, plain.id as number, token)).url).toBeNull();
  });

  test('a bad URL or an unknown event is refused with 400 naming it, and a webhook needs a signing secret', async ({ platform: p, probe }) => {
    const token = await p.addUser('nosecret');
    const refused = async (fields: Record<string, string>) => {
      const form = new FormData();
      form.append('job[webapp_id]', probe);
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      const res = await p.api('/api/v1/jobs', { method: 'POST', token, body: form });
      return { status: res.status, body: (await res.json()) as { error: string; code: string } };
    };
    expect(await refused({ 'job[webhook]': `${receiver.url}/x` })).toMatchObject({ status: 409, body: { code: 'webhook_secret_missing' } });
    await newSecret(p, token);
    expect(await refused({ 'job[webhook]': 'ftp://example.org/hook' })).toMatchObject({ status: 400, body: { code: 'bad_webhook_url', error: expect.stringContaining('ftp://example.org/hook') } });
    expect(await refused({ 'job[webhook]': `${receiver.url}/x`, 'job[webhook_events]': 'start,finish' })).toMatchObject({ status: 400, body: { code: 'unknown_webhook_event', error: expect.stringContaining('"finish"') } });
    expect(await refused({ 'job[webhook_events]': 'start' })).toMatchObject({ status: 400, body: { code: 'bad_webhook_url' } });
  });
});
