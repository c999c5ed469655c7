// Who may reach a session through the proxy: its owner only. The first visit with the owner's
// token (?token= or Authorization) sets an HttpOnly cookie scoped to that session (its path,
// or its own host name), and a visit by ?token= is sent on without the token, so the app
// never sees it. The cookie's value is an HMAC of the session id under the server's secret:
// it opens that session and nothing else. A share link (?share=KEY) lets anyone in the same
// way, with a cookie of its own: both are derived from the session's share nonce, so a new
// share or a revocation kills the old link and every cookie it set. Everyone else gets the
// same 404 as a session that does not exist.
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../../common/safe-equal.js';
import { authenticate } from '../auth.js';
import type { UserStore } from '../store/users.js';
import type { Session } from '../store/index.js';

const SESSION_COOKIE = 'allgo_session';

const mac = (secret: string, text: string): string => createHmac('sha256', secret).update(text).digest('base64url');
const sessionCookieValue = (secret: string, id: string): string => mac(secret, `webapp-session:${id}`);
/** The key of the session's current share link; null while none is out. */
export const shareKey = (secret: string, s: Pick<Session, 'id' | 'shareNonce'>): string | null => (s.shareNonce ? mac(secret, `webapp-share:${s.id}:${s.shareNonce}`) : null);
const shareCookieValue = (secret: string, s: Session): string | null => (s.shareNonce ? mac(secret, `webapp-share-cookie:${s.id}:${s.shareNonce}`) : null);

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
  const owner = sessionCookieValue(secret, s.id);
  const shared = shareCookieValue(secret, s);
  const cookie = cookieOf(req.headers.cookie, SESSION_COOKIE);
  if (cookie && (safeEqual(cookie, owner) || (shared !== null && safeEqual(cookie, shared)))) return 'cookie';
  const url = new URL(req.url, 'http://session.invalid');
  const fromQuery = url.searchParams.get('token');
  const share = url.searchParams.get('share');
  const key = shareKey(secret, s);
  let value: string;
  if (share !== null) {
    if (key === null || !safeEqual(share, key)) return 'denied';
    value = shared!;
  } else {
    const user = fromQuery ? users.byToken(fromQuery) : authenticate(users, req.headers.authorization);
    if (!user || user.id !== s.userId) return 'denied';
    value = owner;
  }
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; Path=${prefix}/; HttpOnly; SameSite=Lax${secure}`);
  if (fromQuery === null && share === null) return 'token';
  url.searchParams.delete('token');
  url.searchParams.delete('share');
  // The request URL may be the internal one of a host route: answer with the visitor's own path.
  const path = url.pathname.startsWith(`/s/${s.id}`) && prefix === '' ? url.pathname.slice(`/s/${s.id}`.length) || '/' : url.pathname;
  void reply.code(303).header('location', `${path}${url.search}`).send();
  return 'redirect';
}
