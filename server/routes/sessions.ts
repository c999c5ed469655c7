// Webapp sessions over the API: start one, read one, list mine, stop one. The work is the
// session service's (sessions/session-service.ts); these check who asks and answer.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { SessionList, SessionShare, SessionStart, SessionStatus } from '../../schemas/index.js';
import type { Session, Store } from '../store/index.js';
import { PayloadTooLargeError, WrongKindError, notFound } from '../errors.js';
import { readSessionInputs } from '../sessions/session-inputs.js';
import { isWebapp } from '../../common/webapp-manifest.js';
import { resolveApp, resolveVersion } from '../jobs/submit-job.js';
import { sessionPath } from '../sessions/session-service.js';
import { shareKey } from '../sessions/session-access.js';
import { requireUser, type ApiDeps } from './context.js';
import { def, errors } from './api-schemas.js';
import { uploadRoutes } from '../plugins/uploads.js';

const appParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', description: "The app's name or id" } } };
const sessionParams = { type: 'object', required: ['name', 'id'], properties: { name: { type: 'string' }, id: { type: 'string', description: 'The session id.' } } };

/** A session as its owner reads it. */
export function sessionStatus(store: Store, req: FastifyRequest, s: Session, domain: string | null): SessionStatus {
  const app = store.apps.byId(s.appId);
  const version = store.versions.byId(s.versionId);
  const live = s.state === 'starting' || s.state === 'ready';
  const last = Date.parse(s.lastRequestAt ?? s.readyAt ?? s.createdAt);
  const expires = Math.min(Date.parse(s.createdAt) + s.maxAgeMs, last + s.idleTimeoutMs);
  // Its host name on the platform's own scheme and port, unless the domain names a port.
  const pub = new URL(req.publicUrl);
  const hostPort = domain && !domain.includes(':') && pub.port ? `:${pub.port}` : '';
  return {
    id: s.id,
    app: app?.name ?? String(s.appId),
    version: version?.label ?? '',
    state: s.state,
    reason: s.reason,
    url: `${req.publicUrl}${sessionPath(s.id)}`,
    host_url: domain ? `${pub.protocol}//${s.id}.${domain}${hostPort}/` : null,
    log_tail: s.logTail,
    created_at: s.createdAt,
    ready_at: s.readyAt,
    ended_at: s.endedAt,
    idle_timeout_s: s.idleTimeoutMs / 1000,
    max_age_s: s.maxAgeMs / 1000,
    expires_at: live ? new Date(expires).toISOString() : null,
  };
}

/** The session `id` of app `name`, if it is the caller's; another user's does not exist for them (admins may see and stop any). */
export function callersSession(store: Store, req: FastifyRequest, name: string, id: string): Session {
  const me = requireUser(req);
  const s = store.sessions.byId(id);
  if (!s || (s.userId !== me.id && !me.isAdmin) || store.apps.byRef(name)?.id !== s.appId) throw notFound.session(id);
  return s;
}

export async function sessionRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, sessions, config, secret, datastore } = deps;
  const domain = config.webapps.domain;
  const mine = (req: FastifyRequest<{ Params: { name: string; id: string } }>, id: string): Session => callersSession(store, req, req.params.name, id);

  await uploadRoutes(app, (scope) => {
    scope.post<{ Params: { name: string }; Body: SessionStart | undefined; Reply: SessionStatus }>(
      '/api/v1/apps/:name/sessions',
      { schema: { tags: ['sessions'], summary: 'Start a session of a webapp (JSON, or multipart with input files: files[N] and version)', params: appParams, body: { ...def('SessionStart'), nullable: true }, response: { 201: def('Session'), ...errors(400, 401, 404, 409, 413, 429) } } },
      async (req, reply) => {
        const me = requireUser(req);
        const a = resolveApp(store, me, req.params.name);
        if (!req.isMultipart()) {
          const v = resolveVersion(store, a, req.body?.version);
          if (!isWebapp(v.manifest)) throw new WrongKindError(a.name, 'job');
          return reply.code(201).send(sessionStatus(store, req, sessions.start(me, a, v), domain));
        }
        // With input files: they become the session's working folder, or go if it is refused.
        const staging = await datastore.newStaging();
        try {
          const inputs = await readSessionInputs(req.parts({ limits: { fileSize: config.uploadLimitBytes, files: config.uploadMaxFiles, fields: 10, fieldSize: 1024 } }), staging, config.uploadLimitBytes, config.uploadMaxFiles);
          const v = resolveVersion(store, a, inputs.version);
          if (!isWebapp(v.manifest)) throw new WrongKindError(a.name, 'job');
          const limit = v.manifest.input_limit;
          if (limit !== undefined && inputs.bytes > limit * 1024 * 1024) throw new PayloadTooLargeError(`the input files are over the ${limit} MB ${a.name} takes (its input_limit)`);
          return reply.code(201).send(sessionStatus(store, req, sessions.start(me, a, v, staging), domain));
        } catch (err) {
          await datastore.discard(staging);
          throw err;
        }
      },
    );
  });

  app.get<{ Params: { name: string; id: string }; Reply: SessionStatus }>(
    '/api/v1/apps/:name/sessions/:id',
    { schema: { tags: ['sessions'], summary: 'One of your sessions', params: sessionParams, response: { 200: def('Session'), ...errors(401, 404) } } },
    async (req) => sessionStatus(store, req, mine(req, req.params.id), domain),
  );

  app.delete<{ Params: { name: string; id: string }; Reply: SessionStatus }>(
    '/api/v1/apps/:name/sessions/:id',
    { schema: { tags: ['sessions'], summary: 'Stop one of your sessions', params: sessionParams, response: { 200: def('Session'), ...errors(401, 404) } } },
    async (req) => {
      const s = mine(req, req.params.id);
      await sessions.stop(s.id, 'stopped by user');
      return sessionStatus(store, req, store.sessions.byId(s.id)!, domain);
    },
  );

  app.post<{ Params: { name: string; id: string }; Reply: SessionShare }>(
    '/api/v1/apps/:name/sessions/:id/share',
    { schema: { tags: ['sessions'], summary: 'Make a share link of one of your sessions (a new one revokes the last)', params: sessionParams, response: { 201: def('SessionShare'), ...errors(401, 404) } } },
    async (req, reply) => {
      const s = mine(req, req.params.id);
      store.sessions.setShareNonce(s.id, randomBytes(16).toString('hex'));
      const status = sessionStatus(store, req, store.sessions.byId(s.id)!, domain);
      const key = shareKey(secret, store.sessions.byId(s.id)!)!;
      return reply.code(201).send({ url: `${status.url}?share=${key}`, host_url: status.host_url ? `${status.host_url}?share=${key}` : null });
    },
  );

  app.delete<{ Params: { name: string; id: string }; Reply: SessionStatus }>(
    '/api/v1/apps/:name/sessions/:id/share',
    { schema: { tags: ['sessions'], summary: 'Revoke the share link of one of your sessions, and every visit it let in', params: sessionParams, response: { 200: def('Session'), ...errors(401, 404) } } },
    async (req) => {
      const s = mine(req, req.params.id);
      store.sessions.setShareNonce(s.id, null);
      return sessionStatus(store, req, s, domain);
    },
  );

  app.get<{ Reply: SessionList }>('/api/v1/sessions', { schema: { tags: ['sessions'], summary: 'Your sessions, newest first', response: { 200: def('SessionList'), ...errors(401) } } }, async (req) => ({
    sessions: store.sessions.listForUser(requireUser(req).id).map((s) => sessionStatus(store, req, s, domain)),
  }));
}
