// The Node client of allgo's REST API (README.md, "The API"): the browser-safe calls of
// ./browser/api.ts, plus credentials from flags, the environment or disk, input files streamed
// from disk (never read whole into memory), and results written to a temporary name and
// renamed when complete.
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { ApiClient, type JobRequest, type NamedFile, type PostFormOptions } from './browser/api.js';
import { ApiError } from './browser/errors.js';
import { requireToken, resolveCredentials, type Credentials, type ResolveOptions } from './credentials.js';
import { postForm } from './upload.js';
import type { ImageFormat, JobCreated, JobFile, JobStatus } from './browser/types.js';
import type { TypedParam } from './browser/typed-params.js';

export type ClientOptions = ResolveOptions;

/** A path on disk (sent under its base name), or named bytes. */
export type InputFile = string | NamedFile;

/** A file on disk for a file parameter (a plain string would be a string value). */
export interface PathFile {
  path: string;
}

/** Typed values by parameter id; a file parameter's value may also be a file on disk. */
export type NodeTypedParams = Record<string, TypedParam | PathFile | (string | number | boolean | NamedFile | PathFile)[]>;

export type SubmitOptions = Omit<JobRequest, 'files' | 'params'> & { files?: InputFile[]; params?: string | NodeTypedParams };

/** A result file saved on disk. */
export interface Output {
  name: string;
  size: number;
  path: string;
}

export class AllgoClient extends ApiClient {
  readonly credentials: Credentials;

  constructor(opts: ClientOptions = {}) {
    const credentials = resolveCredentials(opts);
    super({ url: credentials.url, token: credentials.token });
    this.credentials = credentials;
  }

  override async submit(opts: SubmitOptions): Promise<JobCreated> {
    const params = typeof opts.params === 'object' ? await typedFromDisk(opts.params) : opts.params;
    return super.submit({ ...opts, params, files: await Promise.all((opts.files ?? []).map(fromDisk)) });
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
    await saveBody(res, path);
    return path;
  }

  /**
   * Saves a ready version's image as `format` (docker-archive, oci or squashfs) to `path`,
   * which appears only once complete; returns its size in bytes. The server builds it on the
   * first request for it, which can take a minute for a large image.
   */
  async exportImage(app: string, version: string, format: ImageFormat, path: string, signal?: AbortSignal): Promise<number> {
    const res = await this.request(`/api/v1/apps/${encodeURIComponent(app)}/versions/${encodeURIComponent(version)}/image?format=${encodeURIComponent(format)}`, { signal });
    await mkdir(dirname(resolve(path)), { recursive: true });
    return saveBody(res, path);
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

  protected override authHeader(): Record<string, string> {
    return { authorization: `Token token=${requireToken(this.credentials)}` };
  }

  /** Streams the form from disk with node:http (see upload.ts: fetch would hold it in memory). */
  protected override postForm(url: string, form: FormData, opts: PostFormOptions): Promise<Response> {
    return postForm(url, form, opts);
  }
}

/** Writes a response's body to `path` through a temporary name beside it: no half file is ever left under `path`. */
async function saveBody(res: Response, path: string): Promise<number> {
  const part = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(part, { flags: 'wx' }));
    const { size } = await stat(part);
    await rename(part, path);
    return size;
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}

/** The name an input file is sent under. */
export const inputName = (f: InputFile): string => (typeof f === 'string' ? basename(f) : f.name);

const isPath = (v: unknown): v is PathFile => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as PathFile).path === 'string' && !('data' in v);

/** The typed values with each file on disk opened as a Blob read as it is sent. */
async function typedFromDisk(params: NodeTypedParams): Promise<Record<string, TypedParam>> {
  const out: Record<string, TypedParam> = {};
  for (const [id, v] of Object.entries(params)) {
    if (isPath(v)) out[id] = await fromDisk(v.path);
    else if (Array.isArray(v)) out[id] = await Promise.all(v.map((item) => (isPath(item) ? fromDisk(item.path) : item)));
    else out[id] = v as TypedParam;
  }
  return out;
}

async function fromDisk(f: InputFile): Promise<NamedFile> {
  if (typeof f !== 'string') return f;
  try {
    // A Blob backed by the file: read as it is sent, never held in memory whole.
    return { name: inputName(f), data: await openAsBlob(f) };
  } catch (err) {
    throw new ApiError(0, 'bad_input', `cannot read ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The server names results; a name that could leave the folder is refused, whoever sent it. */
export function safeFileName(name: string): string {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new ApiError(0, 'unsafe_file_name', `refusing to save a result named ${JSON.stringify(name)}`);
  }
  return name;
}
