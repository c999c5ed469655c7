// A multipart job submission written by hand, as an attacker would send it: streamed at the
// socket's pace, left hanging after some bytes, or dropped, with how much had been sent when
// the server answered. fetch() buffers or hides all three.
import { request } from 'node:http';

export type RawPart = { field: string; value: string } | { field: string; filename: string; bytes: number };

interface RawAnswer {
  /** 0 when the connection ended with no answer. */
  status: number;
  body: string;
  /** Bytes of the body written to the socket when the answer came. */
  sentBytes: number;
}

export interface RawUpload {
  answer: Promise<RawAnswer>;
  /** Resolves once `stallAfter` bytes are written (at once when there is no stall). */
  stalled: Promise<void>;
  /** Drops the connection mid-body. */
  abort(): void;
}

const BOUNDARY = 'allgo-raw-upload-boundary';
const CHUNK = Buffer.alloc(64 * 1024, 'x');

function* bodyChunks(parts: RawPart[]): Generator<Buffer> {
  for (const part of parts) {
    if ('value' in part) {
      yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.field}"\r\n\r\n${part.value}\r\n`);
      continue;
    }
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.field}"; filename="${part.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    for (let left = part.bytes; left > 0; left -= CHUNK.length) yield left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    yield Buffer.from('\r\n');
  }
  yield Buffer.from(`--${BOUNDARY}--\r\n`);
}

/** POSTs `parts` to /api/v1/jobs; with `stallAfter`, stops writing after that many bytes and keeps the connection open. */
export function rawUpload(baseUrl: string, token: string, parts: RawPart[], opts: { stallAfter?: number } = {}): RawUpload {
  let sent = 0;
  let answered = false;
  let stall!: () => void;
  const stalled = new Promise<void>((resolve) => (stall = resolve));
  const req = request(`${baseUrl}/api/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Token token=${token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  });
  const answer = new Promise<RawAnswer>((resolve) => {
    req.on('response', (res) => {
      answered = true;
      const sentBytes = sent;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, sentBytes });
        req.destroy();
      });
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body, sentBytes }));
    });
    req.on('error', () => resolve({ status: 0, body: '', sentBytes: sent }));
    req.on('close', () => resolve({ status: 0, body: '', sentBytes: sent }));
  });
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        req.off('drain', done).off('close', done);
        resolve();
      };
      req.on('drain', done).on('close', done);
    });
  void (async () => {
    for (const chunk of bodyChunks(parts)) {
      if (answered || req.destroyed) return;
      if (opts.stallAfter !== undefined && sent + chunk.length > opts.stallAfter) return stall();
      sent += chunk.length;
      if (!req.write(chunk)) await drained();
    }
    stall();
    req.end();
  })();
  return { answer, stalled, abort: () => req.destroy() };
}
