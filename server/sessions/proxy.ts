// The proxy in front of ready sessions, at /s/ID/ (and ID.<webapps.domain>, rewritten onto it
// by host-route.ts): @fastify/http-proxy over undici for HTTP, and its WebSocket proxy. Each
// request is checked (session-access.ts), counted against the idle timeout, and forwarded with
// X-Forwarded-Prefix, without the owner's token or allgo's cookie. The app's answer is awaited
// asynchronously under webapps.proxy_timeout: a slow or dead app holds only its own requests.
import fp from 'fastify-plugin';
import httpProxy from '@fastify/http-proxy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../common/config.js';
import type { UserStore } from '../store/users.js';
import type { SessionStore } from '../store/sessions.js';
import type { SessionService } from './session-service.js';
import { checkAccess, withoutOurCookie } from './session-access.js';
import { cameByHost } from './host-route.js';
import { closeWhenSilent } from './ws-idle.js';

export interface ProxyDeps {
  config: Readonly<Config>;
  sessions: SessionService;
  sessionStore: SessionStore;
  users: UserStore;
  secret: string;
}

const UPSTREAM = Symbol('allgo.sessionUpstream');
const SESSION_ID = /^s[a-z0-9]{11}$/;
type ProxiedRequest = FastifyRequest & { [UPSTREAM]?: string };

const notFoundBody = { error: 'no such session, or not yours: open it with your token (?token=) or ask its owner', code: 'not_found' };

/** Where the app is mounted for this request: '/s/ID' by path, '' on its own host name. */
const prefixOf = (req: FastifyRequest, id: string): string => (cameByHost(req.raw) ? '' : `/s/${id}`);

/** What the app receives: its mount point, and none of allgo's credentials. */
function forwarded(req: FastifyRequest, headers: Record<string, unknown>): Record<string, unknown> {
  const id = (req.params as { sid: string }).sid;
  const out: Record<string, unknown> = { ...headers, 'x-forwarded-prefix': prefixOf(req, id) };
  delete out.authorization;
  const cookie = withoutOurCookie(req.headers.cookie);
  if (cookie) out.cookie = cookie;
  else delete out.cookie;
  return out;
}

export const sessionProxy = fp<ProxyDeps>(
  async (app, deps) => {
    const { webapps } = deps.config;
    // The proxied paths are the apps', not the API's: out of the API reference.
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    const gate = async (req: FastifyRequest, reply: FastifyReply) => {
      const id = (req.params as { sid: string }).sid;
      const s = deps.sessionStore.byId(id);
      const upstream = s ? deps.sessions.upstream(id) : null;
      if (!s || !upstream) return reply.code(404).send(notFoundBody);
      const access = checkAccess(req, reply, s, deps.users, deps.secret, prefixOf(req, id));
      if (access === 'denied') return reply.code(404).send(notFoundBody);
      if (access === 'redirect') return reply;
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > webapps.bodyLimitBytes) {
        return reply.code(413).send({ error: `the request body is over the ${Math.round(webapps.bodyLimitBytes / 1048576)} MB a session may be sent (webapps.body_mb)`, code: 'payload_too_large' });
      }
      deps.sessions.touch(id);
      if (req.headers.upgrade?.toLowerCase() === 'websocket') {
        deps.sessions.holdOpen(id, req.raw.socket);
        closeWhenSilent(req.raw.socket, webapps.wsIdleMs);
      }
      (req as ProxiedRequest)[UPSTREAM] = upstream;
    };

    // /s/ID is the app's root too: relative links resolve under /s/ID/ only with the slash.
    app.get<{ Params: { sid: string } }>('/s/:sid', { schema: { hide: true } }, async (req, reply) => {
      if (!SESSION_ID.test(req.params.sid)) return reply.code(404).send(notFoundBody);
      const q = req.url.indexOf('?');
      return reply.redirect(`/s/${req.params.sid}/${q >= 0 ? req.url.slice(q) : ''}`, 308);
    });

    // rewriteRequestHeaders is read by the WebSocket proxy (index.js) though its types omit it.
    const wsClientOptions = {
      rewriteRequestHeaders: (headers: Record<string, unknown>, req: FastifyRequest) => forwarded(req, headers),
      handshakeTimeout: webapps.proxyTimeoutMs,
    };
    await app.register(httpProxy, {
      prefix: '/s/:sid',
      upstream: '',
      websocket: true,
      // Only under /s/ID/ (the bare /s/ID is redirected above).
      routes: ['/*'],
      preHandler: gate,
      // A chunked body has no length to check up front; http.Server's requestTimeout still bounds it.
      replyOptions: {
        getUpstream: (req) => (req as ProxiedRequest)[UPSTREAM] ?? 'http://upstream.invalid',
        rewriteRequestHeaders: (req, headers) => forwarded(req as FastifyRequest, headers) as typeof headers,
        timeout: webapps.proxyTimeoutMs,
        onError: (reply, { error }) => {
          const timedOut = /timeout/i.test(error.message) || (error as { statusCode?: number }).statusCode === 504;
          void reply.code(timedOut ? 504 : 502).send({ error: timedOut ? `the app did not answer within ${Math.round(webapps.proxyTimeoutMs / 1000)}s (webapps.proxy_timeout)` : `the app did not answer: ${error.message}`, code: timedOut ? 'app_timeout' : 'app_unavailable' });
        },
      },
      wsClientOptions,
    });
  },
  { name: 'allgo-session-proxy', fastify: '5.x', encapsulate: true },
);
