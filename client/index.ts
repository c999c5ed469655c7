// allgo's client library: `import { App } from 'allgo'`.
export { App, type RunOptions, type FinishedJob } from './app.js';
export { AllgoClient, inputName, safeFileName, type ClientOptions, type EventOptions, type InputFile, type Output, type SubmitOptions } from './api.js';
export { ApiError, type ClientErrorCode } from './errors.js';
export { configFile, DEFAULT_URL, readConfig, requireToken, resolveCredentials, saveConfig, type Credentials, type ResolveOptions, type SavedConfig, type Source } from './credentials.js';
export { followJob, type FollowOptions } from './follow.js';
export { readSse, SseParser, type SseEvent } from './sse.js';
export type * from './types.js';
