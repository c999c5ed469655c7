// The internal listener's address as allgo's own processes reach it: the git hook relay, and
// builders and runners started beside the server, which find it in the data dir.
import type { FastifyInstance } from 'fastify';

/** In the data dir: the internal listener's URL, written by the server once it listens. */
export const INTERNAL_URL_FILE = 'internal-url';

/** Its loopback form for a wildcard address (0.0.0.0, ::), else the address it is bound to. */
export function internalBase(internal: FastifyInstance): string {
  const addr = internal.server.address();
  if (!addr || typeof addr === 'string') throw new Error('the internal listener is not listening');
  const host = addr.family === 'IPv6' ? (addr.address === '::' ? '[::1]' : `[${addr.address}]`) : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
  return `http://${host}:${addr.port}`;
}
