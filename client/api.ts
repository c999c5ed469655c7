// A typed client of allgo's REST API (README.md, "The API"). Every refusal becomes an ApiError
// with the server's status, code and sentence; input files are streamed from disk, never read
// whole into memory; results are written to a temporary name and renamed when complete.
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { ApiError } from './errors.js';
import { requireToken, resolveCredentials, type Credentials, type ResolveOptions } from './credentials.js';
import { readSse, SseParser } from './sse.js';
import { postForm } from './upload.js';
import type { AppDetail, AppSummary, JobCancelled, JobCreated, JobEvent, JobFile, JobList, JobStatus, NewUser, Queues, User } from './types.js';

export type ClientOptions = ResolveOptions;

/** A path on disk (sent under its base name), or named bytes. */
export type InputFile = string | { name: string; data: Blob | Uint8Array | string };

export interface SubmitOptions {
  /** The app's name or id. */
  app: string | number;
  files?: InputFile[];
  params?: string;
  version?: string;
  queue?: string;
  /** Called as the upload goes, with bytes sent and the input files' total size. */
  onUploadProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

export interface EventOptions {
  /** Resume after this event id (the SSE `Last-Event-ID`). */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Reconnections in a row without an event before giving up (default 5). */
  reconnects?: number;
}

/** A result file saved on disk. */
export interface Output {
  name: string;
  size: number;
  path: string;
}

const RECONNECT_MS = 1000;

export class AllgoClient {
  readonly credentials: Credentials;

  constructor(opts: ClientOptions = {}) {
    this.credentials = resolveCredentials(opts);
  }

  get url(): string {
    return this.credentials.url;
  }

  user(): Promise<User> {
    return this.json('/api/v1/user');
  }

  /** Creates a user (admins only); the answer holds their token, shown this once. */
  createUser(user: NewUser): Promise<User> {
    return this.json('/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
  }

  async apps(): Promise<AppSummary[]> {
    return (await this.json<{ apps: AppSummary[] }>('/api/v1/apps')).apps;
  }

  app(name: string | number): Promise<AppDetail> {
    return this.json(`/api/v1/apps/${encodeURIComponent(name)}`);
  }

  queues(): Promise<Queues> {
    return this.json('/api/v1/queues');
  }

  async buildLog(app: string, version: string): Promise<string> {
    return (await this.request(`/api/v1/apps/${encodeURIComponent(app)}/versions/${encodeURIComponent(version)}/build-log`)).text();
  }

  async submit(opts: SubmitOptions): Promise<JobCreated> {
    const form = new FormData();
    form.append('job[webapp_id]', String(opts.app));
    if (opts.params !== undefined) form.append('job[param]', opts.params);
    if (opts.version) form.append('job[version]', opts.version);
    if (opts.queue) form.append('job[queue]', opts.queue);
    let total = 0;
    const blobs = await Promise.all((opts.files ?? []).map(toBlob));
    blobs.forEach(({ name, blob }, i) => {
      total += blob.size;
      form.append(`files[${i}]`, blob, name);
    });
    const onProgress = opts.onUploadProgress;
    let res: Response;
    try {
      res = await postForm(this.url + '/api/v1/jobs', form, {
        headers: this.authHeader(),
        onProgress: onProgress && ((sent) => onProgress(Math.min(sent, total), total)),
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw ApiError.unreachable(this.url, err);
    }
    return this.parse(res, '/api/v1/jobs');
  }

  job(id: number): Promise<JobStatus> {
    return this.json(`/api/v1/jobs/${id}`);
  }

  jobs(opts: { limit?: number; before?: number } = {}): Promise<JobList> {
    const q = new URLSearchParams();
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.before) q.set('before', String(opts.before));
    return this.json(`/api/v1/jobs${q.size ? `?${q}` : ''}`);
  }

  async log(id: number): Promise<string> {
    return (await this.request(`/api/v1/jobs/${id}/log`)).text();
  }

  /**
   * The job's live events until its `end`: state changes and log text as printed. A dropped
   * connection is resumed from the last event id, so no log text is lost or repeated.
   */
  async *events(id: number, opts: EventOptions = {}): AsyncGenerator<JobEvent> {
    let last = opts.lastEventId ?? '';
    let retryMs = RECONNECT_MS;
    let failures = 0;
    const maxFailures = opts.reconnects ?? 5;
    for (;;) {
      let lost: unknown = null;
      const parser = new SseParser();
      parser.lastEventId = last;
      try {
        const res = await this.request(`/api/v1/jobs/${id}/events`, { headers: last ? { 'last-event-id': last } : {}, signal: opts.signal });
        if (!res.headers.get('content-type')?.startsWith('text/event-stream') || !res.body) {
          throw new ApiError(res.status, 'bad_response', `the events of job ${id} did not come as an event stream`);
        }
        for await (const e of readSse(res.body, parser)) {
          last = e.id;
          failures = 0;
          const event = decodeEvent(e.event, e.data, e.id);
          if (event) yield event;
          if (event?.type === 'end') return;
        }
      } catch (err) {
        // Refusals and aborts are final; a network hiccup is retried from the last id.
        if (opts.signal?.aborted || (err instanceof ApiError && err.status !== 0 && err.status < 500) || (err instanceof ApiError && err.code === 'bad_response')) throw err;
        lost = err;
      }
      retryMs = parser.retry ?? retryMs;
      if (++failures > maxFailures) {
        throw new ApiError(0, 'stream_lost', `the event stream of job ${id} kept breaking (${maxFailures} reconnections)`, { cause: lost ?? undefined });
      }
      await sleep(retryMs, opts.signal);
    }
  }

  /** Cancels a job that has not finished; a finished one is left alone (409 from the server). */
  cancel(id: number): Promise<JobCancelled> {
    return this.json(`/api/v1/jobs/${id}/cancel`, { method: 'POST' });
  }

  /** DELETE /api/v1/jobs/N as is: cancels an unfinished job, deletes a finished one's files. */
  deleteJob(id: number): Promise<JobCancelled> {
    return this.json(`/api/v1/jobs/${id}`, { method: 'DELETE' });
  }

  /**
   * Saves one result file into `dir` under its own name (replacing a file of that name) and
   * returns its path. The file appears only once complete.
   */
  async download(file: Pick<JobFile, 'name' | 'url'>, dir: string, signal?: AbortSignal): Promise<string> {
    const name = safeFileName(file.name);
    await mkdir(dir, { recursive: true });
    // Download links need no token; none is sent, in case the link points elsewhere.
    const res = await this.fetch(file.url, { signal });
    if (!res.ok) throw await ApiError.from(res);
    const path = join(dir, name);
    const part = join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(part, { flags: 'wx' }));
      await rename(part, path);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return path;
  }

  /** Saves a job's result files into `dir`, except those named in `skip` (its inputs, say). */
  async downloadAll(job: Pick<JobStatus, 'files'>, dir: string, opts: { skip?: Iterable<string>; signal?: AbortSignal } = {}): Promise<Output[]> {
    const skip = new Set(opts.skip ?? []);
    const saved: Output[] = [];
    for (const f of job.files) {
      if (skip.has(f.name)) continue;
      saved.push({ name: f.name, size: f.size, path: await this.download(f, dir, opts.signal) });
    }
    return saved;
  }

  /** A response from the API, or the ApiError it answered with. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.authHeader())) headers.set(k, v);
    const res = await this.fetch(this.url + path, { ...init, headers });
    if (!res.ok) throw await ApiError.from(res);
    return res;
  }

  private authHeader(): Record<string, string> {
    return { authorization: `Token token=${requireToken(this.credentials)}` };
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    return this.parse(await this.request(path, init), path);
  }

  private async parse<T>(res: Response, path: string): Promise<T> {
    if (!res.ok) throw await ApiError.from(res);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', `${path} did not answer JSON: is ${this.url} an allgo server?`);
    }
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw ApiError.unreachable(new URL(url).origin, err);
    }
  }
}

function decodeEvent(type: string, data: string, id: string): JobEvent | null {
  try {
    if (type === 'state') return { type, id, state: JSON.parse(data) };
    if (type === 'log') return { type, id, text: JSON.parse(data) as string };
    if (type === 'end') return { type, id };
    return null;
  } catch {
    throw new ApiError(200, 'bad_response', `a "${type}" event carried data that is not JSON`);
  }
}

/** The name an input file is sent under. */
export const inputName = (f: InputFile): string => (typeof f === 'string' ? basename(f) : f.name);

async function toBlob(f: InputFile): Promise<{ name: string; blob: Blob }> {
  if (typeof f === 'string') {
    try {
      // A Blob backed by the file: read as it is sent, never held in memory whole.
      return { name: inputName(f), blob: await openAsBlob(f) };
    } catch (err) {
      throw new ApiError(0, 'bad_input', `cannot read ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { name: f.name, blob: f.data instanceof Blob ? f.data : new Blob([f.data as BlobPart]) };
}

/** The server names results; a name that could leave the folder is refused, whoever sent it. */
export function safeFileName(name: string): string {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new ApiError(0, 'unsafe_file_name', `refusing to save a result named ${JSON.stringify(name)}`);
  }
  return name;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
