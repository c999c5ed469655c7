// POSTs a multipart form with node:http rather than fetch: fetch (undici 6 in Node 20) keeps
// what it has sent of a request body in memory, so uploading 400 MB held 400 MB
// (nodejs/undici#4058). Here the body is the form as a Response serialises it (file parts read
// from disk as they go) piped into the request, so backpressure holds memory to a few buffers
// and the bytes counted are the bytes the socket took.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { PostFormOptions } from './browser/api.js';

/** The server's answer as a fetch Response (bodies here are small JSON). Rejects on network errors. */
export function postForm(url: string, form: FormData, opts: PostFormOptions): Promise<Response> {
  const serialised = new Response(form);
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { ...opts.headers, 'content-type': serialised.headers.get('content-type')! },
      signal: opts.signal,
    });
    let answered = false;
    req.once('response', (res) => {
      answered = true;
      collect(res).then(resolve, reject);
    });
    req.once('error', (err) => !answered && reject(err));
    let sent = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        opts.onProgress?.(sent);
        done(null, chunk);
      },
    });
    pipeline(Readable.fromWeb(serialised.body as WebReadableStream<Uint8Array>), count, req).catch((err: Error) => {
      // A server that refuses early (413) answers and closes while the body is still going:
      // its answer is what matters. Otherwise give it a moment to arrive before failing.
      if (!answered) setTimeout(() => !answered && reject(err), 1000).unref();
    });
  });
}

async function collect(res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  const status = res.statusCode ?? 500;
  return new Response([204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers });
}
