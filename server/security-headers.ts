// Headers that keep the browser on allgo's side. Every answer says nosniff, sends no referrer
// off the site and may not be framed; the catalog's pages also get a Content-Security-Policy
// that runs only the site's own scripts (Astro emits them as files, never inline), so an API
// token kept in localStorage is out of reach of injected markup and of a framing page.
// A route that sets its own policy (the datastore's sandbox) keeps it.
import type { FastifyInstance } from 'fastify';

/** The catalog's policy. Images may come from anywhere: READMEs link them where their providers put them. */
const SITE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  'img-src * data:',
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** What an answer without a policy of its own gets: JSON, git and file answers are never framed either. */
const DEFAULT_CSP = "frame-ancestors 'none'";

/**
 * On every answer of `app`, unless a route sets the header itself: set before the routes run,
 * which replace them, so errors and 404s carry them too. Not an onSend hook: one per answer
 * showed in the cost of a polled GET, as an async one would.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_req, reply, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('content-security-policy', DEFAULT_CSP);
    done();
  });
}

/** The catalog's pages: set before the handler, so the 404 and "being built" pages carry it too. */
export function installSitePolicy(scope: FastifyInstance): void {
  scope.addHook('onRequest', async (_req, reply) => {
    reply.header('content-security-policy', SITE_CSP);
  });
}
