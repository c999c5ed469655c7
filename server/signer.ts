// Signatures for URLs the server hands to its own workers: an HMAC over a scope (what the
// URL is for: one job's attempt and one use) and an expiry, so a copied signature opens
// nothing else and nothing after it expires. Sent as a header (common/runner-protocol.ts).
import { createHmac } from 'node:crypto';
import { safeEqual } from '../common/safe-equal.js';

export type Verdict = 'ok' | 'expired' | 'bad';

export interface UrlSigner {
  /** `<expiry ms>.<hmac>`, valid for `ttlMs`. */
  sign(scope: string, ttlMs: number): { signature: string; expiresAt: Date };
  verify(scope: string, signature: string | undefined): Verdict;
}

export function createSigner(secret: string, now: () => number = Date.now): UrlSigner {
  const mac = (scope: string, exp: number) => createHmac('sha256', secret).update(`${scope}\n${exp}`).digest('base64url');
  return {
    sign(scope, ttlMs) {
      const exp = now() + ttlMs;
      return { signature: `${exp}.${mac(scope, exp)}`, expiresAt: new Date(exp) };
    },
    verify(scope, signature) {
      const m = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(signature ?? '');
      if (!m) return 'bad';
      const exp = Number(m[1]);
      // The MAC first: an expiry is only news about a signature this server made.
      if (!safeEqual(m[2], mac(scope, exp))) return 'bad';
      return exp > now() ? 'ok' : 'expired';
    },
  };
}
