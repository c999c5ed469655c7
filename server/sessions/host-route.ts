// A session's own host name, ID.<webapps.domain>: Fastify's rewriteUrl maps it onto the path
// route (/s/ID/…) before routing, so both routes share one proxy and one access check, and no
// request to a session's host name ever reaches the API or the catalog.
import type { IncomingMessage } from 'node:http';

const VIA_HOST = Symbol('allgo.sessionHost');

export function hostRouteRewriter(domain: string | null): ((req: IncomingMessage) => string) | undefined {
  if (!domain) return undefined;
  const escaped = domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^(s[a-z0-9]{11})\\.${escaped}${domain.includes(':') ? '' : '(:[0-9]+)?'}$`, 'i');
  return (req) => {
    const m = pattern.exec(req.headers.host ?? '');
    if (!m) return req.url ?? '/';
    (req as IncomingMessage & { [VIA_HOST]?: true })[VIA_HOST] = true;
    return `/s/${m[1].toLowerCase()}${req.url ?? '/'}`;
  };
}

/** True when the request came to a session's host name (its URL was rewritten). */
export const cameByHost = (req: IncomingMessage): boolean => (req as IncomingMessage & { [VIA_HOST]?: true })[VIA_HOST] === true;
