// Signed capabilities: scoped to one thing, expiring, and checked in constant time.
import { describe, it, expect } from 'vitest';
import { Signer } from '../../server/signer.js';
import { SignatureError } from '../../server/errors.js';
import { redactingLogger } from '../../server/log-redaction.js';
import { SIGNATURE_HEADER } from '../../common/internal-http.js';
import { pino } from 'pino';

const codeOf = (f: () => void): string | null => {
  try {
    f();
    return null;
  } catch (err) {
    if (err instanceof SignatureError) return err.code;
    throw err;
  }
};

describe('Signer', () => {
  let now = 1_000_000_000_000;
  const signer = new Signer('s3cret', () => now);
  const scope = { kind: 'build-source', id: 7 } as const;

  it('accepts its own signature for the same scope until it expires', () => {
    const token = signer.sign(scope, 60_000);
    expect(codeOf(() => signer.verify(token, scope))).toBeNull();
    now += 59_000;
    expect(codeOf(() => signer.verify(token, scope))).toBeNull();
    now += 2_000;
    expect(codeOf(() => signer.verify(token, scope))).toBe('signature_expired');
  });

  it('refuses another scope, another key, a changed expiry and garbage', () => {
    const token = signer.sign(scope, 60_000);
    expect(codeOf(() => signer.verify(token, { kind: 'build-source', id: 8 }))).toBe('bad_signature');
    expect(codeOf(() => new Signer('other', () => now).verify(token, scope))).toBe('bad_signature');
    const [kind, id, exp, mac] = token.split('.');
    expect(codeOf(() => signer.verify([kind, id, String(Number(exp) + 3600), mac].join('.'), scope))).toBe('bad_signature');
    for (const bad of [undefined, '', 'x', 'a.b.c', `${token}.x`]) expect(codeOf(() => signer.verify(bad, scope))).toBe('bad_signature');
  });
});

describe('a signature in the logs', () => {
  it('is redacted when a log call carries the header', () => {
    const lines: string[] = [];
    const log = redactingLogger(pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }));
    const token = new Signer('s3cret').sign({ kind: 'build-source', id: 1 }, 60_000);
    log.info({ headers: { [SIGNATURE_HEADER]: token } }, 'fetched');
    expect(lines.join('')).not.toContain(token);
    expect(lines.join('')).toContain('[redacted]');
  });
});
