// allgo's client library: `import { App } from 'allgo'`. The browser-safe part (./browser/) is
// what the site's pages use too.
export { App, type RunOptions, type FinishedJob } from './app.js';
export { AllgoClient, inputName, safeFileName, type ClientOptions, type InputFile, type NodeTypedParams, type Output, type PathFile, type SubmitOptions } from './api.js';
export { ApiClient, type ApiClientOptions, type JobRequest, type NamedFile } from './browser/api.js';
export type { TypedParam, TypedParams } from './browser/typed-params.js';
export { ApiError, type ClientErrorCode } from './browser/errors.js';
export { type EventOptions } from './browser/job-events.js';
export { configFile, DEFAULT_URL, readConfig, requireToken, resolveCredentials, saveConfig, type Credentials, type ResolveOptions, type SavedConfig, type Source } from './credentials.js';
export { followJob, type FollowOptions } from './follow.js';
export { readSse, SseParser, type SseEvent } from './browser/sse.js';
export type * from './browser/types.js';
