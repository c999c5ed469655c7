// Who a runner is: the name of its runner token. Users' tokens are never runner tokens (they
// live in another table), and the roles on the server's own host use a token derived from
// the data dir's secret (common/runner-protocol.ts).
import type { FastifyRequest } from 'fastify';
import { safeEqual } from '../common/safe-equal.js';
import { LOCAL_RUNNER_NAME, RUNNER_TOKEN_PREFIX, localRunnerToken } from '../common/runner-protocol.js';
import { tokenFromHeader } from './auth.js';
import type { RunnerTokenStore } from './store/runner-tokens.js';
import { UnauthorizedError } from './errors.js';

export type RunnerAuth = (req: FastifyRequest) => string;

export function runnerAuth(tokens: RunnerTokenStore, secret: string): RunnerAuth {
  const local = localRunnerToken(secret);
  return (req) => {
    const token = tokenFromHeader(req.headers.authorization);
    if (!token) throw new UnauthorizedError('runner calls need "Authorization: Bearer <runner token>" (allgo runner-token add NAME makes one)');
    if (!token.startsWith(RUNNER_TOKEN_PREFIX)) throw new UnauthorizedError('this is not a runner token: user tokens cannot act as runners (allgo runner-token add NAME makes one)');
    if (safeEqual(token, local)) return LOCAL_RUNNER_NAME;
    const found = tokens.byToken(token);
    if (!found) throw new UnauthorizedError('unknown or revoked runner token');
    return found.name;
  };
}
