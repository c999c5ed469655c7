// Names shared by the server (producer) and the workers (consumers). Keys are prefixed so
// several allgo instances, or tests, can share one Redis.

export const BUILD_QUEUE = 'builds';
export const RUN_QUEUE = 'runs';

export const buildJobId = (versionId: number): string => `build-${versionId}`;
export const runJobId = (jobId: number): string => `job-${jobId}`;

export const buildLogKey = (prefix: string, versionId: number): string => `${prefix}:log:build:${versionId}`;
export const runLogKey = (prefix: string, jobId: number): string => `${prefix}:log:job:${jobId}`;
