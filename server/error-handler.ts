// The one place errors become HTTP answers: `{error, code}` with a real status.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AllgoError, BadParamError, RateLimitError } from './errors.js';
import { UploadNameError } from './datastore.js';

export interface ErrorAnswer {
  status: number;
  body: { error: string; code: string; param?: string };
}

const UNSUPPORTED_TYPE = 'this route takes no body of that Content-Type: send JSON (application/json); files (multipart/form-data) go only to POST /api/v1/jobs and POST /api/v1/apps/NAME/sessions';

/** The answer to an error the server knows; null for an unexpected one (a logged 500). */
export function answerOf(err: FastifyError | Error): ErrorAnswer | null {
  if (err instanceof BadParamError && err.param !== null) return { status: 400, body: { error: err.message, code: err.code, param: err.param } };
  if (err instanceof AllgoError) return { status: err.status, body: { error: err.message, code: err.code } };
  // Errors of the layers below the routes, which know nothing of HTTP.
  if (err instanceof UploadNameError) return { status: 400, body: { error: err.message, code: err.code } };
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, body: { error: UNSUPPORTED_TYPE, code: 'unsupported_media_type' } };
  if (fe.validation) return { status: 400, body: { error: `${fe.validationContext ?? 'request'} ${fe.message}`, code: 'bad_request' } };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return { status: fe.statusCode, body: { error: fe.message, code: fe.code?.toLowerCase() ?? 'bad_request' } };
  return null;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    const answer = answerOf(err);
    // A client that went away mid-request (an upload cut short) is no fault of the server's:
    // worth a line at info, whatever the parser made of the missing rest.
    if (req.raw.readableAborted) req.log.info({ reason: err.message }, 'request aborted by the client');
    if (err instanceof RateLimitError) reply.header('retry-after', String(err.retryAfterS));
    if (answer) return reply.code(answer.status).send(answer.body);
    if (req.raw.readableAborted) return reply.code(400).send({ error: 'the request was cut short', code: 'aborted' });
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: `internal error (request ${req.id}); the server log has the details`, code: 'internal' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}`, code: 'not_found' }));
}
