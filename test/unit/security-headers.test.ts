// Every answer says nosniff, sends no referrer off the site and may not be framed: JSON, errors
// and 404s alike; a route that sets its own policy keeps it.
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { installSecurityHeaders } from '../../server/security-headers.js';
import { installErrorHandler } from '../../server/error-handler.js';
import { BadRequestError } from '../../server/errors.js';

async function server() {
  const app = Fastify();
  installErrorHandler(app);
  installSecurityHeaders(app);
  app.get('/json', async () => ({ ok: true }));
  app.get('/refused', async () => {
    throw new BadRequestError('no');
  });
  app.get('/sandboxed', async (_req, reply) => reply.header('content-security-policy', "default-src 'none'; sandbox").send('file'));
  return app;
}

describe('the security headers', () => {
  it('are on an answer, an error and a 404, and give way to a route’s own policy', async () => {
    const app = await server();
    for (const url of ['/json', '/refused', '/nowhere']) {
      const res = await app.inject(url);
      expect(res.headers, url).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', 'content-security-policy': "frame-ancestors 'none'" });
    }
    expect((await app.inject('/refused')).json()).toEqual({ error: 'no', code: 'bad_request' });
    const own = await app.inject('/sandboxed');
    expect(own.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(own.headers['x-content-type-options']).toBe('nosniff');
    await app.close();
  });
});
