// What the server's log never holds: the secrets that travel in URLs and headers. A download
// link's key segment is the capability to a job's files, `sig` signs internal fetches, and a
// `token` in a query string is a user's API token sent where it does not belong (refused, but
// still a token). Fastify logs every request's URL, so the request serializer redacts them;
// pino's `redact` covers an Authorization header wherever a log call carries one.
import type { Logger } from 'pino';

const REDACTED = '[redacted]';

/** Query parameters whose value is a secret, compared case-insensitively after decoding. */
const SECRET_PARAMS = new Set(['sig', 'signature', 'token', 'access_token', 'api_key', 'key', 'password']);
/** /datastore/<job>/<key>/…, however its slashes are doubled or its name is cased. */
const DATASTORE_KEY = /^(\/+datastore\/+[^/]*\/+)[^/]+/i;

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
};

/** `url` (a request's path and query) with every secret it carries replaced by [redacted]. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(DATASTORE_KEY, `$1${REDACTED}`);
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = decode(eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase();
      return SECRET_PARAMS.has(name) && eq >= 0 ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Fastify's own request serializer, with the URL redacted. */
function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/** The logger the HTTP server writes through. */
export function redactingLogger(log: Logger): Logger {
  return log.child(
    {},
    {
      serializers: { req: serializeRequest },
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          'authorization',
          'req.headers["x-allgo-hook-secret"]',
          'headers["x-allgo-hook-secret"]',
          // A build's source signature (server/signer.ts), which travels as this header.
          'req.headers["x-allgo-signature"]',
          'headers["x-allgo-signature"]',
        ],
        censor: REDACTED,
      },
    },
  );
}
