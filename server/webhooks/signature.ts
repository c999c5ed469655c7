// How a delivery is signed, and how a receiver checks it: HMAC-SHA256, with the user's signing
// secret, over `<timestamp>.<body>` (the X-Allgo-Timestamp header, a dot, the raw body), sent as
// `X-Allgo-Signature: sha256=<hex>`. The timestamp inside the signature lets a receiver refuse
// a replayed delivery; the delivery id (X-Allgo-Delivery) lets it ignore a repeated one.
// A user's secret is never stored: it is derived from the server's secret and a nonce the
// store keeps, like download keys, so a copy of allgo.db alone signs nothing.
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../../common/safe-equal.js';

export const HEADERS = {
  delivery: 'x-allgo-delivery',
  event: 'x-allgo-event',
  timestamp: 'x-allgo-timestamp',
  signature: 'x-allgo-signature',
} as const;

/** `sha256=<hex>` of `<timestamp>.<body>`. */
export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time, and refuse a timestamp too far from now. */
export function verifyDelivery(secret: string, headers: { timestamp: string | undefined; signature: string | undefined }, body: string, opts: { now?: number; toleranceS?: number } = {}): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || !headers.signature) return false;
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > (opts.toleranceS ?? 300)) return false;
  return safeEqual(headers.signature, signDelivery(secret, ts, body));
}

export const newSecretNonce = (): string => randomBytes(16).toString('hex');

/** The user's signing secret, from the server's secret and the nonce their row keeps. */
export function userWebhookSecret(serverSecret: string, userId: number, nonce: string): string {
  return `whsec_${createHmac('sha256', serverSecret).update(`webhook-secret:${userId}:${nonce}`).digest('base64url')}`;
}
