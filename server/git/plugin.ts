// The git side of the server, as one plugin: git's smart HTTP at /git/<app>.git, the hook
// relay and the build sources at /internal/…, and the state they share, which lives here
// and nowhere else: the pushes in progress (by the id the hook relay names its push with)
// and the quarantined sources of the builds in progress (by version id).
import { createHmac } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { hideRoutes } from '../plugins/route-index.js';
import { runnerAuth } from '../runner-auth.js';
import { smartHttp } from './smart-http.js';
import { internalRoutes, signSource } from './internal-routes.js';
import { PreReceive, type BuildSources, type PreReceiveDeps, type PushContext } from './pre-receive.js';

export interface GitOptions extends Omit<PreReceiveDeps, 'contextUrl' | 'sources' | 'imageNamespace'> {
  /** Signs internal requests (the hook relay, build sources). */
  secret: string;
}

export const git = fp<GitOptions>(
  async (app, deps) => {
    // Protocol and plumbing, not API: out of the reference.
    hideRoutes(app);
    const pushes = new Map<string, PushContext>();
    const sources: BuildSources = new Map();
    const base = () => internalBase(app);
    const preReceive = new PreReceive({
      ...deps,
      sources,
      // Derived from the secret: another installation on the same engine, or a push, cannot guess it.
      imageNamespace: createHmac('sha256', deps.secret).update('image-namespace').digest('hex').slice(0, 16),
      // A path, unless configured: each builder resolves it against its own ALLGO_SERVER_URL.
      contextUrl: (versionId) => `${deps.config.serverUrl ?? ''}/internal/source/${versionId}?sig=${signSource(deps.secret, versionId)}`,
    });
    // Builders fetch sources with their runner token as well as the build's signature.
    const worker = runnerAuth(deps.store.runnerTokens, deps.secret);
    app.addHook('onRequest', async (req) => {
      if (req.url.startsWith('/internal/source/')) worker(req);
    });
    await smartHttp(app, { config: deps.config, store: deps.store, repos: deps.repos, pushes, hookUrl: () => `${base()}/internal/git-hook`, hookSecret: deps.secret });
    await internalRoutes(app, { store: deps.store, repos: deps.repos, preReceive, pushes, sources, secret: deps.secret });
  },
  // Encapsulated: its content-type parsers and hidden routes stay its own.
  { name: 'allgo-git', fastify: '5.x', encapsulate: true },
);

/** Where allgo's own processes reach this server: loopback on the port it listens on. */
function internalBase(app: FastifyInstance): string {
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('the server is not listening');
  const host = addr.family === 'IPv6' ? (addr.address === '::' ? '[::1]' : `[${addr.address}]`) : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
  return `http://${host}:${addr.port}`;
}
