// The JSON form of a submission, for a job without files: {app, version, queue, params, param,
// no_cache, webhook, webhook_events}.
// A reader for submitJob like read-multipart.ts; the values are checked against the version's
// input schema afterwards, as a form's are (typed-params.ts).
import { BadRequestError } from '../errors.js';
import type { JobRequest, RequestReader } from './submit-job.js';

const FIELDS = new Set(['app', 'version', 'queue', 'params', 'param', 'no_cache', 'webhook', 'webhook_events']);

export function readJson(body: unknown): RequestReader {
  return async () => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('send the job as a JSON object: {"app": "NAME", "params": {…}}');
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).find((k) => !FIELDS.has(k));
    if (unknown !== undefined) throw new BadRequestError(`unknown field ${JSON.stringify(unknown)}: a JSON job takes app, version, queue, params, param, no_cache, webhook and webhook_events (input files need multipart/form-data)`);
    const text = (name: string): string | undefined => {
      const v = b[name];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') throw new BadRequestError(`${name} must be a string`);
      return v;
    };
    const app = text('app');
    if (!app) throw new BadRequestError('missing app: the id or name of the app to run');
    const params = b.params ?? {};
    if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new BadRequestError('params must be an object of values by parameter id', 'bad_param');
    const request: JobRequest = { app, param: text('param') ?? '', params: { ...(params as Record<string, unknown>) }, fileParams: {}, inputBytes: 0, inputs: [] };
    const version = text('version');
    const queue = text('queue');
    if (version) request.version = version;
    if (queue) request.queue = queue;
    if (b.no_cache !== undefined) {
      if (typeof b.no_cache !== 'boolean') throw new BadRequestError('no_cache must be true or false');
      request.noCache = b.no_cache;
    }
    const webhook = text('webhook');
    const events = b.webhook_events;
    if (events !== undefined && events !== null && typeof events !== 'string' && !(Array.isArray(events) && events.every((e) => typeof e === 'string'))) {
      throw new BadRequestError('webhook_events must be a list of events (["start", "progress", "completed"]) or one string of them separated by commas');
    }
    if (webhook || (events !== undefined && events !== null)) request.webhook = { ...(webhook ? { url: webhook } : {}), ...(events !== undefined && events !== null ? { events: events as string | string[] } : {}) };
    return request;
  };
}
