// Routes only allgo's own parts call: the pre-receive hook relay, and builders fetching a
// commit's source. Both are authenticated with secrets the server made, never user tokens,
// and served only on the internal listener (see build-server.ts), never on the public port.
import { safeEqual as same } from '../../common/safe-equal.js';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/index.js';
import type { Repos, GitEnv } from './repos.js';
import type { Signer } from '../signer.js';
import { GoneError } from '../errors.js';
import { SIGNATURE_HEADER } from '../../common/internal-http.js';
import { parseUpdates, type BuildSources, type PreReceive, type PushContext } from './pre-receive.js';

export interface InternalDeps {
  store: Store;
  repos: Repos;
  preReceive: PreReceive;
  pushes: Map<string, PushContext>;
  sources: BuildSources;
  /** What the hook relay sends back (the git process has it in its environment). */
  hookSecret: string;
  signer: Signer;
}

export async function internalRoutes(app: FastifyInstance, deps: InternalDeps): Promise<void> {
  app.post<{ Body: { pushId: string; hook: string; updates: string; env: GitEnv; pushOptions?: unknown } }>('/internal/git-hook', async (req, reply) => {
    const secret = req.headers['x-allgo-hook-secret'];
    if (typeof secret !== 'string' || !same(secret, deps.hookSecret)) return reply.code(403).send({ error: 'bad hook secret', code: 'forbidden' });
    const push = deps.pushes.get(req.body.pushId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const send = (msg: object) => {
      if (!res.destroyed) res.write(JSON.stringify(msg) + '\n');
    };
    if (!push) {
      send({ out: 'allgo: this push is unknown to the server (was it restarted?); push again\n', exit: 1 });
      res.end();
      return;
    }
    const env: GitEnv = {};
    for (const [k, v] of Object.entries(req.body.env ?? {})) {
      if (/^GIT_(OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|QUARANTINE_PATH)$/.test(k) && typeof v === 'string') env[k] = v;
    }
    const options = Array.isArray(req.body.pushOptions) ? req.body.pushOptions.filter((o): o is string => typeof o === 'string') : [];
    const exit = await deps.preReceive.handle(push, parseUpdates(req.body.updates ?? ''), env, (text) => send({ out: text }), options);
    send({ exit });
    res.end();
  });

  app.get<{ Params: { versionId: string } }>('/internal/source/:versionId', async (req, reply) => {
    const versionId = Number(req.params.versionId);
    const signature = req.headers[SIGNATURE_HEADER];
    deps.signer.verify(typeof signature === 'string' ? signature : undefined, { kind: 'build-source', id: Number.isInteger(versionId) ? versionId : -1 });
    // A signature outlives nothing it was for: once the build has ended, it opens nothing. While
    // the push is in progress the tree (with the checked Dockerfile) may exist only in git's
    // quarantine, which is why the source comes from the push, not the repository.
    const source = deps.sources.get(versionId);
    if (deps.store.versions.byId(versionId)?.state !== 'building' || !source) throw new GoneError(`version ${versionId} is not being built; push again`);
    const child = deps.repos.archive(source.repo, source.tree, source.env);
    reply.type('application/x-tar');
    return reply.send(child.stdout);
  });
}
