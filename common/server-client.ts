// The workers' side of the runner protocol (runner-protocol.ts): every call carries
// the runner token; staging calls carry their grant's signature. A dropped connection or a
// server that is away is retried (with backoff, until `signal` aborts); a refusal (4xx) is
// final and thrown as a RefusedError with the server's code.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadable } from 'node:stream/web';
import type { FileHandle } from 'node:fs/promises';
import type { ClaimAnswer, CommitRequest, RunnerHello, RunnerHelloRequest, StagingGrant } from '../schemas/index.js';
import { RUNNER_ROUTES, STAGING_CHUNK_BYTES } from './runner-protocol.js';
import { SIGNATURE_HEADER } from './internal-http.js';

/** The server said no: retrying the same call would not help. */
export class RefusedError extends Error {
  override name = 'RefusedError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server could not be reached (or kept failing) before the call was given up. */
class UnreachableError extends Error {
  override name = 'UnreachableError';
}

const BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];

export interface CallOptions {
  /** Stops retrying when aborted. Default: retry for `retryForMs`. */
  signal?: AbortSignal;
  retryForMs?: number;
}

export class ServerClient {
  /**
   * `rediscover`: where the server is now, for workers beside it (its internal listener takes a
   * free port at each start); asked again whenever the server cannot be reached.
   */
  constructor(
    private base: string,
    private readonly token: string,
    private readonly rediscover?: () => Promise<string | null>,
  ) {}

  get baseUrl(): string {
    return this.base;
  }

  private async call(method: string, path: string, init: { body?: () => RequestInit['body'] | Promise<RequestInit['body']>; json?: unknown; signature?: string }, opts: CallOptions = {}): Promise<Response> {
    const deadline = Date.now() + (opts.retryForMs ?? 10 * 60_000);
    for (let i = 0; ; i++) {
      const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
      if (init.signature) headers[SIGNATURE_HEADER] = init.signature;
      let body: RequestInit['body'] | undefined;
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      } else if (init.body) {
        headers['content-type'] = 'application/octet-stream';
        body = await init.body();
      }
      let res: Response | null = null;
      let failure: string;
      try {
        res = await fetch(this.baseUrl + path, { method, headers, body, signal: opts.signal, ...(body && init.body ? { duplex: 'half' } : {}) } as RequestInit);
        if (res.status < 500) {
          if (res.ok) return res;
          const e = (await res.json().catch(() => ({}))) as { error?: string; code?: string };
          throw new RefusedError(res.status, e.code ?? 'refused', e.error ?? `HTTP ${res.status}`);
        }
        failure = `HTTP ${res.status}: ${(await res.text().catch(() => '')).slice(0, 200)}`;
      } catch (err) {
        if (err instanceof RefusedError || opts.signal?.aborted) throw err;
        failure = describeFetchError(err);
        this.base = (await this.rediscover?.().catch(() => null)) ?? this.base;
      }
      if (Date.now() > deadline) throw new UnreachableError(`cannot reach the server at ${this.baseUrl} (${failure})`);
      await new Promise((r) => setTimeout(r, BACKOFF_MS[Math.min(i, BACKOFF_MS.length - 1)]));
    }
  }

  /**
   * A GET of a path the server handed out (how builders fetch a commit's source), resolved
   * against this worker's ALLGO_SERVER_URL: retried, and rediscovered, like every other call.
   */
  async get(path: string, signature?: string, opts?: CallOptions): Promise<Response> {
    return this.call('GET', path, { signature }, opts);
  }

  async hello(req: RunnerHelloRequest, opts?: CallOptions): Promise<RunnerHello> {
    return (await (await this.call('POST', RUNNER_ROUTES.hello, { json: req }, opts)).json()) as RunnerHello;
  }

  async claim(jobId: number, attempt: number, opts?: CallOptions): Promise<ClaimAnswer> {
    return (await (await this.call('POST', RUNNER_ROUTES.claim(jobId, attempt), { json: {} }, opts)).json()) as ClaimAnswer;
  }

  /** Downloads one input to `dest`, again from the start if the connection drops. */
  async download(jobId: number, attempt: number, name: string, grant: StagingGrant, dest: string, opts?: CallOptions): Promise<void> {
    for (let i = 0; ; i++) {
      const res = await this.call('GET', RUNNER_ROUTES.input(jobId, attempt, name), { signature: grant.signature }, opts);
      try {
        await pipeline(Readable.fromWeb(res.body as WebReadable), createWriteStream(dest, { mode: 0o644, highWaterMark: STAGING_CHUNK_BYTES }));
        return;
      } catch (err) {
        if (i >= BACKOFF_MS.length || opts?.signal?.aborted) throw new UnreachableError(`the download of ${name} kept breaking (${describeFetchError(err)})`);
        await new Promise((r) => setTimeout(r, BACKOFF_MS[i]));
      }
    }
  }

  async uploadGrant(jobId: number, attempt: number, opts?: CallOptions): Promise<StagingGrant> {
    return (await (await this.call('POST', RUNNER_ROUTES.uploads(jobId, attempt), { json: {} }, opts)).json()) as StagingGrant;
  }

  /**
   * Streams `length` bytes of `file` as output `name`. A retry sends the whole file again and
   * the server replaces what it had, so a dropped upload is never doubled.
   */
  async upload(jobId: number, attempt: number, name: string, file: FileHandle, length: number, grant: StagingGrant, opts?: CallOptions): Promise<void> {
    const body = () => (length === 0 ? Buffer.alloc(0) : (file.createReadStream({ start: 0, end: length - 1, autoClose: false, highWaterMark: STAGING_CHUNK_BYTES }) as unknown as RequestInit['body']));
    await this.call('PUT', RUNNER_ROUTES.output(jobId, attempt, name), { body, signature: grant.signature }, opts);
  }

  async commit(jobId: number, attempt: number, grant: StagingGrant, req: CommitRequest, opts?: CallOptions): Promise<void> {
    await this.call('POST', RUNNER_ROUTES.commit(jobId, attempt), { json: req, signature: grant.signature }, opts);
  }
}

function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
