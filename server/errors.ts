// Every error the API can answer with, defined once: a stable code, an HTTP status and a
// message that tells the caller what to do. routes throw these; error-handler.ts maps them.

export class AllgoError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AllgoError';
  }
}

export class BadRequestError extends AllgoError {
  constructor(message: string, code = 'bad_request') {
    super(code, 400, message);
  }
}

/** A typed parameter's value refused: the answer names the parameter, so a form shows it beside its field. */
export class BadParamError extends AllgoError {
  constructor(
    readonly param: string | null,
    message: string,
  ) {
    super('bad_param', 400, message);
  }
}

export class UnauthorizedError extends AllgoError {
  constructor(message = 'missing or invalid token: send "Authorization: Token token=<your token>"') {
    super('unauthorized', 401, message);
  }
}

export class ForbiddenError extends AllgoError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

export class NotFoundError extends AllgoError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

export class ConflictError extends AllgoError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

export class PayloadTooLargeError extends AllgoError {
  constructor(message: string) {
    super('payload_too_large', 413, message);
  }
}

export class TooManyRequestsError extends AllgoError {
  constructor(message: string) {
    super('too_many_requests', 429, message);
  }
}

/** A per-user quota (limits.user, or the admin's for the user) refuses a submission. */
export class QuotaError extends AllgoError {
  constructor(limit: 'max_waiting' | 'storage_gb', message: string) {
    super(`quota_${limit}`, 403, message);
  }
}

/** The user's submissions per minute are used up; `retryAfterS` says when one is free again. */
export class RateLimitError extends AllgoError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super('rate_per_minute', 429, message);
  }
}

export class GoneError extends AllgoError {
  constructor(message: string) {
    super('gone', 410, message);
  }
}

/** A signed capability (see signer.ts) that is forged, for something else, or expired. */
export class SignatureError extends AllgoError {
  constructor(code: 'bad_signature' | 'signature_expired', message: string) {
    super(code, 403, message);
  }
}

export class UnavailableError extends AllgoError {
  constructor(message: string) {
    super('unavailable', 503, message);
  }
}

/** A runner's attempt was taken over by another: it must step back (common/runner-protocol.ts). */
export class StaleAttemptError extends AllgoError {
  constructor(jobId: number, attempt: number, current: number) {
    super('stale_attempt', 409, `attempt ${attempt} of job ${jobId} is no longer its current one (${current}): another runner took it over`);
  }
}

/** The job ended meanwhile (cancelled, deleted, or its outputs committed). */
export class JobFinishedError extends AllgoError {
  constructor(jobId: number) {
    super('job_finished', 409, `job ${jobId} has already ended`);
  }
}

/** A job that cannot be submitted again as it was: a secret value is kept nowhere, or its inputs are no longer those it had. */
export class RerunError extends AllgoError {
  constructor(code: 'rerun_secret' | 'rerun_inputs_changed' | 'rerun_not_recorded', message: string) {
    super(code, 409, message);
  }
}

/** A job names a version its owner yanked: the answer carries the owner's reason. */
export class VersionYankedError extends AllgoError {
  constructor(app: string, version: string, reason: string, fallback: string | null) {
    const instead = fallback ? `; run the default version (${fallback}) instead` : '';
    super('version_yanked', 410, `version ${version} of ${app} was withdrawn by its provider: ${reason}${instead}`);
  }
}

/** A release change that cannot be made as asked (promote a failed version, roll back with nothing before). */
export class ReleaseError extends AllgoError {
  constructor(code: 'version_not_ready' | 'version_yanked' | 'nothing_to_roll_back' | 'already_yanked', message: string) {
    super(code, 409, message);
  }
}

/** A session would go over a cap (webapps.per_user or webapps.max_sessions): the answer says which. */
export class SessionsFullError extends AllgoError {
  constructor(which: 'user' | 'platform', limit: number) {
    super(
      `sessions_full_${which}`,
      429,
      which === 'user'
        ? `you have ${limit} session${limit === 1 ? '' : 's'} running, your limit: stop one (DELETE /api/v1/apps/NAME/sessions/ID) before starting another`
        : `the platform runs its most sessions at once (${limit}): try again when one has ended`,
    );
  }
}

/** Sessions are for `kind: webapp` apps, jobs for the others. */
export class WrongKindError extends AllgoError {
  constructor(app: string, kind: 'job' | 'webapp') {
    super(
      kind === 'webapp' ? 'webapp_not_runnable' : 'not_a_webapp',
      400,
      kind === 'webapp' ? `${app} is a webapp: start a session (POST /api/v1/apps/${app}/sessions) instead of running a job` : `${app} is not a webapp (kind: job): run a job instead (POST /api/v1/jobs)`,
    );
  }
}

export const notFound = {
  app: (name: string | number) => new NotFoundError(`no app ${JSON.stringify(String(name))}: check the name or id (GET /api/v1/apps lists them)`),
  job: (id: string | number) => new NotFoundError(`no job ${id}`),
  session: (id: string) => new NotFoundError(`no session ${JSON.stringify(id)} of yours`),
  version: (app: string, v: string) => new NotFoundError(`app "${app}" has no version "${v}" (GET /api/v1/apps/${app} lists them)`),
};

/** A version's image cannot be exported: this server's engine lacks it and no registry holds it, or the registry refused it. */
export class ImageUnavailableError extends AllgoError {
  constructor(message: string) {
    super('image_unavailable', 409, message);
  }
}

/** Building an export of a version's image failed on the server (a tool missing or failing, the engine's stream broken). */
export class ExportFailedError extends AllgoError {
  constructor(message: string) {
    super('export_failed', 500, message);
  }
}

/** A webhook refused at submission or registration: a URL that is no http(s) URL, an unknown event, or a target the server may not call. */
export class WebhookError extends AllgoError {
  constructor(code: 'bad_webhook_url' | 'unknown_webhook_event' | 'webhook_target_refused', message: string) {
    super(code, 400, message);
  }
}

/** A webhook needs a signing secret to sign with, and the user has none yet. */
export class WebhookSecretMissingError extends AllgoError {
  constructor() {
    super('webhook_secret_missing', 409, 'you have no webhook signing secret yet: make one (POST /api/v1/user/webhook/secret, or register a default webhook with PUT /api/v1/user/webhook), then submit again');
  }
}
