// The signed-in user's token lives in this browser's localStorage and only ever travels in
// an Authorization header: never in a URL, so it stays out of logs and Referer headers.
import type { User } from '../../../../schemas/types.js';

const KEY = 'allgo.token';
const USER_KEY = 'allgo.user';

/** GET /api/v1/user's answer, kept from the sign-in. */
export type SessionUser = User;

export function token(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function user(): SessionUser | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    return raw ? (JSON.parse(raw) as SessionUser) : null;
  } catch {
    return null;
  }
}

/** Keeps a token the server has accepted, with the user it belongs to. */
export function keep(candidate: string, u: SessionUser): void {
  localStorage.setItem(KEY, candidate);
  localStorage.setItem(USER_KEY, JSON.stringify(u));
  window.dispatchEvent(new CustomEvent('allgo:session'));
}

export function signOut(): void {
  localStorage.removeItem(KEY);
  localStorage.removeItem(USER_KEY);
  window.dispatchEvent(new CustomEvent('allgo:session'));
}

/**
 * Where to go back to after signing in: `raw` resolved against this page's origin, and kept
 * only if it stays on that origin; anything else falls back to the catalog. Resolving is what
 * the browser will do with it, so tabs, backslashes and `/./` tricks that a prefix test misses
 * (`/%09/evil.example`) are judged as the browser reads them. The answer is absolute, so no
 * path it holds (`//evil`) can be read again as another host.
 */
export function safeNext(raw: string | null, origin: string = location.origin): string {
  const home = new URL('/', origin).href;
  if (!raw) return home;
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return home;
  }
  return url.origin === new URL(origin).origin ? url.href : home;
}
