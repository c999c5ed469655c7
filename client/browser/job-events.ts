// A job's live events, with the one reconnection policy the CLI, the library and the site's job
// page all follow: a dropped connection is resumed from the last event id (Last-Event-ID), so no
// log text is lost or repeated, after the delay the server asked for (`retry`) or a second.
// Too many reconnections in a row without an event end it as `stream_lost`. A refusal (4xx), an
// answer that is not an event stream, and an abort are final.
import { ApiError } from './errors.js';
import { readSse, SseParser } from './sse.js';
import type { JobEvent, JobProgressEvent } from './types.js';

export interface EventOptions {
  /** Resume after this event id (the SSE `Last-Event-ID`). */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Reconnections in a row without an event before giving up (default 5). */
  reconnects?: number;
}

/** Opens the stream once with these headers; a non-2xx answer rejects with its ApiError. */
export type OpenEventStream = (headers: Record<string, string>, signal?: AbortSignal) => Promise<Response>;

const RECONNECT_MS = 1000;

export async function* jobEvents(open: OpenEventStream, id: number, opts: EventOptions = {}): AsyncGenerator<JobEvent> {
  let last = opts.lastEventId ?? '';
  let retryMs = RECONNECT_MS;
  let failures = 0;
  const maxFailures = opts.reconnects ?? 5;
  for (;;) {
    let lost: unknown = null;
    const parser = new SseParser();
    parser.lastEventId = last;
    try {
      const res = await open({ accept: 'text/event-stream', ...(last ? { 'last-event-id': last } : {}) }, opts.signal);
      if (!res.headers.get('content-type')?.startsWith('text/event-stream') || !res.body) {
        throw new ApiError(res.status, 'bad_response', `the events of job ${id} did not come as an event stream`);
      }
      for await (const e of readSse(res.body, parser)) {
        last = e.id;
        failures = 0;
        const event = decodeEvent(e.event, e.data, e.id);
        if (event) yield event;
        if (event?.type === 'end') return;
      }
    } catch (err) {
      // Refusals and aborts are final; a network hiccup is retried from the last id.
      if (opts.signal?.aborted || (err instanceof ApiError && ((err.status !== 0 && err.status < 500) || err.code === 'bad_response'))) throw err;
      lost = err;
    }
    retryMs = parser.retry ?? retryMs;
    if (++failures > maxFailures) {
      throw new ApiError(0, 'stream_lost', `the event stream of job ${id} kept breaking (${maxFailures} reconnections)`, { cause: lost ?? undefined });
    }
    await sleep(retryMs, opts.signal);
  }
}

function decodeEvent(type: string, data: string, id: string): JobEvent | null {
  try {
    if (type === 'state') return { type, id, state: JSON.parse(data) };
    if (type === 'log') return { type, id, text: JSON.parse(data) as string };
    if (type === 'progress') return { type, id, progress: JSON.parse(data) as JobProgressEvent };
    if (type === 'end') return { type, id };
    return null;
  } catch {
    throw new ApiError(200, 'bad_response', `a "${type}" event carried data that is not JSON`);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
