// The git side of the server, as one plugin: git's smart HTTP at /git/<app>.git on the public
// port, the hook relay and the build sources at /internal/… on the internal listener, and the
// state they share, which lives here and nowhere else: the pushes in progress (by the id the
// hook relay names its push with) and what the builds in progress are given (by version id).
import { createHmac } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { hideRoutes } from '../plugins/route-index.js';
import { Signer } from '../signer.js';
import { internalBase } from '../internal-listener.js';
import { runnerAuth } from '../runner-auth.js';
import { smartHttp } from './smart-http.js';
import { internalRoutes } from './internal-routes.js';
import { PreReceive, type BuildSources, type PreReceiveDeps, type PushContext } from './pre-receive.js';

export interface GitOptions extends Omit<PreReceiveDeps, 'sourceFor' | 'sources' | 'imageNamespace'> {
  /** Signs internal requests (the hook relay, build sources). */
  secret: string;
  /** The internal listener's app, where /internal/… is served (see build-server.ts). */
  internal: FastifyInstance;
}

/** How long a builder may take to fetch its source: the build's time limit, after up to this long in the queue. */
const SOURCE_QUEUE_ALLOWANCE_MS = 60 * 60_000;

export const git = fp<GitOptions>(
  async (app, deps) => {
    // Protocol and plumbing, not API: out of the reference.
    hideRoutes(app);
    const { config, store, repos, internal } = deps;
    const pushes = new Map<string, PushContext>();
    const sources: BuildSources = new Map();
    const derive = (use: string) => createHmac('sha256', deps.secret).update(use).digest('hex');
    const signer = new Signer(deps.secret);
    // Not the secret itself: the hook relay's git process holds this in its environment.
    const hookSecret = derive('git-hook');
    const base = () => internalBase(internal);
    const preReceive = new PreReceive({
      ...deps,
      sources,
      // Derived from the secret: another installation on the same engine, or a push, cannot guess it.
      imageNamespace: derive('image-namespace').slice(0, 16),
      sourceFor: (versionId) => ({
        // A path: each builder resolves it against its own ALLGO_SERVER_URL (or the address
        // the server wrote down beside it), retrying and rediscovering as for any call.
        url: `/internal/source/${versionId}`,
        signature: signer.sign({ kind: 'build-source', id: versionId }, config.buildTimeLimitMs + SOURCE_QUEUE_ALLOWANCE_MS),
      }),
    });
    await smartHttp(app, { config, store, repos, pushes, hookUrl: () => `${base()}/internal/git-hook`, hookSecret });
    // Builders fetch sources with their runner token as well as the build's signature.
    const worker = runnerAuth(store.runnerTokens, deps.secret);
    await internal.register(async (scope) => {
      scope.addHook('onRequest', async (req) => {
        if (req.url.startsWith('/internal/source/')) worker(req);
      });
      await internalRoutes(scope, { store, repos, preReceive, pushes, sources, hookSecret, signer });
    });
  },
  // Encapsulated: its content-type parsers and hidden routes stay its own.
  { name: 'allgo-git', fastify: '5.x', encapsulate: true },
);
