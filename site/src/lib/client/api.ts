// The API of the server this site is served from, through the one browser-safe client
// (client/browser/), with the session's token. Its own module so that pages which only show
// who is signed in (the header) do not load the client.
import { ApiClient } from '../../../../client/browser/api.js';
import { keep, token, type SessionUser } from './session.js';
import { XhrApiClient } from './upload.js';

export function client(withToken: string | null = token()): ApiClient {
  return new ApiClient({ url: location.origin, token: withToken });
}

/** Checks a token with the server, then keeps it. */
export async function signIn(candidate: string): Promise<SessionUser> {
  const u = await client(candidate).user();
  keep(candidate, u);
  return u;
}

/** The client for job submissions from the run form: its uploads report their progress. */
export function uploadClient(withToken: string | null = token()): ApiClient {
  return new XhrApiClient({ url: location.origin, token: withToken });
}
