import type { FastifyInstance } from 'fastify';
import { BadRequestError, ConflictError } from '../errors.js';
import { isValidUserName, limitsOf, USER_NAME_RULE, type User } from '../store/users.js';
import type { NewUser, User as UserBody, UserLimits as LimitsBody, UserLimitsPatch } from '../../schemas/index.js';
import type { UserLimits } from '../../common/config.js';
import { mayCreateApps } from '../auth.js';
import { type ApiDeps, namedUser, requireAdmin, requireUser, userNameParams } from './context.js';
import { def, errors } from './api-schemas.js';

const limitsBody = (l: UserLimits): LimitsBody => ({ max_running: l.maxRunning, max_waiting: l.maxWaiting, per_minute: l.perMinute, storage_gb: l.storageGb });

export async function userRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, config } = deps;
  const describe = (u: User): UserBody => ({
    id: u.id,
    name: u.name,
    email: u.email,
    admin: u.isAdmin,
    provider: mayCreateApps(u, config),
    created_at: u.createdAt,
  });
  /** With the user's share and what they use of it. */
  const withUsage = (u: User): UserBody => ({
    ...describe(u),
    limits: limitsBody(limitsOf(u, config.userLimits)),
    usage: { running: store.usage.running(u.id), waiting: store.usage.queued(u.id), storage_bytes: store.usage.storage(u.id) },
  });
  app.get<{ Reply: UserBody }>(
    '/api/v1/user',
    { schema: { tags: ['users'], summary: 'Who the token belongs to, with their limits and what they use of them', response: { 200: def('User'), ...errors(401) } } },
    async (req) => withUsage(requireUser(req)),
  );

  app.post<{ Body: NewUser; Reply: { 201: UserBody } }>(
    '/api/v1/users',
    {
      schema: { tags: ['users'], summary: 'Create a user (admins); the answer holds their token, shown once', body: def('NewUser'), response: { 201: def('User'), ...errors(400, 401, 403, 409) } },
    },
    async (req, reply) => {
      requireAdmin(req, 'create users');
      const { name, email, provider, admin } = req.body;
      if (!isValidUserName(name)) throw new BadRequestError(USER_NAME_RULE);
      if (store.users.byName(name)) throw new ConflictError(`user "${name}" already exists`);
      const { user, token } = store.users.create({ name, email, isProvider: provider, isAdmin: admin });
      return reply.code(201).send({ ...describe(user), token });
    },
  );

  app.patch<{ Params: { name: string }; Body: UserLimitsPatch; Reply: UserBody }>(
    '/api/v1/users/:name',
    {
      schema: {
        tags: ['users'],
        summary: "Set a user's limits (admins); null returns one to the server's limits.user",
        params: userNameParams,
        body: def('UserLimitsPatch'),
        response: { 200: def('User'), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      requireAdmin(req, "set users' limits");
      const user = namedUser(store, req.params.name);
      const b = req.body;
      const own = user.limits;
      const pick = <T>(given: T | null | undefined, kept: T | null): T | null => (given === undefined ? kept : given);
      const updated = store.users.setLimits(user.id, {
        maxRunning: pick(b.max_running, own.maxRunning),
        maxWaiting: pick(b.max_waiting, own.maxWaiting),
        perMinute: pick(b.per_minute, own.perMinute),
        storageGb: pick(b.storage_gb, own.storageGb),
      })!;
      req.log.info({ user: user.name, limits: b }, 'user limits set');
      return withUsage(updated);
    },
  );
}
