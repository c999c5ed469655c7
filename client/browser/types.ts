// The API's answers, as schemas/api.schema.json defines them (generated into schemas/types.ts,
// the same definitions the server's routes answer with), plus the job events, which are
// Server-Sent Events rather than JSON bodies.
import type { AppDetail, JobStatus, JobSummary, Queues } from '../../schemas/types.js';

export type { AdminOverview, AppDetail, AppList, AppSummary, ImageFormat, JobCancelled, JobCreated, JobList, JobRerun, JobStatus, JobSummary, RoCrate, NewUser, PruneResult, Queues, Release, ReleaseList, RunnerList, RunnerTokenCreated, SessionList, SessionStatus, StorageList, User, UserLimitsPatch } from '../../schemas/types.js';

export type JobState = JobSummary['state'];
export type JobResult = NonNullable<JobSummary['result']>;
export type AppVersion = AppDetail['versions'][number];
export type Preset = AppDetail['presets'][number];
export type Queue = Queues['queues'][number];
export type JobFile = JobStatus['files'][number];
export type Runner = import('../../schemas/types.js').RunnerList['runners'][number];

/** The `data` of a `state` event. */
export type JobStateEvent = Pick<JobSummary, 'result' | 'exit_code' | 'message' | 'started_at' | 'finished_at'> & { status: JobState };

/** The `data` of a `progress` event: what the job's program last said of its progress. */
export type JobProgressEvent = NonNullable<import('../../schemas/types.js').JobProgress>;

/** One event of GET /api/v1/jobs/N/events, its data decoded. */
export type JobEvent =
  | { type: 'state'; id?: string; state: JobStateEvent }
  | { type: 'log'; id?: string; text: string }
  | { type: 'progress'; id?: string; progress: JobProgressEvent }
  | { type: 'end'; id?: string };
