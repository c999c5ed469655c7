// The signed-in user's token lives in this browser's localStorage and only ever travels in
// an Authorization header: never in a URL, so it stays out of logs and Referer headers.
const KEY = 'allgo.token';
const USER_KEY = 'allgo.user';

export interface SessionUser {
  id: number;
  name: string;
  email: string;
  admin: boolean;
  provider: boolean;
}

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

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** fetch() against the API with the session's token; non-2xx answers throw their `{error}` text. */
export async function api(path: string, init: RequestInit = {}, withToken: string | null = token()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (withToken) headers.set('authorization', `Token token=${withToken}`);
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    let code = 'http_error';
    try {
      const body = (await res.json()) as { error?: string; code?: string };
      if (body.error) message = body.error;
      if (body.code) code = body.code;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(res.status, message, code);
  }
  return res;
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await (await api(path, init)).json()) as T;
}

/** Checks a token with the server, then keeps it. */
export async function signIn(candidate: string): Promise<SessionUser> {
  const u = (await (await api('/api/v1/user', {}, candidate)).json()) as SessionUser;
  localStorage.setItem(KEY, candidate);
  localStorage.setItem(USER_KEY, JSON.stringify(u));
  window.dispatchEvent(new CustomEvent('allgo:session'));
  return u;
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
