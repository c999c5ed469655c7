// The one place errors become HTTP answers: `{error, code}` with a real status.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AllgoError } from './errors.js';

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AllgoError | Error, req, reply) => {
    if (err instanceof AllgoError) return reply.code(err.status).send({ error: err.message, code: err.code });
    const fe = err as FastifyError;
    if (fe.validation) return reply.code(400).send({ error: `${fe.validationContext ?? 'request'} ${fe.message}`, code: 'bad_request' });
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const status = fe.statusCode;
      return reply.code(status).send({ error: fe.message, code: fe.code?.toLowerCase() ?? 'bad_request' });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: `internal error (request ${req.id}); the server log has the details`, code: 'internal' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}`, code: 'not_found' }));
}
