// The client's one error type. A refusal from the server keeps its HTTP status, its stable
// `code` and its `error` sentence; a server that cannot be reached or answers with something
// that is not the API gets status 0 and a code of our own, so callers switch on one class.

export type ClientErrorCode =
  | 'unreachable'
  | 'bad_response'
  | 'no_credentials'
  | 'bad_config'
  | 'bad_input'
  | 'stream_lost'
  | 'already_finished'
  | 'unsafe_file_name';

export class ApiError extends Error {
  override name = 'ApiError';
  /** With code bad_param: the id of the parameter whose value the server refused. */
  readonly param?: string;

  constructor(
    /** The HTTP status, or 0 when no HTTP answer came (see `code`). */
    readonly status: number,
    /** The server's stable code (`not_found`, `unauthorized`, `bad_param`, …) or a ClientErrorCode. */
    readonly code: string,
    /** The server's `error` sentence, or ours. */
    message: string,
    options?: { cause?: unknown; param?: string },
  ) {
    super(message, options);
    if (options?.param !== undefined) this.param = options.param;
  }

  /** Builds the error from a non-2xx response, reading its `{error, code}` body when there is one. */
  static async from(res: Response): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    try {
      const body = JSON.parse(text) as { error?: unknown; code?: unknown; param?: unknown };
      if (typeof body.error === 'string') {
        return new ApiError(res.status, typeof body.code === 'string' ? body.code : `http_${res.status}`, body.error, typeof body.param === 'string' ? { param: body.param } : undefined);
      }
    } catch {
      // Not the API's JSON: a proxy's page or git's plain text. Fall through.
    }
    const line = text.trim().split('\n')[0]?.slice(0, 200);
    return new ApiError(res.status, `http_${res.status}`, `${res.status} ${res.statusText}${line ? `: ${line}` : ''}`);
  }

  static unreachable(url: string, err: unknown): ApiError {
    // fetch wraps the socket's error in `cause`; node:http gives it directly.
    const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    const why = e.cause?.code ?? e.cause?.message ?? e.code ?? e.message;
    return new ApiError(0, 'unreachable', `cannot reach ${url} (${why})`, { cause: err });
  }
}
