// One app, run like A||GO's Python client does it: `new App('ndsafir').run({files, params})`
// submits, follows the job to its end and downloads its results.
import { AllgoClient, inputName, type ClientOptions, type InputFile, type NodeTypedParams, type Output } from './api.js';
import { followJob } from './follow.js';
import type { AppDetail, JobCreated, JobProgressEvent, JobStateEvent, JobStatus } from './browser/types.js';

/**
 * `P`: the app's typed values, where the caller knows them, e.g.
 * `new App<{ frac: number; image: { path: string } }>('bet').run({ params: { frac: 0.3, image: { path: 'brain.nii' } } })`.
 */
export interface RunOptions<P extends NodeTypedParams = NodeTypedParams> {
  /** Input files: paths on disk (sent under their base names) or named bytes. */
  files?: InputFile[];
  /**
   * A string: the free-text parameters, split like a shell would on the server (no shell runs
   * them). An object: typed values by parameter id (`allgo app APP` lists them), a file
   * parameter's value a file on disk ({ path }) or named bytes.
   */
  params?: string | P;
  /** With typed `params`, for a version with free_params: the free text appended after them. */
  freeParams?: string;
  /** Default: the latest ready version. */
  version?: string;
  /** Default: the app's queue. */
  queue?: string;
  onLog?: (text: string) => void;
  onState?: (state: JobStateEvent) => void;
  /** Each progress the job's program reports. */
  onProgress?: (progress: JobProgressEvent) => void;
  onSubmitted?: (job: JobCreated) => void;
  onUploadProgress?: (sent: number, total: number) => void;
  /** Where results are saved (default: the current directory). Inputs are not downloaded back. */
  outDir?: string;
  /** false: leave the results on the server. */
  download?: boolean;
  signal?: AbortSignal;
}

/** The finished job, and the result files saved on disk. */
export type FinishedJob = JobStatus & { outputs: Output[] };

export class App<P extends NodeTypedParams = NodeTypedParams> {
  readonly client: AllgoClient;

  /** Credentials not given come from ALLGO_URL / ALLGO_TOKEN, ~/.allgo_token, then `allgo login`'s file. */
  constructor(
    readonly name: string,
    opts: ClientOptions | AllgoClient = {},
  ) {
    this.client = opts instanceof AllgoClient ? opts : new AllgoClient(opts);
  }

  info(): Promise<AppDetail> {
    return this.client.app(this.name);
  }

  /** Resolves once the job has finished, whatever its result: check `result` ('success', …). */
  async run(opts: RunOptions<P> = {}): Promise<FinishedJob> {
    const files = opts.files ?? [];
    const submitted = await this.client.submit({
      app: this.name,
      files,
      params: opts.params,
      freeParams: opts.freeParams,
      version: opts.version,
      queue: opts.queue,
      onUploadProgress: opts.onUploadProgress,
      signal: opts.signal,
    });
    opts.onSubmitted?.(submitted);
    const job = await followJob(this.client, submitted.id, { onLog: opts.onLog, onState: opts.onState, onProgress: opts.onProgress, signal: opts.signal });
    const outputs =
      opts.download === false ? [] : await this.client.downloadAll(job, opts.outDir ?? process.cwd(), { skip: [...files.map(inputName), ...typedFileNames(opts.params)], signal: opts.signal });
    return { ...job, outputs };
  }
}

/** The names the files given as typed values are uploaded under: inputs, not results. */
function typedFileNames(params: string | NodeTypedParams | undefined): string[] {
  if (typeof params !== 'object') return [];
  return Object.values(params).flatMap((v) => (Array.isArray(v) ? v : [v])).flatMap((v) => {
    if (typeof v !== 'object' || v === null) return [];
    if ('path' in v && typeof v.path === 'string') return [inputName(v.path)];
    return 'name' in v && typeof v.name === 'string' ? [v.name] : [];
  });
}
