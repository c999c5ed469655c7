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

/** A same-site path to go back to after signing in; anything else falls back to the catalog. */
export function safeNext(raw: string | null): string {
  return raw && raw.startsWith('/') && !raw.startsWith('//') && !raw.includes('\\') ? raw : '/';
}
