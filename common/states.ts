// Which job and version states are final, said once. The states themselves are the enums of
// schemas/api.schema.json ($defs JobState, VersionState): each table below must place every
// one of them, so a state added to the schema fails the type check until it is placed here.
// Browser-safe: the site imports this file, so it must not import Node modules.
import type { JobState, VersionState } from '../schemas/types.js';

export type { JobState, VersionState };

/** true: the job will not run any more (its log is complete, its result recorded or gone). */
const JOB_FINISHED: Readonly<Record<JobState, boolean>> = {
  new: false,
  waiting: false,
  running: false,
  aborting: false,
  done: true,
  archived: true,
  deleted: true,
};

const jobStates = (finished: boolean): ReadonlySet<JobState> =>
  new Set((Object.keys(JOB_FINISHED) as JobState[]).filter((s) => JOB_FINISHED[s] === finished));

export const FINISHED_JOB_STATES = jobStates(true);
/** A runner may still report an outcome for these. */
export const UNFINISHED_JOB_STATES = jobStates(false);
/** Not yet taken by a runner. */
export const QUEUED_JOB_STATES: ReadonlySet<JobState> = new Set(['new', 'waiting']);
/** Unfinished and not already being cancelled. */
export const CANCELLABLE_JOB_STATES: ReadonlySet<JobState> = new Set([...UNFINISHED_JOB_STATES].filter((s) => s !== 'aborting'));

export const isFinishedJob = (state: JobState): boolean => JOB_FINISHED[state];

/** true: the build is over, one way or the other. */
const VERSION_FINISHED: Readonly<Record<VersionState, boolean>> = { building: false, ready: true, failed: true };

export const isFinishedVersion = (state: VersionState): boolean => VERSION_FINISHED[state];
