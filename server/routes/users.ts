import type { FastifyInstance } from 'fastify';
import { BadRequestError, ConflictError, ForbiddenError } from '../errors.js';
import { isValidUserName, USER_NAME_RULE, type User } from '../store/users.js';
import { mayCreateApps } from '../auth.js';
import { type ApiDeps, requireUser } from './context.js';

interface NewUser {
  name: string;
  email: string;
  provider?: boolean;
  admin?: boolean;
}

export async function userRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, config } = deps;
  const describe = (u: User) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    admin: u.isAdmin,
    provider: mayCreateApps(u, config),
    created_at: u.createdAt,
  });

  app.get('/api/v1/user', async (req) => describe(requireUser(req)));

  app.post<{ Body: NewUser }>(
    '/api/v1/users',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'email'],
          properties: {
            name: { type: 'string' },
            email: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+$' },
            provider: { type: 'boolean' },
            admin: { type: 'boolean' },
          },
        },
      },
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
