// Names shared by the server (producer) and the workers (consumers). Keys are prefixed so
// several allgo instances, or tests, can share one Redis.

export const BUILD_QUEUE = 'builds';
/** Catalog rebuilds: a server-side queue, named here with the others so no two share a name. */
export const SITE_QUEUE = 'site';
/** Webhook deliveries: a server-side queue too (the server signs them and records each attempt). */
export const WEBHOOK_QUEUE = 'webhooks';
/** Each allgo queue is its own BullMQ queue, so its concurrency can be capped over all runners. */
export const runQueueName = (queue: string): string => `run-${queue}`;

export const buildJobId = (versionId: number): string => `build-${versionId}`;
export const runJobId = (jobId: number): string => `job-${jobId}`;
/** The allgo job a run's BullMQ id names; null for any other id. */
export const runJobNumber = (id: string): number | null => (/^job-\d+$/.test(id) ? Number(id.slice(4)) : null);

export const buildLogKey = (prefix: string, versionId: number): string => `${prefix}:log:build:${versionId}`;
export const runLogKey = (prefix: string, jobId: number): string => `${prefix}:log:job:${jobId}`;

/** Announced when a run is queued, so idle runners fetch it at once rather than at their next poll. */
export const runsChannel = (prefix: string): string => `${prefix}:runs`;
/** Why a runner killed a job's container, for whichever runner reports the outcome. */
export const verdictKey = (prefix: string, jobId: number): string => `${prefix}:verdict:${jobId}`;

export const containerName = (instance: string, jobId: number): string => `allgo-${instance}-job-${jobId}`;
