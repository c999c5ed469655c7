// Signed capabilities that allgo's own parts carry instead of a token: a build's URL for its
// source today, a job's staging URLs when runners leave the server's host. Each names what it
// is for (a scope: a kind and an id) and when it stops working, and is checked against both.
// The value travels in a header (SIGNATURE_HEADER), never in a URL, so access logs never hold
// one; the route checks, besides, that what it grants is still live (a build still building).
import { createHmac } from 'node:crypto';
import { safeEqual } from '../common/safe-equal.js';
import type { StagingUse } from '../common/runner-protocol.js';
import { SignatureError } from './errors.js';

/** What a signature grants. New kinds go here, each checked by its own route. */
export type SignedScope =
  | { kind: 'build-source'; id: number }
  // One job's attempt, and one use: a grant to fetch inputs cannot upload outputs, nor outlive a retry.
  | { kind: `staging-${StagingUse}`; id: `${number}-${number}` };

export const stagingScope = (use: StagingUse, jobId: number, attempt: number): SignedScope => ({ kind: `staging-${use}`, id: `${jobId}-${attempt}` });

export class Signer {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    // A key of its own, so a signature is never also a valid hook secret or image namespace.
    this.key = createHmac('sha256', secret).update('allgo signer v1').digest();
  }

  /** A signature for `scope`, valid for `ttlMs` from now. */
  sign(scope: SignedScope, ttlMs: number): string {
    const body = `${scope.kind}.${scope.id}.${Math.ceil((this.now() + ttlMs) / 1000)}`;
    return `${body}.${this.mac(body)}`;
  }

  /** Throws a SignatureError unless `token` is this signer's, for exactly `scope`, and unexpired. */
  verify(token: string | undefined, scope: SignedScope): void {
    const parts = (token ?? '').split('.');
    if (parts.length !== 4) throw new SignatureError('bad_signature', 'missing or malformed signature');
    const body = parts.slice(0, 3).join('.');
    if (!safeEqual(parts[3], this.mac(body))) throw new SignatureError('bad_signature', 'bad signature');
    if (parts[0] !== scope.kind || parts[1] !== String(scope.id)) throw new SignatureError('bad_signature', `the signature is not for ${scope.kind} ${scope.id}`);
    if (Number(parts[2]) * 1000 <= this.now()) throw new SignatureError('signature_expired', 'the signature has expired');
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
