// Who is calling, and what they may do.
import { describe, it, expect } from 'vitest';
import { tokenFromHeader, mayCreateApps, maySee, maySeeJob, mayManage } from '../../server/auth.js';
import type { User } from '../../server/store/users.js';
import type { App } from '../../server/store/apps.js';

const basic = (userPass: string): string => 'Basic ' + Buffer.from(userPass).toString('base64');

function user(id: number, over: Partial<User> = {}): User {
  return { id, name: `user${id}`, email: `user${id}@example.org`, isAdmin: false, isProvider: false, createdAt: '2024-01-01T00:00:00.000Z', limits: { maxRunning: null, maxWaiting: null, perMinute: null, storageGb: null }, ...over };
}

function app(ownerId: number, isPrivate: boolean): App {
  return {
    id: 1,
    name: 'myapp',
    ownerId,
    ownerName: `user${ownerId}`,
    private: isPrivate,
    manifest: null,
    description: '',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
}

describe('tokenFromHeader', () => {
  it.each([
    ['A||GO’s form', 'Token token=abc'],
    ['A||GO’s form, quoted', 'Token token="abc"'],
    ['A||GO’s form with spaces around =', 'Token token = abc'],
    ['a bare Token', 'Token abc'],
    ['a Bearer token', 'Bearer abc'],
    ['a lowercase scheme', 'bearer abc'],
    ['surrounding whitespace', '  Token token=abc  '],
    ['HTTP basic, the password being the token (git)', basic('alice:abc')],
    ['HTTP basic with any user name', basic('x:abc')],
  ])('reads the token from %s', (_what, header) => {
    expect(tokenFromHeader(header)).toBe('abc');
  });

  it('keeps a colon in a basic password: only the first colon separates the user', () => {
    expect(tokenFromHeader(basic('alice:a:b'))).toBe('a:b');
  });

  it('reads base64url-looking tokens whole', () => {
    expect(tokenFromHeader('Token token=Ab-_9xYz')).toBe('Ab-_9xYz');
  });

  it('gives null for HTTP basic with an empty password', () => {
    expect(tokenFromHeader(basic('alice:'))).toBeNull();
  });

  it('gives null for HTTP basic without a colon', () => {
    expect(tokenFromHeader(basic('alice'))).toBeNull();
  });

  it.each([
    ['an unknown scheme', 'Digest abc'],
    ['a scheme alone', 'Bearer'],
    ['plain garbage', 'hello world how are you'],
    ['a token with a space in it', 'Token a b'],
    ['basic with characters outside base64', 'Basic !!!'],
    ['an empty header', ''],
  ])('gives null for %s', (_what, header) => {
    expect(tokenFromHeader(header)).toBeNull();
  });

  it('gives null without a header', () => {
    expect(tokenFromHeader(undefined)).toBeNull();
  });
});

describe('mayCreateApps', () => {
  const noDomains = { providerDomains: [] as string[] };
  const inria = { providerDomains: ['inria.fr'] };

  it('lets an admin create apps', () => {
    expect(mayCreateApps(user(1, { isAdmin: true, email: 'root@elsewhere.com' }), noDomains)).toBe(true);
  });

  it('lets a user flagged as provider create apps', () => {
    expect(mayCreateApps(user(1, { isProvider: true, email: 'p@elsewhere.com' }), noDomains)).toBe(true);
  });

  it('lets a user whose email domain is on the allowlist create apps', () => {
    expect(mayCreateApps(user(1, { email: 'x@inria.fr' }), inria)).toBe(true);
  });

  it('lets a user of a subdomain of an allowed domain create apps', () => {
    expect(mayCreateApps(user(1, { email: 'x@lab.inria.fr' }), inria)).toBe(true);
  });

  it('compares the email domain case-insensitively', () => {
    expect(mayCreateApps(user(1, { email: 'X@Lab.INRIA.fr' }), inria)).toBe(true);
  });

  it('refuses a domain that only ends with the same letters', () => {
    expect(mayCreateApps(user(1, { email: 'x@notinria.fr' }), inria)).toBe(false);
  });

  it('refuses a domain that merely contains the allowed one', () => {
    expect(mayCreateApps(user(1, { email: 'x@inria.fr.evil.com' }), inria)).toBe(false);
  });

  it('refuses an ordinary user when there is no allowlist', () => {
    expect(mayCreateApps(user(1, { email: 'x@inria.fr' }), noDomains)).toBe(false);
  });
});

describe('maySee and mayManage', () => {
  const owner = user(1);
  const other = user(2);
  const admin = user(3, { isAdmin: true });

  it('shows a public app to everyone, anonymous callers included', () => {
    const a = app(owner.id, false);
    for (const viewer of [owner, other, admin, null]) expect(maySee(viewer, a)).toBe(true);
  });

  it('shows a private app to its owner and to admins only', () => {
    const a = app(owner.id, true);
    expect(maySee(owner, a)).toBe(true);
    expect(maySee(admin, a)).toBe(true);
    expect(maySee(other, a)).toBe(false);
    expect(maySee(null, a)).toBe(false);
  });

  it('lets the owner and admins manage an app, public or private', () => {
    for (const isPrivate of [false, true]) {
      const a = app(owner.id, isPrivate);
      expect(mayManage(owner, a)).toBe(true);
      expect(mayManage(admin, a)).toBe(true);
    }
  });

  it('does not let another user or an anonymous caller manage a public app', () => {
    const a = app(owner.id, false);
    expect(mayManage(other, a)).toBe(false);
    expect(mayManage(null, a)).toBe(false);
  });

  it('does not let a provider manage someone else’s app', () => {
    expect(mayManage(user(4, { isProvider: true }), app(owner.id, false))).toBe(false);
  });
});

describe('maySeeJob', () => {
  const owner = user(1);
  const admin = user(3, { isAdmin: true });

  it('shows a job to its owner and to admins only', () => {
    const job = { userId: owner.id, state: 'running' as const };
    expect(maySeeJob(owner, job)).toBe(true);
    expect(maySeeJob(admin, job)).toBe(true);
    expect(maySeeJob(user(2), job)).toBe(false);
    expect(maySeeJob(null, job)).toBe(false);
  });

  it('shows a deleted job to nobody, its owner and admins included', () => {
    const job = { userId: owner.id, state: 'deleted' as const };
    expect(maySeeJob(owner, job)).toBe(false);
    expect(maySeeJob(admin, job)).toBe(false);
  });
});

describe('malformed A||GO headers', () => {
  it('treats "Token token=" with nothing after it as no token', async () => {
    const { tokenFromHeader } = await import('../../server/auth.js');
    expect(tokenFromHeader('Token token=')).toBeNull();
  });
});
