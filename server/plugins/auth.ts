// Who is calling, for every /api/ request: a route reads req.user (null: anonymous) and asks
// requireUser() when it needs someone. A wrong token is refused here, not made anonymous: the
// caller meant to be someone. Git authenticates on its own (HTTP basic, see git/smart-http.ts).
import fp from 'fastify-plugin';
import { authenticate } from '../auth.js';
import { UnauthorizedError } from '../errors.js';
import { RUNNER_TOKEN_PREFIX } from '../../common/runner-protocol.js';
import type { User } from '../store/index.js';
import type { UserStore } from '../store/users.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
}

export const auth = fp<{ users: UserStore }>(
  async (app, { users }) => {
    app.decorateRequest('user', null);
    app.addHook('onRequest', async (req) => {
      if (!req.url.startsWith('/api/')) return;
      const header = req.headers.authorization;
      if (!header) return;
      req.user = authenticate(users, header);
      if (!req.user && header.includes(RUNNER_TOKEN_PREFIX)) throw new UnauthorizedError('a runner token cannot call the API: use a user\'s token');
      if (!req.user) throw new UnauthorizedError('invalid token: check the token in your Authorization header');
    });
  },
  { name: 'allgo-auth', fastify: '5.x' },
);
