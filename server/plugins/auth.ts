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
    // A callback hook: it runs on every request, and a promise per hook shows in the API's cost.
    app.addHook('onRequest', (req, _reply, done) => {
      const header = req.headers.authorization;
      if (!header || !req.url.startsWith('/api/')) return done();
      req.user = authenticate(users, header);
      if (req.user) return done();
      done(new UnauthorizedError(header.includes(RUNNER_TOKEN_PREFIX) ? 'a runner token cannot call the API: use a user\'s token' : 'invalid token: check the token in your Authorization header'));
    });
  },
  { name: 'allgo-auth', fastify: '5.x' },
);
