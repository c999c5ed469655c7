// The fleet, for admins: the runner hosts heard from (their heartbeats), and the runner
// tokens that let a host join.
import type { FastifyInstance } from 'fastify';
import { readHeartbeats } from '../../common/heartbeats.js';
import { LOCAL_RUNNER_NAME } from '../../common/runner-protocol.js';
import { RUNNER_NAME_RULE, isValidRunnerName } from '../../common/names.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { User } from '../store/index.js';
import { type ApiDeps, requireUser } from './context.js';
import { def, errors } from './api-schemas.js';

const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };

export async function runnerRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, config, redis } = deps;
  const admin = (user: User): User => {
    if (!user.isAdmin) throw new ForbiddenError('only admins can see and manage runners');
    return user;
  };

  app.get('/api/v1/runners', { schema: { tags: ['runners'], summary: 'Runner hosts heard from in the last day (admins)', response: { 200: def('RunnerList'), ...errors(401, 403) } } }, async (req) => {
    admin(requireUser(req));
    const seen = await readHeartbeats(redis, config.redisPrefix, config.heartbeatMs);
    return {
      runners: seen.map((r) => ({
        name: r.name,
        id: r.id,
        hostname: r.hostname,
        labels: r.labels,
        slots: r.slots,
        running: r.running,
        queues: r.queues,
        version: r.version,
        last_heartbeat: r.seenAt,
        started_at: r.startedAt,
        live: r.live,
      })),
    };
  });

  app.get('/api/v1/runner-tokens', { schema: { tags: ['runners'], summary: 'Runner tokens (admins); the tokens themselves are never shown again', response: { 200: def('RunnerTokenList'), ...errors(401, 403) } } }, async (req) => {
    admin(requireUser(req));
    return { tokens: store.runnerTokens.list().map((t) => ({ name: t.name, created_at: t.createdAt })) };
  });

  app.post<{ Body: { name: string } }>(
    '/api/v1/runner-tokens',
    { schema: { tags: ['runners'], summary: 'Create a runner token (admins); the answer holds it, shown once', body: def('NewRunnerToken'), response: { 201: def('RunnerTokenCreated'), ...errors(400, 401, 403, 409) } } },
    async (req, reply) => {
      const me = admin(requireUser(req));
      const { name } = req.body;
      if (!isValidRunnerName(name)) throw new BadRequestError(RUNNER_NAME_RULE, 'bad_name');
      if (name === LOCAL_RUNNER_NAME) throw new BadRequestError(`"${LOCAL_RUNNER_NAME}" is the name of the runners on the server's own host: choose another`, 'bad_name');
      if (store.runnerTokens.byName(name)) throw new ConflictError(`runner token "${name}" already exists`);
      const { runner, token } = store.runnerTokens.create(name, me.id);
      return reply.code(201).send({ name: runner.name, created_at: runner.createdAt, token });
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/runner-tokens/:name',
    { schema: { tags: ['runners'], summary: 'Revoke a runner token (admins): its runner is refused from its next call', params: nameParams, response: { 204: { type: 'null' }, ...errors(401, 403, 404) } } },
    async (req, reply) => {
      admin(requireUser(req));
      if (!store.runnerTokens.remove(req.params.name)) throw new NotFoundError(`no runner token "${req.params.name}"`);
      return reply.code(204).send();
    },
  );
}
