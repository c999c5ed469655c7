// Who may reach a session through the proxy: its owner only. The first visit with the owner's
// token (?token= or Authorization) sets an HttpOnly cookie scoped to that session (its path,
// or its own host name), and a visit by ?token= is sent on without the token, so the app
// never sees it. The cookie's value is an HMAC of the session id under the server's secret:
// it opens that session and nothing else. Everyone else gets the same 404 as a session that
// does not exist.
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../../common/safe-equal.js';
import { authenticate } from '../auth.js';
import type { UserStore } from '../store/users.js';
import type { Session } from '../store/index.js';

const SESSION_COOKIE = 'allgo_session';

const sessionCookieValue = (secret: string, id: string): string => createHmac('sha256', secret).update(`webapp-session:${id}`).digest('base64url');

/** The value of one cookie of a Cookie header, or null. */
function cookieOf(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

/** The Cookie header without ours: what the app receives. */
export function withoutOurCookie(header: string | undefined): string | undefined {
  const kept = (header ?? '').split(';').filter((p) => p.trim() && p.split('=')[0].trim() !== SESSION_COOKIE);
  return kept.length ? kept.map((p) => p.trim()).join('; ') : undefined;
}

export type Access = 'cookie' | 'token' | 'redirect' | 'denied';

/**
 * `prefix`: where the session is mounted for this request ('/s/ID' on the path route, '' on its
 * host name). 'redirect': the reply was sent (a 303 to the same URL without ?token=).
 */
export function checkAccess(req: FastifyRequest, reply: FastifyReply, s: Session, users: UserStore, secret: string, prefix: string): Access {
  const expected = sessionCookieValue(secret, s.id);
  const cookie = cookieOf(req.headers.cookie, SESSION_COOKIE);
  if (cookie && safeEqual(cookie, expected)) return 'cookie';
  const url = new URL(req.url, 'http://session.invalid');
  const fromQuery = url.searchParams.get('token');
  const user = fromQuery ? users.byToken(fromQuery) : authenticate(users, req.headers.authorization);
  if (!user || user.id !== s.userId) return 'denied';
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${expected}; Path=${prefix}/; HttpOnly; SameSite=Lax${secure}`);
  if (!fromQuery) return 'token';
  url.searchParams.delete('token');
  // The request URL may be the internal one of a host route: answer with the visitor's own path.
  const path = url.pathname.startsWith(`/s/${s.id}`) && prefix === '' ? url.pathname.slice(`/s/${s.id}`.length) || '/' : url.pathname;
  void reply.code(303).header('location', `${path}${url.search}`).send();
  return 'redirect';
}
