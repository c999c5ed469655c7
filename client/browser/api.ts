// The API's calls over fetch(), with nothing from Node: the site's custom elements use this
// class as it is, and the Node client (../api.ts) extends it with credentials from disk,
// streamed uploads and downloads to files. Every refusal becomes an ApiError with the server's
// status, code and sentence.
import { ApiError } from './errors.js';
import { jobEvents, type EventOptions } from './job-events.js';
import { appendTypedParams, type NamedFile, type TypedParams } from './typed-params.js';
import type { AdminOverview, AppDetail, AppSummary, JobCancelled, JobCreated, JobEvent, JobList, JobRerun, JobStatus, RoCrate, NewUser, Queues, Runner, PruneResult, ReleaseList, RunnerTokenCreated, SessionList, SessionStatus, StorageList, User, UserLimitsPatch } from './types.js';

export interface ApiClientOptions {
  /** The server's base URL (the site passes its own origin). */
  url: string;
  token: string | null;
}

export type { NamedFile } from './typed-params.js';

export interface JobRequest {
  /** The app's name or id. */
  app: string | number;
  files?: NamedFile[];
  /**
   * A string: A||GO's free-text parameters, split like a shell would on the server. An object:
   * typed values by parameter id (a list for a list parameter; a NamedFile for a file parameter).
   */
  params?: string | TypedParams;
  /** With typed `params`, for a version with free_params: the free text appended after them. */
  freeParams?: string;
  version?: string;
  queue?: string;
  /** Run it even when the app caches results and an earlier job's would do (job[no_cache]=1). */
  noCache?: boolean;
  /** Called as the upload goes, with bytes sent and the input files' total size (where the transport can tell). */
  onUploadProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

export interface PostFormOptions {
  headers: Record<string, string>;
  /** Bytes of the body sent so far. */
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
}

export class ApiClient {
  readonly url: string;
  protected readonly token: string | null;

  constructor(opts: ApiClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token;
  }

  user(): Promise<User> {
    return this.json('/api/v1/user');
  }

  /** Creates a user (admins only); the answer holds their token, shown this once. */
  createUser(user: NewUser): Promise<User> {
    return this.json('/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
  }

  /** Sets a user's limits (admins only): each one given replaces theirs, null returns it to the server's. */
  setUserLimits(name: string, limits: UserLimitsPatch): Promise<User> {
    return this.json(`/api/v1/users/${encodeURIComponent(name)}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(limits) });
  }

  /** The users whose jobs take the most room, biggest first (admins only). */
  async storage(limit?: number): Promise<StorageList['users']> {
    return (await this.json<StorageList>(`/api/v1/storage${limit ? `?limit=${limit}` : ''}`)).users;
  }

  /** Deletes the files of a user's jobs finished longer ago than `olderThan` (30m, 7d), a batch per call (admins only). */
  pruneUserJobs(name: string, olderThan: string): Promise<PruneResult> {
    return this.json(`/api/v1/users/${encodeURIComponent(name)}/prune`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ older_than: olderThan }) });
  }

  /** Queues, runner hosts, the last failures, the biggest users and disk use, read now (admins only). */
  adminOverview(): Promise<AdminOverview> {
    return this.json('/api/v1/admin/overview');
  }

  /** The runner hosts heard from (admins only). */
  async runners(): Promise<Runner[]> {
    return (await this.json<{ runners: Runner[] }>('/api/v1/runners')).runners;
  }

  /** Creates a runner token (admins only); the answer holds it, shown this once. */
  createRunnerToken(name: string): Promise<RunnerTokenCreated> {
    return this.json('/api/v1/runner-tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  }

  async apps(): Promise<AppSummary[]> {
    return (await this.json<{ apps: AppSummary[] }>('/api/v1/apps')).apps;
  }

  app(name: string | number): Promise<AppDetail> {
    return this.json(`/api/v1/apps/${encodeURIComponent(name)}`);
  }

  /** An app's release history, newest first, and its default version. */
  releases(app: string | number): Promise<ReleaseList> {
    return this.json(`/api/v1/apps/${encodeURIComponent(app)}/releases`);
  }

  /** Makes a ready version the app's default (its owner only). */
  promote(app: string | number, version: string): Promise<ReleaseList> {
    return this.json(`/api/v1/apps/${encodeURIComponent(app)}/promote`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version }) });
  }

  /** Moves the app's default back to the version that was the default before (its owner only). */
  rollback(app: string | number): Promise<ReleaseList> {
    return this.json(`/api/v1/apps/${encodeURIComponent(app)}/rollback`, { method: 'POST' });
  }

  /** Withdraws a version from new jobs, with the reason they are told (its owner only). */
  yank(app: string | number, version: string, reason: string): Promise<ReleaseList> {
    return this.json(`/api/v1/apps/${encodeURIComponent(app)}/versions/${encodeURIComponent(version)}/yank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason }) });
  }

  queues(): Promise<Queues> {
    return this.json('/api/v1/queues');
  }

  async buildLog(app: string, version: string): Promise<string> {
    return (await this.request(`/api/v1/apps/${encodeURIComponent(app)}/versions/${encodeURIComponent(version)}/build-log`)).text();
  }

  async submit(req: JobRequest): Promise<JobCreated> {
    const form = new FormData();
    form.append('job[webapp_id]', String(req.app));
    if (typeof req.params === 'string') form.append('job[param]', req.params);
    else if (req.freeParams !== undefined) form.append('job[param]', req.freeParams);
    if (req.version) form.append('job[version]', req.version);
    if (req.queue) form.append('job[queue]', req.queue);
    if (req.noCache) form.append('job[no_cache]', '1');
    let total = typeof req.params === 'object' ? appendTypedParams(form, req.params) : 0;
    (req.files ?? []).forEach((f, i) => {
      const blob = f.data instanceof Blob ? f.data : new Blob([f.data as BlobPart]);
      total += blob.size;
      form.append(`files[${i}]`, blob, f.name);
    });
    const onProgress = req.onUploadProgress;
    let res: Response;
    try {
      res = await this.postForm(this.url + '/api/v1/jobs', form, {
        headers: this.authHeader(),
        onProgress: onProgress && ((sent) => onProgress(Math.min(sent, total), total)),
        signal: req.signal,
      });
    } catch (err) {
      if (req.signal?.aborted) throw err;
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

  /** The page a JobList's `next` names. */
  jobsPage(next: string): Promise<JobList> {
    return this.json(next);
  }

  async log(id: number): Promise<string> {
    return (await this.request(`/api/v1/jobs/${id}/log`)).text();
  }

  /** The job's live events until its `end`: state changes and log text as printed (see job-events.ts). */
  events(id: number, opts: EventOptions = {}): AsyncGenerator<JobEvent> {
    return jobEvents((headers, signal) => this.request(`/api/v1/jobs/${id}/events`, { headers, signal }), id, opts);
  }

  /** Cancels a job that has not finished; a finished one is left alone (409 from the server). */
  cancel(id: number): Promise<JobCancelled> {
    return this.json(`/api/v1/jobs/${id}/cancel`, { method: 'POST' });
  }

  /** The job again: the same version (or `version`), parameters and inputs, always run for real. */
  rerun(id: number, opts: JobRerun = {}): Promise<JobCreated> {
    return this.json(`/api/v1/jobs/${id}/rerun`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(opts) });
  }

  /** How the job was made: its RO-Crate metadata (ro-crate-metadata.json). */
  provenance(id: number): Promise<RoCrate> {
    return this.json(`/api/v1/jobs/${id}/provenance`);
  }

  /** DELETE /api/v1/jobs/N as is: cancels an unfinished job, deletes a finished one's files. */
  deleteJob(id: number): Promise<JobCancelled> {
    return this.json(`/api/v1/jobs/${id}`, { method: 'DELETE' });
  }

  /** Starts a session of a webapp (its latest ready version unless `version`); it answers `starting`. */
  startSession(app: string, version?: string): Promise<SessionStatus> {
    return this.json(`/api/v1/apps/${encodeURIComponent(app)}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(version ? { version } : {}) });
  }

  session(app: string, id: string): Promise<SessionStatus> {
    return this.json(`/api/v1/apps/${encodeURIComponent(app)}/sessions/${encodeURIComponent(id)}`);
  }

  /** My sessions, newest first. */
  async sessions(): Promise<SessionStatus[]> {
    return (await this.json<SessionList>('/api/v1/sessions')).sessions;
  }

  stopSession(app: string, id: string): Promise<SessionStatus> {
    return this.json(`/api/v1/apps/${encodeURIComponent(app)}/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /** Polls a session until it is no longer `starting`: ready, or failed with its log's tail. */
  async waitForSession(app: string, id: string, opts: { intervalMs?: number; signal?: AbortSignal } = {}): Promise<SessionStatus> {
    for (;;) {
      const s = await this.session(app, id);
      if (s.state !== 'starting' || opts.signal?.aborted) return s;
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
    }
  }

  /** A response from the API, or the ApiError it answered with. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.authHeader())) headers.set(k, v);
    const res = await this.fetch(this.url + path, { ...init, headers });
    if (!res.ok) throw await ApiError.from(res);
    return res;
  }

  protected authHeader(): Record<string, string> {
    return this.token ? { authorization: `Token token=${this.token}` } : {};
  }

  /** How a multipart form is sent: fetch here (which reports no progress); the Node client streams it. */
  protected postForm(url: string, form: FormData, opts: PostFormOptions): Promise<Response> {
    return fetch(url, { method: 'POST', body: form, headers: opts.headers, signal: opts.signal });
  }

  protected async json<T>(path: string, init?: RequestInit): Promise<T> {
    return this.parse(await this.request(path, init), path);
  }

  protected async parse<T>(res: Response, path: string): Promise<T> {
    if (!res.ok) throw await ApiError.from(res);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', `${path} did not answer JSON: is ${this.url} an allgo server?`);
    }
  }

  protected async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw ApiError.unreachable(new URL(url).origin, err);
    }
  }
}
