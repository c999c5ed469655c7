// An app's releases: its history for anyone who may see the app (the catalog shows it too),
// and the moves of its default version for its owner (or an admin). Each move answers the
// history as it now stands.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayManage } from '../auth.js';
import { ForbiddenError } from '../errors.js';
import { releaseFacts } from '../app-facts.js';
import { promote, rollback, yank } from '../releases.js';
import type { PromoteRequest, ReleaseList, YankRequest } from '../../schemas/index.js';
import type { App, User } from '../store/index.js';
import { requireUser, type ApiDeps } from './context.js';
import { versionParams, visibleApp } from './app-lookup.js';
import { def, errors } from './api-schemas.js';

const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'The app\'s name or id' } } };
const answer = { 200: def('ReleaseList'), ...errors(400, 401, 403, 404, 409) };

export async function releaseRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, events } = deps;

  const find = (ref: string, user: User | null): App => visibleApp(store, ref, user);

  /** The app, if the caller may move its releases: others get 404 (cannot see it) or 403. */
  const managed = (req: FastifyRequest, ref: string): { a: App; me: User } => {
    const me = requireUser(req);
    const a = find(ref, me);
    if (!mayManage(me, a)) throw new ForbiddenError(`only the owner of ${a.name} (${a.ownerName}) can change its releases`);
    return { a, me };
  };

  const list = (a: App): ReleaseList => ({
    app: a.name,
    default_version: store.releases.defaultVersionLabel(a.id),
    releases: store.releases.history(a.id).map(releaseFacts),
  });

  const changed = (a: App): ReleaseList => {
    events.emit('release', a.id);
    return list(a);
  };

  app.get<{ Params: { name: string }; Reply: ReleaseList }>(
    '/api/v1/apps/:name/releases',
    { schema: { tags: ['apps'], summary: 'An app\'s release history (publications, promotions, rollbacks, yanks), newest first, and its default version', params: nameParams, response: { 200: def('ReleaseList'), ...errors(401, 404) } } },
    async (req) => list(find(req.params.name, req.user)),
  );

  app.post<{ Params: { name: string }; Body: PromoteRequest; Reply: ReleaseList }>(
    '/api/v1/apps/:name/promote',
    { schema: { tags: ['apps'], summary: 'Make a ready version the app\'s default (owner only)', params: nameParams, body: def('PromoteRequest'), response: answer } },
    async (req) => {
      const { a, me } = managed(req, req.params.name);
      promote(store, a, req.body.version, me);
      return changed(a);
    },
  );

  app.post<{ Params: { name: string }; Reply: ReleaseList }>(
    '/api/v1/apps/:name/rollback',
    { schema: { tags: ['apps'], summary: 'Move the app\'s default back to the version that was the default before (owner only)', params: nameParams, response: answer } },
    async (req) => {
      const { a, me } = managed(req, req.params.name);
      rollback(store, a, me);
      return changed(a);
    },
  );

  app.post<{ Params: { name: string; version: string }; Body: YankRequest; Reply: ReleaseList }>(
    '/api/v1/apps/:name/versions/:version/yank',
    {
      schema: {
        tags: ['apps'],
        summary: 'Withdraw a version from new jobs, with a reason (owner only); yanking the default rolls back',
        params: versionParams,
        body: def('YankRequest'),
        response: answer,
      },
    },
    async (req) => {
      const { a, me } = managed(req, req.params.name);
      yank(store, a, req.params.version, req.body.reason.trim(), me);
      return changed(a);
    },
  );
}
