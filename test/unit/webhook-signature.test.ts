// A delivery's signature: HMAC-SHA256 of `<timestamp>.<body>` with the user's secret, as the
// README tells a receiver to check it.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDelivery, userWebhookSecret, verifyDelivery } from '../../server/webhooks/signature.js';

const secret = 'whsec_test';
const body = '{"42":{},"status":"done"}';
const ts = 1_800_000_000;
const now = ts * 1000;

describe('webhook signatures', () => {
  it('is sha256= and the hex HMAC of timestamp.body, as a receiver computes it with its own crypto', () => {
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(signDelivery(secret, ts, body)).toBe(`sha256=${expected}`);
  });

  it('verifies the genuine delivery and refuses a changed body, timestamp, secret or an old timestamp', () => {
    const signature = signDelivery(secret, ts, body);
    expect(verifyDelivery(secret, { timestamp: String(ts), signature }, body, { now })).toBe(true);
    expect(verifyDelivery(secret, { timestamp: String(ts), signature }, body.replace('done', 'error'), { now })).toBe(false);
    expect(verifyDelivery(secret, { timestamp: String(ts + 1), signature }, body, { now })).toBe(false);
    expect(verifyDelivery('whsec_other', { timestamp: String(ts), signature }, body, { now })).toBe(false);
    expect(verifyDelivery(secret, { timestamp: String(ts), signature }, body, { now: now + 301_000 })).toBe(false);
    expect(verifyDelivery(secret, { timestamp: undefined, signature }, body, { now })).toBe(false);
  });

  it('derives a user secret from the server secret, the user and the nonce: a new nonce is a new secret', () => {
    const a = userWebhookSecret('server', 1, 'n1');
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(userWebhookSecret('server', 1, 'n1')).toBe(a);
    expect(userWebhookSecret('server', 1, 'n2')).not.toBe(a);
    expect(userWebhookSecret('server', 2, 'n1')).not.toBe(a);
    expect(userWebhookSecret('other', 1, 'n1')).not.toBe(a);
  });
});
