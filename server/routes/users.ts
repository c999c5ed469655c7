import type { FastifyInstance } from 'fastify';
import { BadRequestError, ConflictError, ForbiddenError } from '../errors.js';
import { isValidUserName, USER_NAME_RULE, type User } from '../store/users.js';
import type { NewUser, User as UserBody } from '../../schemas/index.js';
import { mayCreateApps } from '../auth.js';
import { type ApiDeps, requireUser } from './context.js';
import { def, errors } from './api-schemas.js';

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

  app.get<{ Reply: UserBody }>('/api/v1/user', { schema: { tags: ['users'], summary: 'Who the token belongs to', response: { 200: def('User'), ...errors(401) } } }, async (req) => describe(requireUser(req)));

  app.post<{ Body: NewUser; Reply: { 201: UserBody } }>(
    '/api/v1/users',
    {
      schema: { tags: ['users'], summary: 'Create a user (admins); the answer holds their token, shown once', body: def('NewUser'), response: { 201: def('User'), ...errors(400, 401, 403, 409) } },
    },
    async (req, reply) => {
      const me = requireUser(req);
      if (!me.isAdmin) throw new ForbiddenError('only admins can create users');
      const { name, email, provider, admin } = req.body;
      if (!isValidUserName(name)) throw new BadRequestError(USER_NAME_RULE);
      if (store.users.byName(name)) throw new ConflictError(`user "${name}" already exists`);
      const { user, token } = store.users.create({ name, email, isProvider: provider, isAdmin: admin });
      return reply.code(201).send({ ...describe(user), token });
    },
  );
}
